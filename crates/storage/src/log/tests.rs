//! Tests of the partition log: append/read, rolling, look-ups, validation, recovery.

use std::path::Path;

use fjord_protocol::records::{BatchRecords, RecordBatchBuilder};
use fjord_protocol::{CompressionType, RecordBatch};
use proptest::prelude::*;

use super::*;
use crate::loader::LoadParams;
use crate::segment::segment_file;

fn config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        index_interval_bytes: 256,
        segment_index_bytes: 64 * 1024,
        ..LogConfig::default()
    }
}

fn open(dir: &Path, config: LogConfig, params: LoadParams) -> Log {
    Log::open(dir, TopicPartition::new("t", 0), config, params).unwrap()
}

/// A batch of `count` records `key-i`/`value-i` with timestamps `ts, ts+1, ...`.
fn batch(count: usize, ts: i64, codec: CompressionType) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(codec, 0, ts);
    for i in 0..count {
        let (key, value) = (format!("key-{i}"), format!("value-{i}-{}", "x".repeat(40)));
        builder.append(
            i as i32,
            ts + i as i64,
            Some(key.as_bytes()),
            Some(value.as_bytes()),
            &[],
        );
    }
    builder.build().unwrap()
}

fn append(log: &Log, count: usize, ts: i64) -> LogAppendInfo {
    log.append_as_leader(
        &mut batch(count, ts, CompressionType::None),
        0,
        AppendOrigin::Client,
    )
    .unwrap()
}

/// Every batch readable from `start`, following reads to the log end.
fn read_all(log: &Log, start: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    let mut next = start;
    loop {
        let info = log.read(next, 1 << 20, None, true).unwrap();
        let Some(slice) = info.records else {
            return out;
        };
        let bytes = slice.read_to_vec().unwrap();
        for b in fjord_protocol::record_batch::BatchIter::new(&bytes) {
            let b = b.unwrap();
            b.validate().unwrap();
            out.push((b.base_offset(), b.last_offset()));
            next = b.next_offset();
        }
    }
}

#[test]
fn test_log_append_assigns_offsets_in_place_and_reads_back_stored_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20), LoadParams::new_log());
    let mut first = batch(3, 1000, CompressionType::None);
    let info = log
        .append_as_leader(&mut first, 7, AppendOrigin::Client)
        .unwrap();
    assert_eq!(
        (info.first_offset, info.last_offset, info.record_count),
        (0, 2, 3)
    );
    let second = append(&log, 2, 2000);
    assert_eq!((second.first_offset, second.last_offset), (3, 4));
    assert_eq!(log.log_end_offset(), 5);

    let read = log.read(0, 1 << 20, None, true).unwrap();
    let bytes = read.records.unwrap().read_to_vec().unwrap();
    // The first batch is stored exactly as given after offset assignment (done in place).
    assert_eq!(&bytes[..first.len()], &first[..]);
    let stored = RecordBatch::parse_prefix(&bytes).unwrap();
    assert_eq!(stored.partition_leader_epoch(), 7);
    stored.validate().unwrap();
    assert_eq!(read_all(&log, 0), vec![(0, 2), (3, 4)]);
    assert_eq!(log.latest_epoch(), Some(7));
    assert_eq!(log.end_offset_for_epoch(7), Some((7, 5)));
}

#[test]
fn test_log_read_returns_whole_batches_within_max_bytes_but_at_least_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20), LoadParams::new_log());
    let size = batch(5, 0, CompressionType::None).len() as u64;
    for i in 0..10 {
        append(&log, 5, i * 10);
    }
    let read = log.read(0, size * 3 + size / 2, None, true).unwrap();
    assert_eq!(read.records.unwrap().len, size * 3);
    // KIP-74: a batch larger than max_bytes still comes back whole when asked.
    let read = log.read(12, 10, None, true).unwrap();
    assert_eq!(
        (read.first_batch_offset, read.records.unwrap().len),
        (Some(10), size)
    );
    let read = log.read(12, 10, None, false).unwrap();
    assert_eq!(read.records.unwrap().len, 0);
    // The upper bound (high watermark) cuts before the batch holding it.
    let read = log.read(0, 1 << 20, Some(20), true).unwrap();
    assert_eq!(read.records.unwrap().len, size * 4);
    assert!(log
        .read(20, 1 << 20, Some(20), true)
        .unwrap()
        .records
        .is_none());
    assert!(log.read(50, 1 << 20, None, true).unwrap().records.is_none());
    assert!(matches!(
        log.read(51, 1, None, true),
        Err(StorageError::OffsetOutOfRange { offset: 51, .. })
    ));
}

#[test]
fn test_log_rolls_segments_on_segment_bytes_and_reads_across_them() {
    let dir = tempfile::tempdir().unwrap();
    let size = batch(4, 0, CompressionType::None).len() as u64;
    let log = open(dir.path(), config(size * 3), LoadParams::new_log());
    for i in 0..10 {
        append(&log, 4, i);
    }
    assert_eq!(log.segment_count(), 4);
    let bases: Vec<i64> = log.segments().iter().map(|s| s.base_offset()).collect();
    assert_eq!(bases, vec![0, 12, 24, 36]);
    for base in &bases[..3] {
        assert!(segment_file(dir.path(), *base, ".log", "").exists());
        // Sealed segments have their indexes trimmed to their entries.
        let index_len = std::fs::metadata(segment_file(dir.path(), *base, ".index", ""))
            .unwrap()
            .len();
        assert!(index_len < 64 * 1024 && index_len.is_multiple_of(8));
    }
    let batches = read_all(&log, 0);
    assert_eq!(batches.len(), 10);
    assert_eq!(read_all(&log, 13)[0], (12, 15));
}

#[test]
fn test_log_rolls_on_segment_ms_measured_by_record_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            segment_ms: 1000,
            ..config(1 << 20)
        },
        LoadParams::new_log(),
    );
    append(&log, 1, 10_000);
    append(&log, 1, 10_500);
    assert_eq!(log.segment_count(), 1);
    append(&log, 1, 11_001);
    assert_eq!(log.segment_count(), 2);
}

#[test]
fn test_log_offset_index_lookup_finds_every_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20), LoadParams::new_log());
    for i in 0..50 {
        append(&log, 3, i);
    }
    let segment = log.active_segment();
    for offset in 0..150 {
        let batch = segment.translate_offset(offset).unwrap().unwrap();
        assert!(
            batch.base_offset <= offset && offset <= batch.last_offset,
            "offset {offset}: {batch:?}"
        );
    }
    assert!(segment.translate_offset(150).unwrap().is_none());
}

#[test]
fn test_log_fetch_offset_by_timestamp_and_max_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let size = batch(4, 0, CompressionType::None).len() as u64;
    let log = open(dir.path(), config(size * 2), LoadParams::new_log());
    // Batches at 1000.., 2000.., 3000..; one batch is compressed; timestamps inside go up by 1.
    append(&log, 4, 1000);
    log.append_as_leader(
        &mut batch(4, 2000, CompressionType::Gzip),
        0,
        AppendOrigin::Client,
    )
    .unwrap();
    append(&log, 4, 3000);
    append(&log, 4, 2500);
    let lookup = |ts| {
        log.fetch_offset_by_timestamp(ts)
            .unwrap()
            .map(|(t, _)| (t.timestamp, t.offset))
    };
    assert_eq!(lookup(0), Some((1000, 0)));
    assert_eq!(lookup(1002), Some((1002, 2)));
    assert_eq!(lookup(1004), Some((2000, 4)));
    assert_eq!(lookup(2002), Some((2002, 6)));
    assert_eq!(lookup(3003), Some((3003, 11)));
    assert_eq!(lookup(3004), None);
    let max = log
        .fetch_offset_of_max_timestamp()
        .unwrap()
        .map(|(t, _)| (t.timestamp, t.offset));
    assert_eq!(max, Some((3003, 11)));
}

#[test]
fn test_log_rejects_invalid_batches_without_touching_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            max_message_bytes: 2000,
            ..config(1 << 20)
        },
        LoadParams::new_log(),
    );
    append(&log, 1, 0);
    let mut corrupt = batch(2, 0, CompressionType::None);
    let last = corrupt.len() - 1;
    corrupt[last] ^= 0xff;
    assert!(matches!(
        log.append_as_leader(&mut corrupt, 0, AppendOrigin::Client),
        Err(StorageError::InvalidBatch(
            fjord_protocol::BatchError::CorruptCrc { .. }
        ))
    ));
    let mut big = batch(60, 0, CompressionType::None);
    assert!(matches!(
        log.append_as_leader(&mut big, 0, AppendOrigin::Client),
        Err(StorageError::RecordTooLarge { .. })
    ));
    let mut partial = batch(2, 0, CompressionType::None);
    partial.truncate(partial.len() - 3);
    assert!(matches!(
        log.append_as_leader(&mut partial, 0, AppendOrigin::Client),
        Err(StorageError::InvalidBatch(_))
    ));
    let mut control = RecordBatchBuilder::new(CompressionType::None, 0, 0).with_control(true);
    control.append(0, 0, Some(b"\0\0\0\0"), Some(b"\0\0\0\0\0\0"), &[]);
    let mut control = control.build().unwrap();
    assert!(matches!(
        log.append_as_leader(&mut control, 0, AppendOrigin::Client),
        Err(StorageError::InvalidRecord(_))
    ));
    assert!(log
        .append_as_leader(&mut control, 0, AppendOrigin::Coordinator)
        .is_ok());
    let mut magic1 = batch(1, 0, CompressionType::None);
    magic1[16] = 1;
    assert!(log
        .append_as_leader(&mut magic1, 0, AppendOrigin::Client)
        .is_err());
    assert_eq!(log.log_end_offset(), 2);
    assert_eq!(read_all(&log, 0), vec![(0, 0), (1, 1)]);
}

#[test]
fn test_log_group_commit_flushes_concurrent_appenders() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::sync::Arc::new(open(dir.path(), config(1 << 20), LoadParams::new_log()));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let log = std::sync::Arc::clone(&log);
            std::thread::spawn(move || {
                for i in 0..25 {
                    let info = append(&log, 2, i);
                    log.flush_to(info.last_offset + 1).unwrap();
                    assert!(log.recovery_point() > info.last_offset);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(log.recovery_point(), 200);
}

#[test]
fn test_log_flush_messages_setting_flushes_every_n_records() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            flush_messages: 4,
            ..config(1 << 20)
        },
        LoadParams::new_log(),
    );
    append(&log, 2, 0);
    assert_eq!(log.recovery_point(), 0);
    append(&log, 2, 0);
    assert_eq!(log.recovery_point(), 4);
}

#[test]
fn test_log_reopen_after_close_keeps_everything_without_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let size = batch(3, 0, CompressionType::None).len() as u64;
    let log = open(dir.path(), config(size * 4), LoadParams::new_log());
    for i in 0..10 {
        append(&log, 3, i);
    }
    log.close().unwrap();
    assert!(log
        .append_as_leader(
            &mut batch(1, 0, CompressionType::None),
            0,
            AppendOrigin::Client
        )
        .is_err());
    let reopened = open(dir.path(), config(size * 4), LoadParams::new_log());
    assert_eq!(reopened.log_end_offset(), 30);
    assert_eq!(reopened.recovery_point(), 30);
    assert_eq!(read_all(&reopened, 0), read_all(&log, 0));
    assert_eq!(append(&reopened, 1, 0).first_offset, 30);
}

#[test]
fn test_log_truncate_to_removes_batches_and_later_segments() {
    let dir = tempfile::tempdir().unwrap();
    let size = batch(3, 0, CompressionType::None).len() as u64;
    let log = open(dir.path(), config(size * 2), LoadParams::new_log());
    for i in 0..6 {
        log.append_as_leader(
            &mut batch(3, i, CompressionType::None),
            i as i32,
            AppendOrigin::Client,
        )
        .unwrap();
    }
    log.truncate_to(7).unwrap();
    // The batch holding offset 7 (6..=8) goes entirely, and the log ends where it began.
    assert_eq!(log.log_end_offset(), 6);
    assert_eq!(read_all(&log, 0), vec![(0, 2), (3, 5)]);
    assert_eq!(log.latest_epoch(), Some(1));
    assert_eq!(append(&log, 1, 0).first_offset, 6);
}

#[test]
fn test_log_rebuilds_missing_and_corrupt_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let size = batch(3, 0, CompressionType::None).len() as u64;
    let log = open(dir.path(), config(size * 20), LoadParams::new_log());
    for i in 0..30 {
        append(&log, 3, 1000 + i);
    }
    log.close().unwrap();
    let expected = read_all(&log, 0);
    std::fs::remove_file(segment_file(dir.path(), 0, ".index", "")).unwrap();
    std::fs::write(segment_file(dir.path(), 60, ".timeindex", ""), [0xffu8; 7]).unwrap();
    let reopened = open(dir.path(), config(size * 20), LoadParams::new_log());
    assert_eq!(read_all(&reopened, 0), expected);
    for offset in [0, 31, 59, 60, 75, 89] {
        let found = reopened
            .segments()
            .iter()
            .rev()
            .find(|s| s.base_offset() <= offset)
            .unwrap()
            .translate_offset(offset)
            .unwrap();
        assert!(found.is_some_and(|b| b.base_offset <= offset && offset <= b.last_offset));
    }
    // Batch 23 holds timestamps 1023..=1025 at offsets 69..=71.
    assert_eq!(
        reopened
            .fetch_offset_by_timestamp(1025)
            .unwrap()
            .unwrap()
            .0
            .offset,
        71
    );
}

/// Writes `batches` batches of 1–4 records, keeping each batch's (base, last, bytes).
fn write_log(dir: &Path, segment_bytes: u64, counts: &[usize]) -> Vec<(i64, i64)> {
    let log = open(dir, config(segment_bytes), LoadParams::new_log());
    let mut written = Vec::new();
    for (i, count) in counts.iter().enumerate() {
        let info = log
            .append_as_leader(
                &mut batch(*count, i as i64, CompressionType::None),
                0,
                AppendOrigin::Client,
            )
            .unwrap();
        written.push((info.first_offset, info.last_offset));
    }
    // Leave the log as a crash would: no close, no checkpoint.
    log.flush_to(log.log_end_offset()).unwrap();
    written
}

/// The byte position in the whole log (segments concatenated) where each batch ends.
fn batch_ends(dir: &Path) -> Vec<(std::path::PathBuf, u64)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).unwrap().len();
            (p, len)
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Damage at a random point of a random segment: every whole batch before the damage
    /// survives recovery, nothing from the damaged batch on does, and the log takes
    /// appends again at the right offset.
    #[test]
    fn test_log_recovery_keeps_exactly_the_batches_before_damage(
        counts in proptest::collection::vec(1usize..4, 4..30),
        segment_batches in 2u64..6,
        pick in any::<prop::sample::Index>(),
        cut_fraction in 0.0f64..1.0,
        corrupt in any::<bool>(),
        flip in any::<u8>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let segment_bytes = segment_batches * batch(3, 0, CompressionType::None).len() as u64;
        let written = write_log(dir.path(), segment_bytes, &counts);
        let files = batch_ends(dir.path());
        let (victim, len) = files[pick.index(files.len())].clone();
        prop_assume!(len > 0);
        let at = ((len as f64) * cut_fraction) as u64;
        let bytes = std::fs::read(&victim).unwrap();
        if corrupt {
            let mut damaged = bytes.clone();
            damaged[at as usize] ^= flip.max(1);
            std::fs::write(&victim, &damaged).unwrap();
        } else {
            std::fs::write(&victim, &bytes[..at as usize]).unwrap();
        }
        // Which batches lie wholly before the damage? Walk the victim's batches.
        let victim_base: i64 = victim.file_stem().unwrap().to_str().unwrap().parse().unwrap();
        let mut survivors: Vec<(i64, i64)> = written.iter().copied().filter(|(base, _)| *base < victim_base).collect();
        let mut pos = 0usize;
        for b in fjord_protocol::record_batch::BatchIter::new(&bytes) {
            let b = b.unwrap();
            if pos + b.size() > at as usize || (corrupt && pos + b.size() > at as usize) {
                break;
            }
            // A flipped byte inside a batch's base offset or leader epoch is outside the CRC;
            // only a flip in the checked range (or the length) must be caught.
            if corrupt && at as usize >= pos && (at as usize) < pos + b.size() {
                break;
            }
            survivors.push((b.base_offset(), b.last_offset()));
            pos += b.size();
        }
        let damaged_batch_start = pos;
        let damage_in_unchecked_field = corrupt && {
            let rel = at as usize - damaged_batch_start;
            rel < 8 || (12..16).contains(&rel)
        };
        prop_assume!(!damage_in_unchecked_field);

        let log = open(dir.path(), config(segment_bytes), LoadParams { had_clean_shutdown: false, recovery_point: 0, log_start_offset: 0 });
        let recovered = read_all(&log, 0);
        prop_assert_eq!(&recovered, &survivors);
        let next = survivors.last().map_or(0, |(_, last)| last + 1);
        prop_assert_eq!(log.log_end_offset(), next);
        let info = append(&log, 1, 0);
        prop_assert_eq!(info.first_offset, next);
        let records = log.read(next, 1 << 20, None, true).unwrap().records.unwrap().read_to_vec().unwrap();
        let view = RecordBatch::parse_exact(&records).unwrap();
        prop_assert_eq!(BatchRecords::decode(&view).unwrap().iter().count(), 1);
    }
}

fn idempotent_batch(producer_id: i64, epoch: i16, sequence: i32, count: usize) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, 0).with_producer(
        producer_id,
        epoch,
        sequence,
    );
    for i in 0..count {
        builder.append(i as i32, 0, None, Some(b"v"), &[]);
    }
    builder.build().unwrap()
}

#[test]
fn test_log_idempotent_retries_get_original_offsets_and_gaps_are_refused_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20), LoadParams::new_log());
    append(&log, 2, 0);
    let first = log
        .append_as_leader(&mut idempotent_batch(42, 0, 0, 3), 0, AppendOrigin::Client)
        .unwrap();
    assert_eq!((first.first_offset, first.last_offset), (2, 4));
    let retry = log
        .append_as_leader(&mut idempotent_batch(42, 0, 0, 3), 0, AppendOrigin::Client)
        .unwrap();
    assert_eq!((retry.first_offset, retry.last_offset), (2, 4));
    assert_eq!(log.log_end_offset(), 5, "a retry is not appended twice");
    log.close().unwrap();

    let log = open(dir.path(), config(1 << 20), LoadParams::new_log());
    let gap = log.append_as_leader(&mut idempotent_batch(42, 0, 5, 1), 0, AppendOrigin::Client);
    assert!(matches!(
        gap,
        Err(StorageError::Producer(
            crate::producer_state::ProducerStateError::OutOfOrderSequence { expected: 3, .. }
        ))
    ));
    let retry = log
        .append_as_leader(&mut idempotent_batch(42, 0, 0, 3), 0, AppendOrigin::Client)
        .unwrap();
    assert_eq!(retry.first_offset, 2);
    assert_eq!(
        log.append_as_leader(&mut idempotent_batch(42, 0, 3, 1), 0, AppendOrigin::Client)
            .unwrap()
            .first_offset,
        5
    );
    let fenced = log
        .append_as_leader(&mut idempotent_batch(42, 1, 0, 1), 0, AppendOrigin::Client)
        .unwrap();
    assert_eq!(fenced.first_offset, 6);
    assert!(matches!(
        log.append_as_leader(&mut idempotent_batch(42, 0, 4, 1), 0, AppendOrigin::Client),
        Err(StorageError::Producer(
            crate::producer_state::ProducerStateError::InvalidProducerEpoch { .. }
        ))
    ));
}

#[test]
fn test_log_producer_state_from_snapshots_after_clean_and_unclean_stops() {
    let dir = tempfile::tempdir().unwrap();
    let size = idempotent_batch(1, 0, 0, 3).len() as u64;
    // Two batches per segment, so rolls write snapshots along the way.
    let cfg = || config(size * 2);
    let log = open(dir.path(), cfg(), LoadParams::new_log());
    for seq in 0..5 {
        log.append_as_leader(
            &mut idempotent_batch(9, 0, seq * 3, 3),
            0,
            AppendOrigin::Client,
        )
        .unwrap();
    }
    let snapshots: Vec<i64> = crate::producer_snapshot::list(dir.path())
        .unwrap()
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    assert_eq!(
        snapshots,
        vec![6, 12],
        "one snapshot per roll, the newest two kept"
    );
    log.flush_to(log.log_end_offset()).unwrap();
    drop(log);

    // Unclean from recovery point 0: every segment is recovered, so the state is replayed
    // from the log itself (their transaction indexes are rebuilt on the way).
    let unclean = LoadParams {
        had_clean_shutdown: false,
        recovery_point: 0,
        log_start_offset: 0,
    };
    let log = open(dir.path(), cfg(), unclean);
    let retry = log
        .append_as_leader(&mut idempotent_batch(9, 0, 12, 3), 0, AppendOrigin::Client)
        .unwrap();
    assert_eq!(
        retry.first_offset, 12,
        "the last batch is recognised as a retry"
    );
    assert!(log
        .append_as_leader(&mut idempotent_batch(9, 0, 16, 1), 0, AppendOrigin::Client)
        .is_err());
    log.close().unwrap();
    assert!(
        crate::producer_snapshot::snapshot_path(dir.path(), 15).exists(),
        "clean close snapshots at the log end"
    );

    // A damaged snapshot is ignored and the state rebuilt from the log.
    std::fs::write(
        crate::producer_snapshot::snapshot_path(dir.path(), 15),
        b"garbage",
    )
    .unwrap();
    let log = open(dir.path(), cfg(), LoadParams::new_log());
    assert_eq!(
        log.append_as_leader(&mut idempotent_batch(9, 0, 15, 1), 0, AppendOrigin::Client)
            .unwrap()
            .first_offset,
        15
    );
}
