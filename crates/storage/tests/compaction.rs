//! Log compaction (`cleanup.policy=compact`), in the spirit of Kafka's `LogCleanerTest`:
//! what survives a pass, at which offsets, in which batches, and what a restart or a
//! crash in the middle of a swap leaves behind.

use fjord_protocol::records::KeyValue;
mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;
use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::{CompressionType, RecordBatch};
use fjord_storage::cleaner::{clean_log, CleanResult};
use fjord_storage::{AppendOrigin, CleanupPolicy, LoadParams, Log, LogConfig};

const KEYS: usize = 10;

/// Compacted, tombstones kept for a day, no compaction lag; segments of ~`segment_bytes`.
fn compact_config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        cleanup_policy: CleanupPolicy::COMPACT,
        delete_retention_ms: DAY_MS,
        ..config(segment_bytes)
    }
}

/// Records appended so far, and the offset range of every batch.
#[derive(Default)]
struct Written {
    records: Vec<Rec>,
    batches: Vec<(i64, i64)>,
}

impl Written {
    /// Appends one batch of `(key, value)` records stamped `timestamp`.
    fn append(
        &mut self,
        log: &Log,
        codec: CompressionType,
        timestamp: i64,
        records: &[(Option<String>, Option<String>)],
        epoch: i32,
    ) {
        let borrowed: Vec<KeyValue<'_>> = records
            .iter()
            .map(|(k, v)| {
                (
                    k.as_deref().map(str::as_bytes),
                    v.as_deref().map(str::as_bytes),
                )
            })
            .collect();
        let info = append(log, kv_batch(codec, timestamp, &borrowed), epoch);
        for (offset, (key, value)) in (info.first_offset..).zip(records) {
            self.records.push(Rec {
                offset,
                timestamp,
                key: key.as_ref().map(|k| k.as_bytes().to_vec()),
                value: value.as_ref().map(|v| v.as_bytes().to_vec()),
            });
        }
        self.batches.push((info.first_offset, info.last_offset));
    }

    /// `rounds` rounds of writing every key `k0..k9` once, `per_batch` records a batch.
    fn write_rounds(
        &mut self,
        log: &Log,
        codec: CompressionType,
        rounds: usize,
        per_batch: usize,
        timestamp: i64,
    ) {
        let mut pending = Vec::new();
        for round in 0..rounds {
            for key in 0..KEYS {
                pending.push((Some(format!("k{key}")), Some(format!("v{round}-k{key}"))));
                if pending.len() == per_batch {
                    self.append(log, codec, timestamp, &pending, 0);
                    pending.clear();
                }
            }
        }
        if !pending.is_empty() {
            self.append(log, codec, timestamp, &pending, 0);
        }
    }

    /// What a pass should leave: below `uncleanable`, the latest record of each key
    /// (records without a key and tombstones older than `horizon` go); from
    /// `uncleanable` on, everything.
    fn expected_after_clean(&self, uncleanable: i64, horizon: i64) -> Vec<Rec> {
        let mut latest: HashMap<&[u8], i64> = HashMap::new();
        for rec in self.records.iter().filter(|r| r.offset < uncleanable) {
            if let Some(key) = &rec.key {
                latest.insert(key, rec.offset);
            }
        }
        self.records
            .iter()
            .filter(|r| {
                if r.offset >= uncleanable {
                    return true;
                }
                let Some(key) = &r.key else { return false };
                latest[key.as_slice()] == r.offset && !(r.value.is_none() && r.timestamp < horizon)
            })
            .cloned()
            .collect()
    }
}

/// Fills the active segment with a keyless record until it rolls, so that every keyed
/// record so far sits in a sealed (cleanable) segment. Returns the new active base.
fn seal(log: &Log, written: &mut Written, timestamp: i64) -> i64 {
    let before = log.active_segment().base_offset();
    while log.active_segment().base_offset() == before {
        written.append(
            log,
            CompressionType::None,
            timestamp,
            &[(None, Some("x".repeat(50)))],
            0,
        );
    }
    log.active_segment().base_offset()
}

fn clean(log: &Log, first_dirty: i64) -> CleanResult {
    clean_log(log, first_dirty, NOW)
        .expect("clean")
        .expect("something to clean")
}

/// The (base, last) offsets of every batch in the log.
fn batch_ranges(log: &Log) -> Vec<(i64, i64)> {
    read_batches(log)
        .iter()
        .map(|b| {
            let batch = RecordBatch::parse_exact(b).unwrap();
            (batch.base_offset(), batch.last_offset())
        })
        .collect()
}

fn single_record_batch_size() -> u64 {
    kv_batch(
        CompressionType::None,
        NOW,
        &[(Some(b"k0"), Some(b"v10-k0"))],
    )
    .len() as u64
}

#[test]
fn test_cleaner_keeps_latest_value_of_every_key_at_its_original_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(8 * single_record_batch_size()));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 12, 1, NOW - 1000);
    let uncleanable = seal(&log, &mut written, NOW - 1000);
    assert!(log.segment_count() > 10, "{} segments", log.segment_count());
    let size_before = log.size();

    let result = clean(&log, 0);
    assert_eq!(result.first_dirty_offset, uncleanable);
    assert_eq!(result.stats.records_read, uncleanable as u64);
    let after = read_records(&log);
    assert_eq!(
        after,
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    // Every key's last value, and nothing superseded.
    for key in 0..KEYS {
        let values: Vec<_> = after
            .iter()
            .filter(|r| r.key.as_deref() == Some(format!("k{key}").as_bytes()))
            .map(|r| r.value.clone().unwrap())
            .collect();
        assert_eq!(values, [format!("v11-k{key}").into_bytes()]);
    }
    assert!(log.size() < size_before);
    assert_eq!(log.log_end_offset(), written.records.len() as i64);
    assert_eq!(log.active_segment().base_offset(), uncleanable);
    // Appends go on after the log end, unaffected.
    assert_eq!(
        append_kv(&log, NOW, "k0", Some("after")),
        log.log_end_offset() - 1
    );
}

#[test]
fn test_cleaner_leaves_no_cleaned_or_swap_files_and_deletes_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(8 * single_record_batch_size()));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 5, 1, NOW);
    seal(&log, &mut written, NOW);
    clean(&log, 0);
    log.delete_due_files(fjord_storage::segment::now_ms(), false)
        .unwrap();
    let names = file_names(dir.path());
    assert!(
        names
            .iter()
            .all(|n| !n.ends_with(".cleaned") && !n.ends_with(".swap") && !n.ends_with(".deleted")),
        "{names:?}"
    );
    let logs = names.iter().filter(|n| n.ends_with(".log")).count();
    assert_eq!(logs, log.segment_count(), "{names:?}");
}

#[test]
fn test_cleaner_multi_record_batches_keep_offsets_and_headers() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(1200));
    let mut written = Written::default();
    // Batches of 3 records over 10 keys: most batches lose some records, not all.
    written.write_rounds(&log, CompressionType::None, 6, 3, NOW);
    let uncleanable = seal(&log, &mut written, NOW);
    let before: HashMap<i64, Vec<u8>> = read_batches(&log)
        .into_iter()
        .map(|b| (RecordBatch::parse_exact(&b).unwrap().base_offset(), b))
        .collect();

    clean(&log, 0);
    assert_eq!(
        read_records(&log),
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    for bytes in read_batches(&log) {
        let batch = RecordBatch::parse_exact(&bytes).unwrap();
        let old = RecordBatch::parse_exact(&before[&batch.base_offset()]).unwrap();
        assert_eq!(
            batch.last_offset(),
            old.last_offset(),
            "batch {}",
            batch.base_offset()
        );
        assert_eq!(batch.base_timestamp(), old.base_timestamp());
        assert_eq!(batch.partition_leader_epoch(), old.partition_leader_epoch());
        assert_eq!(batch.producer_id(), old.producer_id());
        assert_eq!(batch.attributes(), old.attributes());
        assert!(batch.records_count() <= old.records_count());
    }
}

fn check_compressed_batches_are_compacted_with_their_codec(codec: CompressionType) {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(400));
    let mut written = Written::default();
    written.write_rounds(&log, codec, 8, 4, NOW);
    let uncleanable = seal(&log, &mut written, NOW);
    assert!(log.segment_count() > 3, "{} segments", log.segment_count());
    let ranges_before = batch_ranges(&log);

    let result = clean(&log, 0);
    assert!(result.stats.records_retained < result.stats.records_read);
    assert_eq!(
        read_records(&log),
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    let mut rebuilt = 0;
    for bytes in read_batches(&log) {
        let batch = RecordBatch::parse_exact(&bytes).unwrap();
        if batch.base_offset() >= uncleanable {
            continue;
        }
        assert_eq!(
            batch.compression(),
            Some(codec),
            "batch {}",
            batch.base_offset()
        );
        assert!(
            ranges_before.contains(&(batch.base_offset(), batch.last_offset())),
            "batch {}..={} is not an original batch range",
            batch.base_offset(),
            batch.last_offset()
        );
        if batch.records_count() < 4 {
            rebuilt += 1;
        }
    }
    assert!(rebuilt > 0, "no partially retained batch was exercised");
}

#[test]
fn test_cleaner_gzip_batches_are_rebuilt_with_gzip() {
    check_compressed_batches_are_compacted_with_their_codec(CompressionType::Gzip);
}

#[test]
fn test_cleaner_zstd_batches_are_rebuilt_with_zstd() {
    check_compressed_batches_are_compacted_with_their_codec(CompressionType::Zstd);
}

#[test]
fn test_cleaner_snappy_and_lz4_batches_are_rebuilt_with_their_codec() {
    check_compressed_batches_are_compacted_with_their_codec(CompressionType::Snappy);
    check_compressed_batches_are_compacted_with_their_codec(CompressionType::Lz4);
}

#[test]
fn test_cleaner_removes_tombstones_older_than_delete_retention_and_keeps_younger() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(8 * single_record_batch_size()));
    let mut written = Written::default();
    let old = NOW - 2 * DAY_MS;
    written.write_rounds(&log, CompressionType::None, 3, 1, old);
    // k0, k1: tombstones older than delete.retention.ms; k2, k3: young tombstones.
    for (key, ts) in [
        ("k0", old),
        ("k1", old),
        ("k2", NOW - 1000),
        ("k3", NOW - 1000),
    ] {
        written.append(
            &log,
            CompressionType::None,
            ts,
            &[(Some(key.into()), None)],
            0,
        );
    }
    let uncleanable = seal(&log, &mut written, NOW);

    clean(&log, 0);
    let after = read_records(&log);
    assert_eq!(
        after,
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    let value_of = |key: &str| {
        after
            .iter()
            .filter(|r| r.key.as_deref() == Some(key.as_bytes()))
            .map(|r| r.value.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(value_of("k0"), Vec::<Option<Vec<u8>>>::new());
    assert_eq!(value_of("k1"), Vec::<Option<Vec<u8>>>::new());
    assert_eq!(value_of("k2"), [None]);
    assert_eq!(value_of("k3"), [None]);
    assert_eq!(value_of("k4"), [Some(b"v2-k4".to_vec())]);

    // A day later the young tombstones are old enough to go too.
    let later = clean_log(&log, 0, NOW + 2 * DAY_MS).unwrap().unwrap();
    assert!(later.stats.records_retained < later.stats.records_read);
    let after = read_records(&log);
    assert!(after
        .iter()
        .filter(|r| r.offset < uncleanable)
        .all(|r| r.value.is_some()));
    assert_eq!(after.iter().filter(|r| r.key.is_some()).count(), KEYS - 4);
}

#[test]
fn test_cleaner_drops_records_without_keys() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(1000));
    let mut written = Written::default();
    for i in 0..20 {
        written.append(
            &log,
            CompressionType::None,
            NOW,
            &[
                (None, Some(format!("keyless-{i}"))),
                (Some(format!("k{}", i % 3)), Some(format!("v{i}"))),
            ],
            0,
        );
    }
    let uncleanable = seal(&log, &mut written, NOW);
    clean(&log, 0);
    let after = read_records(&log);
    assert_eq!(
        after,
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    assert!(after
        .iter()
        .filter(|r| r.offset < uncleanable)
        .all(|r| r.key.is_some()));
    assert_eq!(after.iter().filter(|r| r.offset < uncleanable).count(), 3);
}

#[test]
fn test_cleaner_second_pass_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(1000));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::Gzip, 10, 3, NOW);
    seal(&log, &mut written, NOW);
    let first = clean(&log, 0);
    let batches = read_batches(&log);

    // Nothing is dirty past where the first pass stopped.
    assert!(clean_log(&log, first.first_dirty_offset, NOW)
        .unwrap()
        .is_none());
    // A full pass again (the cleaned segments now merge into fewer) changes no byte.
    let second = clean(&log, 0);
    assert_eq!(second.stats.records_read, second.stats.records_retained);
    assert_eq!(read_batches(&log), batches);
}

#[test]
fn test_cleaner_incremental_pass_supersedes_values_in_the_clean_section() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(8 * single_record_batch_size()));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 4, 1, NOW);
    seal(&log, &mut written, NOW);
    let first = clean(&log, 0);

    // New values for the even keys only, then a second pass from where the first stopped.
    for round in 0..3 {
        for key in (0..KEYS).step_by(2) {
            written.append(
                &log,
                CompressionType::None,
                NOW,
                &[(Some(format!("k{key}")), Some(format!("late{round}-k{key}")))],
                0,
            );
        }
    }
    let uncleanable = seal(&log, &mut written, NOW);
    let second = clean(&log, first.first_dirty_offset);
    assert_eq!(second.first_dirty_offset, uncleanable);
    let after = read_records(&log);
    assert_eq!(
        after,
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    for key in 0..KEYS {
        let expected = if key % 2 == 0 {
            format!("late2-k{key}")
        } else {
            format!("v3-k{key}")
        };
        let values: Vec<_> = after
            .iter()
            .filter(|r| r.key.as_deref() == Some(format!("k{key}").as_bytes()))
            .map(|r| r.value.clone().unwrap())
            .collect();
        assert_eq!(values, [expected.into_bytes()], "k{key}");
    }
}

#[test]
fn test_cleaner_respects_min_compaction_lag() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            min_compaction_lag_ms: DAY_MS,
            ..compact_config(8 * single_record_batch_size())
        },
    );
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 3, 1, NOW - 2 * DAY_MS);
    let old_end = log.log_end_offset();
    written.write_rounds(&log, CompressionType::None, 3, 1, NOW - 1000);
    seal(&log, &mut written, NOW - 1000);
    let lag_start = log
        .segments()
        .iter()
        .find(|s| {
            s.max_timestamp_and_offset()
                .is_some_and(|m| m.timestamp > NOW - DAY_MS)
        })
        .unwrap()
        .base_offset();
    assert!(lag_start <= old_end);

    let result = clean(&log, 0);
    assert_eq!(result.first_dirty_offset, lag_start);
    assert_eq!(
        read_records(&log),
        written.expected_after_clean(lag_start, NOW - DAY_MS)
    );
}

#[test]
fn test_cleaner_keeps_control_batches() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(1000));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 2, 1, NOW);
    let marker = RecordBatchBuilder::new(CompressionType::None, 0, NOW)
        .with_producer(42, 0, -1)
        .with_transactional(true)
        .with_control(true);
    let mut marker = {
        let mut b = marker;
        b.append(0, NOW, Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 0, 0, 0]), &[]);
        b.build().unwrap()
    };
    let marker_offset = log
        .append_as_leader(&mut marker, 0, AppendOrigin::Coordinator)
        .unwrap()
        .first_offset;
    written.write_rounds(&log, CompressionType::None, 2, 1, NOW);
    seal(&log, &mut written, NOW);
    clean(&log, 0);
    let kept = read_batches(&log)
        .into_iter()
        .find(|b| RecordBatch::parse_exact(b).unwrap().base_offset() == marker_offset)
        .expect("control batch kept");
    assert_eq!(kept, marker);
}

#[test]
fn test_cleaner_read_at_a_compacted_offset_returns_the_next_surviving_batch() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(8 * single_record_batch_size()));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 5, 1, NOW);
    let uncleanable = seal(&log, &mut written, NOW);
    clean(&log, 0);
    let survivors: Vec<i64> = read_records(&log).iter().map(|r| r.offset).collect();
    for offset in 0..uncleanable {
        let next = *survivors.iter().find(|&&o| o >= offset).unwrap();
        let read = log.read(offset, 1 << 20, None, true).unwrap();
        let bytes = read
            .records
            .expect("data below the log end")
            .read_to_vec()
            .unwrap();
        let first = RecordBatch::parse_prefix(&bytes).unwrap();
        assert_eq!(first.base_offset(), next, "read at {offset}");
    }
}

#[test]
fn test_cleaner_segment_emptied_entirely_is_skipped_by_reads_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = compact_config(4 * single_record_batch_size());
    let log = open(dir.path(), cfg.clone());
    let mut written = Written::default();
    // The first segments hold only k0..k3 which are all rewritten later.
    for round in 0..4 {
        for key in 0..4 {
            written.append(
                &log,
                CompressionType::None,
                NOW,
                &[(Some(format!("k{key}")), Some(format!("r{round}")))],
                0,
            );
        }
    }
    let uncleanable = seal(&log, &mut written, NOW);
    clean(&log, 0);
    let after = read_records(&log);
    assert_eq!(
        after,
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    assert_eq!(read_records(&log).first().map(|r| r.offset), Some(12));
    log.close().unwrap();
    let reopened = open(dir.path(), cfg);
    assert_eq!(read_records(&reopened), after);
    assert_eq!(reopened.log_end_offset(), log.log_end_offset());
}

#[test]
fn test_cleaner_timestamp_lookups_after_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(8 * single_record_batch_size()));
    let mut written = Written::default();
    for i in 0..60i64 {
        let key = format!("k{}", i % KEYS as i64);
        written.append(
            &log,
            CompressionType::None,
            NOW + i,
            &[(Some(key), Some(format!("v{i}")))],
            0,
        );
    }
    let uncleanable = seal(&log, &mut written, NOW + 100);
    clean(&log, 0);
    let after = read_records(&log);
    assert_eq!(
        after,
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
    // Only offsets 50..=59 (timestamps NOW+50..) survive below the filler.
    for target in [NOW, NOW + 10, NOW + 49, NOW + 50, NOW + 55] {
        let expected = after.iter().find(|r| r.timestamp >= target).unwrap();
        let (found, _) = log.fetch_offset_by_timestamp(target).unwrap().unwrap();
        assert_eq!(found.offset, expected.offset, "timestamp {target}");
    }
}

#[test]
fn test_cleaner_compact_delete_policy_also_applies_time_retention() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            cleanup_policy: CleanupPolicy::COMPACT_DELETE,
            retention_ms: 7 * DAY_MS,
            ..compact_config(8 * single_record_batch_size())
        },
    );
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 2, 1, NOW - 10 * DAY_MS);
    let recent_from = log.log_end_offset();
    written.write_rounds(&log, CompressionType::None, 3, 1, NOW);
    seal(&log, &mut written, NOW);
    let deleted = log.delete_old_segments(NOW).unwrap();
    assert!(deleted > 0);
    assert!(log.log_start_offset() <= recent_from);
    let start = log.log_start_offset();
    written.records.retain(|r| r.offset >= start);
    let result = clean(&log, 0);
    let uncleanable = result.first_dirty_offset;
    assert_eq!(
        read_records(&log),
        written.expected_after_clean(uncleanable, NOW - DAY_MS)
    );
}

#[test]
fn test_cleaner_result_survives_clean_and_unclean_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = compact_config(1000);
    let log = open(dir.path(), cfg.clone());
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::Zstd, 10, 3, NOW);
    seal(&log, &mut written, NOW);
    clean(&log, 0);
    let batches = read_batches(&log);
    let bases = segment_bases(&log);
    let end = log.log_end_offset();

    // Unclean: a copy of the live directory, recovered from offset 0.
    log.flush_to(end).unwrap();
    let copy = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), copy.path());
    log.close().unwrap();

    let reopened = open(dir.path(), cfg.clone());
    assert_eq!(read_batches(&reopened), batches);
    assert_eq!(segment_bases(&reopened), bases);
    assert_eq!(reopened.log_end_offset(), end);

    let recovered = open_with(
        copy.path(),
        cfg,
        LoadParams {
            had_clean_shutdown: false,
            recovery_point: 0,
            log_start_offset: 0,
        },
    );
    assert_eq!(read_batches(&recovered), batches);
    assert_eq!(recovered.log_end_offset(), end);
}

/// Builds a compacted log in `dir` and returns (config, the pre-clean copy of the
/// directory, the batches after cleaning). The clean writes `clean_passes` full passes.
fn cleaned_log_and_precleaned_copy(
    dir: &Path,
    copy: &Path,
    second_pass_merges: bool,
) -> (LogConfig, Vec<Vec<u8>>) {
    let cfg = compact_config(8 * single_record_batch_size());
    let log = open(dir, cfg.clone());
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 8, 1, NOW);
    seal(&log, &mut written, NOW);
    if second_pass_merges {
        clean(&log, 0);
    }
    log.close().unwrap();
    copy_dir(dir, copy);

    let log = open(dir, cfg.clone());
    clean(&log, 0);
    log.close().unwrap();
    log.delete_due_files(0, true).unwrap();
    (cfg, read_batches(&log))
}

/// Copies the cleaned segments (those below the active one) of `cleaned` into `target`
/// as `.swap` files, as the cleaner leaves them between writing and swapping.
fn plant_swap_files(cleaned: &Path, target: &Path, active_base: i64) {
    for name in file_names(cleaned) {
        let Some(base) = name.get(..20).and_then(|b| b.parse::<i64>().ok()) else {
            continue;
        };
        let is_segment_file = [".log", ".index", ".timeindex"]
            .iter()
            .any(|ext| name.ends_with(ext));
        if base < active_base && is_segment_file {
            std::fs::copy(cleaned.join(&name), target.join(format!("{name}.swap"))).unwrap();
        }
    }
}

#[test]
fn test_loader_completes_swap_interrupted_before_old_segments_were_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    let (cfg, cleaned_batches) = cleaned_log_and_precleaned_copy(dir.path(), copy.path(), false);
    let active_base = *segment_bases(&open(dir.path(), cfg.clone()))
        .last()
        .unwrap();
    plant_swap_files(dir.path(), copy.path(), active_base);

    let recovered = open(copy.path(), cfg.clone());
    assert_eq!(read_batches(&recovered), cleaned_batches);
    let names = file_names(copy.path());
    assert!(names.iter().all(|n| !n.ends_with(".swap")), "{names:?}");
    assert_eq!(
        file_names(copy.path())
            .iter()
            .filter(|n| n.ends_with(".log"))
            .count(),
        recovered.segment_count()
    );
}

#[test]
fn test_loader_completes_swap_of_merged_segments() {
    let dir = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    // The copy holds the small segments of a first pass; the second pass merges them.
    let (cfg, cleaned_batches) = cleaned_log_and_precleaned_copy(dir.path(), copy.path(), true);
    let cleaned = open(dir.path(), cfg.clone());
    let active_base = *segment_bases(&cleaned).last().unwrap();
    let precleaned = open(copy.path(), cfg.clone());
    assert!(
        precleaned.segment_count() > cleaned.segment_count(),
        "the second pass must merge segments"
    );
    precleaned.close().unwrap();
    plant_swap_files(dir.path(), copy.path(), active_base);

    let recovered = open(copy.path(), cfg.clone());
    assert_eq!(read_batches(&recovered), cleaned_batches);
    assert_eq!(segment_bases(&recovered), segment_bases(&cleaned));
}

#[test]
fn test_loader_completes_swap_interrupted_after_old_segments_were_renamed_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    let (cfg, cleaned_batches) = cleaned_log_and_precleaned_copy(dir.path(), copy.path(), false);
    let active_base = *segment_bases(&open(dir.path(), cfg.clone()))
        .last()
        .unwrap();
    plant_swap_files(dir.path(), copy.path(), active_base);
    for name in file_names(copy.path()) {
        let base: i64 = match name.get(..20).and_then(|b| b.parse().ok()) {
            Some(base) => base,
            None => continue,
        };
        if base < active_base && !name.ends_with(".swap") {
            std::fs::rename(
                copy.path().join(&name),
                copy.path().join(format!("{name}.deleted")),
            )
            .unwrap();
        }
    }

    let recovered = open(copy.path(), cfg);
    assert_eq!(read_batches(&recovered), cleaned_batches);
    let names = file_names(copy.path());
    assert!(
        names
            .iter()
            .all(|n| !n.ends_with(".swap") && !n.ends_with(".deleted")),
        "{names:?}"
    );
}

#[test]
fn test_loader_discards_cleaned_files_of_an_unfinished_pass() {
    let dir = tempfile::tempdir().unwrap();
    let copy = tempfile::tempdir().unwrap();
    let (cfg, _) = cleaned_log_and_precleaned_copy(dir.path(), copy.path(), false);
    let before = read_batches(&open(copy.path(), cfg.clone()));
    let active_base = *segment_bases(&open(dir.path(), cfg.clone()))
        .last()
        .unwrap();
    for name in file_names(dir.path()) {
        let Some(base) = name.get(..20).and_then(|b| b.parse::<i64>().ok()) else {
            continue;
        };
        if base < active_base && name.ends_with(".log") {
            std::fs::copy(
                dir.path().join(&name),
                copy.path().join(format!("{name}.cleaned")),
            )
            .unwrap();
        }
    }
    let recovered = open(copy.path(), cfg);
    assert_eq!(read_batches(&recovered), before);
    assert!(file_names(copy.path())
        .iter()
        .all(|n| !n.ends_with(".cleaned")));
}

/// Kafka swaps cleaned segments in so that a concurrent fetch always finds either the
/// old or the new segment for an offset (`LocalLog.replaceSegments` adds the new
/// segment before removing the old ones). A reader must never see the offsets of a
/// group vanish and be handed the next segment's batches instead, which would make a
/// consumer silently skip the survivors of that group.
#[test]
fn test_cleaner_swap_never_hides_survivors_from_concurrent_readers() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(8 * single_record_batch_size()));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::None, 12, 1, NOW);
    let uncleanable = seal(&log, &mut written, NOW);
    clean(&log, 0);
    clean(&log, 0);
    let survivors: Vec<i64> = read_records(&log).iter().map(|r| r.offset).collect();
    // Segment 0 now holds the first survivors; every pass swaps it for a copy.
    assert_eq!(segment_bases(&log)[0], 0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let found = std::sync::atomic::AtomicBool::new(false);
    let skipped = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut skipped = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for offset in 0..uncleanable {
                    let expected = *survivors.iter().find(|&&o| o >= offset).unwrap();
                    let read = log.read(offset, 1 << 20, None, true).unwrap();
                    let bytes = read
                        .records
                        .expect("data below the log end")
                        .read_to_vec()
                        .unwrap();
                    let first = RecordBatch::parse_prefix(&bytes).unwrap().base_offset();
                    if first > expected {
                        skipped.push((offset, expected, first));
                        found.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
            skipped
        });
        let started = std::time::Instant::now();
        // Swap until a reader is caught out, for at most a second.
        while started.elapsed() < std::time::Duration::from_millis(1000)
            && !found.load(std::sync::atomic::Ordering::Relaxed)
        {
            clean(&log, 0);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap()
    });
    assert!(
        skipped.is_empty(),
        "{} reads skipped survivors during a swap, e.g. (read at, first survivor, got): {:?}",
        skipped.len(),
        &skipped[..skipped.len().min(5)]
    );
}

/// A follower copies a compacted log batch by batch (offsets with gaps, batches whose
/// `lastOffsetDelta` exceeds their record count); it must store and serve them as is.
#[test]
fn test_cleaner_output_replicates_to_a_follower_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), compact_config(600));
    let mut written = Written::default();
    written.write_rounds(&log, CompressionType::Lz4, 10, 3, NOW);
    seal(&log, &mut written, NOW);
    clean(&log, 0);
    let batches = read_batches(&log);

    let follower_dir = tempfile::tempdir().unwrap();
    let follower = open(follower_dir.path(), compact_config(600));
    for batch in &batches {
        follower.append_as_follower(batch).unwrap();
    }
    assert_eq!(follower.log_end_offset(), log.log_end_offset());
    assert_eq!(read_batches(&follower), batches);
    assert_eq!(read_records(&follower), read_records(&log));
    // A batch below the follower's log end is refused.
    assert!(follower.append_as_follower(&batches[0]).is_err());
    follower.close().unwrap();
    let reopened = open(follower_dir.path(), compact_config(600));
    assert_eq!(read_batches(&reopened), batches);
}

/// A batch at `base_offset` holding one record, as a follower receives it.
fn batch_at_offset(base_offset: i64, key: &str, value: &str) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(CompressionType::None, base_offset, NOW);
    builder.append(0, NOW, Some(key.as_bytes()), Some(value.as_bytes()), &[]);
    builder.build().unwrap()
}

/// Offsets inside a segment are stored relative to its base as 32-bit integers. Kafka's
/// cleaner only merges segments whose offsets fit (`LogCleaner.groupSegmentsBySize`
/// checks `lastOffset - baseOffset <= Int.MaxValue`, KAFKA-6264); a merged segment
/// that overflows loses index entries, and recovery then cuts the log at the first
/// batch it cannot index.
#[test]
fn test_cleaner_never_merges_segments_whose_offsets_overflow_relative_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = compact_config(1 << 20);
    let log = open(dir.path(), cfg.clone());
    let far = 3_000_000_000i64;
    for (base, key) in [(0, "a"), (far, "b"), (2 * far, "c")] {
        log.append_as_follower(&batch_at_offset(base, key, "v"))
            .unwrap();
    }
    assert_eq!(segment_bases(&log), [0, far, 2 * far]);
    let before = read_records(&log);

    clean(&log, 0);
    assert_eq!(read_records(&log), before);
    for pair in log.segments().windows(2) {
        let (segment, next) = (&pair[0], &pair[1]);
        let last = read_batches_from(&log, segment.base_offset())
            .iter()
            .map(|b| RecordBatch::parse_exact(b).unwrap().last_offset())
            .filter(|&o| o < next.base_offset())
            .max();
        if let Some(last) = last {
            assert!(
                last - segment.base_offset() <= i32::MAX as i64,
                "segment {} holds offset {last}",
                segment.base_offset()
            );
        }
    }

    // After a crash, recovery must find every batch again.
    log.flush_to(log.log_end_offset()).unwrap();
    let copy = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), copy.path());
    let recovered = open_with(
        copy.path(),
        cfg,
        LoadParams {
            had_clean_shutdown: false,
            recovery_point: 0,
            log_start_offset: 0,
        },
    );
    assert_eq!(read_records(&recovered), before);
}

/// A follower fetch of a compacted leader can return, in one record set, batches whose
/// offsets are more than `i32::MAX` apart. They cannot share a segment; Kafka refuses
/// such an append (`LogSegmentOffsetOverflowException`) rather than store it. Whatever
/// the log does, it must not accept data that recovery later throws away.
#[test]
fn test_log_follower_append_spanning_more_than_i32_offsets_is_split_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = compact_config(1 << 20);
    let log = open(dir.path(), cfg.clone());
    let mut both = batch_at_offset(0, "a", "v");
    both.extend(batch_at_offset(3_000_000_000, "b", "v"));
    if log.append_as_follower(&both).is_err() {
        return;
    }
    let before = read_records(&log);
    log.flush_to(log.log_end_offset()).unwrap();
    let copy = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), copy.path());
    let recovered = open_with(
        copy.path(),
        cfg,
        LoadParams {
            had_clean_shutdown: false,
            recovery_point: 0,
            log_start_offset: 0,
        },
    );
    assert_eq!(read_records(&recovered), before);
    assert_eq!(recovered.log_end_offset(), log.log_end_offset());
}
