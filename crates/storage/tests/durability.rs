//! Durability and recovery: what `flush_to` promises, and what an unclean restart
//! recovers from a partition directory copied while the log was live (the files as a
//! crash would leave them: preallocated active indexes, no final time-index entry).

use fjord_protocol::records::KeyValue;
mod common;

use std::path::Path;

use common::*;
use fjord_protocol::CompressionType;
use fjord_storage::checkpoint::LEADER_EPOCH_CHECKPOINT;
use fjord_storage::{LoadParams, Log, LogConfig};

fn unclean(recovery_point: i64) -> LoadParams {
    LoadParams {
        had_clean_shutdown: false,
        recovery_point,
        log_start_offset: 0,
    }
}

/// Appends `batches` gzip batches of four records with timestamps `NOW + i`.
fn fill(log: &Log, batches: i64, epoch: i32) {
    for i in 0..batches {
        let values: Vec<String> = (0..4)
            .map(|r| format!("value-{i}-{r}-{}", "y".repeat(60)))
            .collect();
        let records: Vec<KeyValue<'_>> = values
            .iter()
            .map(|v| (Some(b"key".as_slice()), Some(v.as_bytes())))
            .collect();
        append(
            log,
            kv_batch(CompressionType::Gzip, NOW + i, &records),
            epoch,
        );
    }
}

fn cfg() -> LogConfig {
    config(1024)
}

/// A copy of the live log's directory taken right now.
fn snapshot(log: &Log, to: &Path) {
    copy_dir(&log.dir(), to);
}

#[test]
fn test_log_flush_to_then_unclean_reopen_of_a_copy_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), cfg());
    fill(&log, 30, 2);
    assert!(log.segment_count() > 3, "{} segments", log.segment_count());
    let end = log.log_end_offset();
    log.flush_to(end).unwrap();
    assert_eq!(log.recovery_point(), end);
    let copy = tempfile::tempdir().unwrap();
    snapshot(&log, copy.path());

    let recovered = open_with(copy.path(), cfg(), unclean(log.recovery_point()));
    assert_eq!(recovered.log_end_offset(), end);
    assert_eq!(recovered.recovery_point(), end);
    assert_eq!(read_batches(&recovered), read_batches(&log));
    assert_eq!(segment_bases(&recovered), segment_bases(&log));
    assert_eq!(recovered.latest_epoch(), Some(2));
    // The active segment's preallocated indexes were rebuilt: every offset and
    // timestamp look-up lands where it does in the live log.
    for offset in 0..end {
        let read = recovered.read(offset, 1, None, true).unwrap();
        let first = read.first_batch_offset.unwrap();
        assert!(
            first <= offset && offset < first + 4,
            "read at {offset} gave batch {first}"
        );
    }
    for ts in [NOW, NOW + 7, NOW + 29] {
        assert_eq!(
            recovered
                .fetch_offset_by_timestamp(ts)
                .unwrap()
                .map(|f| f.0),
            log.fetch_offset_by_timestamp(ts).unwrap().map(|f| f.0),
            "timestamp {ts}"
        );
    }
    assert_eq!(
        recovered
            .fetch_offset_of_max_timestamp()
            .unwrap()
            .map(|f| f.0),
        log.fetch_offset_of_max_timestamp().unwrap().map(|f| f.0)
    );
    assert_eq!(
        append(&recovered, filler_batch(1, NOW, 10), 2).first_offset,
        end
    );
}

#[test]
fn test_log_unclean_reopen_from_recovery_point_zero_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), cfg());
    fill(&log, 25, 0);
    log.flush_to(log.log_end_offset()).unwrap();
    let copy = tempfile::tempdir().unwrap();
    snapshot(&log, copy.path());
    let recovered = open_with(copy.path(), cfg(), unclean(0));
    assert_eq!(recovered.log_end_offset(), log.log_end_offset());
    assert_eq!(read_batches(&recovered), read_batches(&log));
}

#[test]
fn test_log_unclean_reopen_cuts_a_torn_tail_and_drops_its_leader_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), cfg());
    fill(&log, 10, 1);
    let good_end = log.log_end_offset();
    let good = read_batches(&log);
    fill(&log, 1, 4);
    log.flush_to(log.log_end_offset()).unwrap();
    assert_eq!(
        checkpoint_lines(&dir.path().join(LEADER_EPOCH_CHECKPOINT)),
        ["1 0", format!("4 {good_end}").as_str()]
    );
    let copy = tempfile::tempdir().unwrap();
    snapshot(&log, copy.path());
    // Tear the last batch (epoch 4) in half.
    let active = segment_path(copy.path(), log.active_segment().base_offset(), ".log");
    let len = std::fs::metadata(&active).unwrap().len();
    let last = read_batches(&log).last().unwrap().len() as u64;
    std::fs::OpenOptions::new()
        .write(true)
        .open(&active)
        .unwrap()
        .set_len(len - last / 2)
        .unwrap();

    let recovered = open_with(copy.path(), cfg(), unclean(good_end));
    assert_eq!(recovered.log_end_offset(), good_end);
    assert_eq!(read_batches(&recovered), good);
    assert_eq!(recovered.latest_epoch(), Some(1));
    assert_eq!(
        checkpoint_lines(&copy.path().join(LEADER_EPOCH_CHECKPOINT)),
        ["1 0"]
    );
    assert_eq!(
        append(&recovered, filler_batch(1, NOW, 10), 5).first_offset,
        good_end
    );
}

#[test]
fn test_log_unclean_reopen_drops_segments_after_a_damaged_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), cfg());
    fill(&log, 30, 0);
    log.flush_to(log.log_end_offset()).unwrap();
    let bases = segment_bases(&log);
    assert!(bases.len() >= 4);
    let copy = tempfile::tempdir().unwrap();
    snapshot(&log, copy.path());
    // Flip a byte in the records of the second batch of segment 1.
    let damaged = bases[1];
    let path = segment_path(copy.path(), damaged, ".log");
    let mut bytes = std::fs::read(&path).unwrap();
    let first_len = read_batches_from(&log, damaged)[0].len();
    let flip = first_len + 70;
    bytes[flip] ^= 0xff;
    std::fs::write(&path, bytes).unwrap();

    let recovered = open_with(copy.path(), cfg(), unclean(damaged));
    assert_eq!(segment_bases(&recovered), &bases[..2]);
    assert_eq!(recovered.log_end_offset(), damaged + 4);
    let kept: Vec<Vec<u8>> = read_batches(&log)
        .into_iter()
        .take_while(|b| {
            fjord_protocol::RecordBatch::parse_exact(b)
                .unwrap()
                .base_offset()
                < damaged + 4
        })
        .collect();
    assert_eq!(read_batches(&recovered), kept);
    for base in &bases[2..] {
        assert!(
            !segment_path(copy.path(), *base, ".log").exists(),
            "segment {base} kept"
        );
    }
}

#[test]
fn test_log_unclean_reopen_after_a_crash_during_roll_keeps_the_empty_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), cfg());
    fill(&log, 12, 0);
    let end = log.log_end_offset();
    log.flush_to(end).unwrap();
    let copy = tempfile::tempdir().unwrap();
    snapshot(&log, copy.path());
    // The roll created the next segment's files, then the broker died.
    for ext in [".log", ".index", ".timeindex"] {
        std::fs::write(segment_path(copy.path(), end, ext), b"").unwrap();
    }
    let recovered = open_with(copy.path(), cfg(), unclean(end));
    assert_eq!(recovered.log_end_offset(), end);
    assert_eq!(read_batches(&recovered), read_batches(&log));
    assert_eq!(
        append(&recovered, filler_batch(1, NOW, 10), 0).first_offset,
        end
    );
    assert_eq!(read_records(&recovered).last().unwrap().offset, end);
}

#[test]
fn test_log_flush_if_due_moves_recovery_point_to_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), cfg());
    fill(&log, 12, 0);
    assert!(log.segment_count() > 1);
    let active = log.active_segment().base_offset();
    assert!(log.recovery_point() < active);
    log.flush_if_due(fjord_storage::segment::now_ms()).unwrap();
    assert!(
        log.recovery_point() >= active,
        "recovery point {}",
        log.recovery_point()
    );
}

#[test]
fn test_log_clean_reopen_after_close_does_not_need_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), cfg());
    fill(&log, 20, 3);
    let batches = read_batches(&log);
    log.close().unwrap();
    // A closed log's indexes are trimmed to their entries: sane without a rebuild.
    for name in file_names(dir.path()) {
        if name.ends_with(".index") {
            assert_eq!(
                std::fs::metadata(dir.path().join(&name)).unwrap().len() % 8,
                0
            );
            assert!(
                std::fs::metadata(dir.path().join(&name)).unwrap().len() < 16 * 1024,
                "{name} not trimmed"
            );
        }
    }
    let reopened = open_with(
        dir.path(),
        cfg(),
        LoadParams {
            had_clean_shutdown: true,
            recovery_point: 0,
            log_start_offset: 0,
        },
    );
    assert_eq!(reopened.recovery_point(), reopened.log_end_offset());
    assert_eq!(read_batches(&reopened), batches);
    assert_eq!(reopened.latest_epoch(), Some(3));
}
