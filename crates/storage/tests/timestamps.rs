//! Timestamps: ListOffsets look-ups (by time, and `MAX_TIMESTAMP`), and
//! `message.timestamp.type=LogAppendTime`, whose batches carry the broker's time in
//! `maxTimestamp` while their records keep the producer's create time.

mod common;

use common::*;
use fjord_protocol::CompressionType;
use fjord_storage::segment::now_ms;
use fjord_storage::{LogConfig, TimestampType};

fn append_time_config() -> LogConfig {
    LogConfig {
        message_timestamp_type: TimestampType::LogAppendTime,
        retention_ms: DAY_MS,
        ..config(2048)
    }
}

/// A batch of three records created ten days ago.
fn old_batch() -> Vec<u8> {
    filler_batch(3, now_ms() - 10 * DAY_MS, 100)
}

#[test]
fn test_log_append_time_is_stamped_on_batches() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), append_time_config());
    let before = now_ms();
    let info = append(&log, old_batch(), 0);
    assert!(info.log_append_time >= before);
    assert_eq!(info.max_timestamp, info.log_append_time);
    let stored = read_batches(&log);
    let batch = fjord_protocol::RecordBatch::parse_exact(&stored[0]).unwrap();
    assert!(batch.is_log_append_time());
    assert_eq!(batch.max_timestamp(), info.log_append_time);
}

#[test]
fn test_log_append_time_retention_uses_append_time_not_create_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), append_time_config());
    for _ in 0..20 {
        append(&log, old_batch(), 0);
    }
    let segments = log.segment_count();
    assert!(segments > 2);
    assert_eq!(log.delete_old_segments(now_ms()).unwrap(), 0);
    assert_eq!(
        log.delete_old_segments(now_ms() + 2 * DAY_MS).unwrap(),
        segments - 1
    );
}

/// Kafka reports every record of a LogAppendTime batch with the batch's append time,
/// so a ListOffsets for that time finds the batch's first record.
#[test]
fn test_log_append_time_fetch_offset_by_timestamp_matches_append_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), append_time_config());
    let first = append(&log, old_batch(), 0);
    for _ in 0..5 {
        append(&log, old_batch(), 0);
    }
    let found = log
        .fetch_offset_by_timestamp(first.log_append_time)
        .unwrap();
    let (found, _) = found.expect("the first batch was appended at that time");
    assert_eq!(found.offset, 0);
    assert_eq!(found.timestamp, first.log_append_time);
}

#[test]
fn test_log_append_time_fetch_offset_of_max_timestamp_matches_append_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), append_time_config());
    let mut last = None;
    for _ in 0..4 {
        last = Some(append(&log, old_batch(), 0));
    }
    let last = last.unwrap();
    let (found, _) = log
        .fetch_offset_of_max_timestamp()
        .unwrap()
        .expect("a max timestamp exists");
    assert_eq!(found.timestamp, last.max_timestamp);
}

#[test]
fn test_log_fetch_offset_by_timestamp_finds_first_record_at_or_after_target() {
    let dir = tempfile::tempdir().unwrap();
    // Two batches a segment; timestamps go back and forth, as producers' clocks do.
    let size = kv_batch(CompressionType::None, 0, &[(Some(b"k"), Some(b"v"))]).len() as u64;
    let log = open(dir.path(), config(2 * size));
    for ts in [100, 300, 200, 400, 150, 500] {
        append(
            &log,
            kv_batch(CompressionType::None, ts, &[(Some(b"k"), Some(b"v"))]),
            0,
        );
    }
    assert_eq!(segment_bases(&log), [0, 2, 4]);
    for (target, offset) in [
        (0, Some(0)),
        (100, Some(0)),
        (101, Some(1)),
        (250, Some(1)),
        (301, Some(3)),
        (450, Some(5)),
        (501, None),
    ] {
        let found = log
            .fetch_offset_by_timestamp(target)
            .unwrap()
            .map(|(f, _)| f.offset);
        assert_eq!(found, offset, "target {target}");
    }
    let (max, _) = log.fetch_offset_of_max_timestamp().unwrap().unwrap();
    assert_eq!((max.timestamp, max.offset), (500, 5));
}

/// Kafka's `FileRecords.searchForTimestamp` keeps scanning batches until one holds a
/// record with a timestamp at or after the target *and* an offset at or after the log
/// start; stopping at the first batch whose `maxTimestamp` qualifies misses the answer
/// when the log start offset lies past that batch.
#[test]
fn test_log_fetch_offset_by_timestamp_never_answers_below_log_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20));
    for _ in 0..4 {
        append(&log, filler_batch(5, NOW, 10), 0);
    }
    log.delete_records_before(12).unwrap();
    let (found, _) = log.fetch_offset_by_timestamp(0).unwrap().unwrap();
    assert_eq!(found.offset, 12);
    let (found, _) = log.fetch_offset_by_timestamp(NOW).unwrap().unwrap();
    assert_eq!(found.offset, 12);
}

#[test]
fn test_log_timestamp_lookups_after_truncation_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let size = kv_batch(CompressionType::None, 0, &[(Some(b"k"), Some(b"v"))]).len() as u64;
    let cfg = LogConfig {
        index_interval_bytes: 1,
        ..config(4 * size)
    };
    let log = open(dir.path(), cfg.clone());
    for ts in 1..=10 {
        append(
            &log,
            kv_batch(CompressionType::None, ts * 100, &[(Some(b"k"), Some(b"v"))]),
            0,
        );
    }
    log.truncate_to(6).unwrap();
    let (max, _) = log.fetch_offset_of_max_timestamp().unwrap().unwrap();
    assert_eq!((max.timestamp, max.offset), (600, 5));
    assert!(log.fetch_offset_by_timestamp(601).unwrap().is_none());
    append(
        &log,
        kv_batch(CompressionType::None, 650, &[(Some(b"k"), Some(b"v"))]),
        0,
    );
    log.close().unwrap();
    let reopened = open(dir.path(), cfg);
    let (max, _) = reopened.fetch_offset_of_max_timestamp().unwrap().unwrap();
    assert_eq!((max.timestamp, max.offset), (650, 6));
    assert_eq!(
        reopened
            .fetch_offset_by_timestamp(601)
            .unwrap()
            .map(|f| f.0.offset),
        Some(6)
    );
    assert_eq!(
        reopened
            .fetch_offset_by_timestamp(350)
            .unwrap()
            .map(|f| f.0.offset),
        Some(3)
    );
}
