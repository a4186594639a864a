//! Removing data from a log: time and size retention, DeleteRecords, truncation, and
//! the `.deleted` files they leave behind, in the spirit of Kafka's `LogTest`
//! retention cases.

mod common;

use common::*;
use fjord_storage::checkpoint::LEADER_EPOCH_CHECKPOINT;
use fjord_storage::{CleanupPolicy, LoadParams, Log, LogConfig, StorageError};

const RECORDS_PER_BATCH: usize = 5;
const VALUE_LEN: usize = 100;

fn batch_at(timestamp: i64) -> Vec<u8> {
    filler_batch(RECORDS_PER_BATCH, timestamp, VALUE_LEN)
}

fn batch_size() -> u64 {
    batch_at(0).len() as u64
}

/// Two batches (ten offsets) per segment.
fn two_batch_config() -> LogConfig {
    config(2 * batch_size())
}

/// Appends one batch per timestamp, stamped with `epoch`.
fn append_batches(log: &Log, timestamps: &[i64], epoch: i32) {
    for &ts in timestamps {
        append(log, batch_at(ts), epoch);
    }
}

fn assert_out_of_range(log: &Log, offset: i64) {
    match log.read(offset, 1 << 20, None, true) {
        Err(StorageError::OffsetOutOfRange { offset: o, .. }) => assert_eq!(o, offset),
        other => panic!("read at {offset}: expected OffsetOutOfRange, got {other:?}"),
    }
}

#[test]
fn test_retention_time_deletes_only_expired_sealed_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            retention_ms: 7 * DAY_MS,
            ..two_batch_config()
        },
    );
    let old = NOW - 10 * DAY_MS;
    let recent = NOW - 60_000;
    append_batches(&log, &[old, old, old, old, recent, recent, recent], 0);
    assert_eq!(segment_bases(&log), [0, 10, 20, 30]);

    assert_eq!(log.delete_old_segments(NOW).unwrap(), 2);
    assert_eq!(segment_bases(&log), [20, 30]);
    assert_eq!(log.log_start_offset(), 20);
    assert_eq!(log.log_end_offset(), 35);
    assert_out_of_range(&log, 19);
    let first = log.read(20, 1 << 20, None, true).unwrap();
    assert_eq!(first.first_batch_offset, Some(20));
    assert_eq!(first.log_start_offset, 20);

    // Renamed at once, unlinked once their (zero) delay has passed.
    for base in [0, 10] {
        assert!(!segment_path(dir.path(), base, ".log").exists());
        assert!(segment_path(dir.path(), base, ".log.deleted").exists());
        assert!(segment_path(dir.path(), base, ".index.deleted").exists());
        assert!(segment_path(dir.path(), base, ".timeindex.deleted").exists());
    }
    log.delete_due_files(fjord_storage::segment::now_ms(), false)
        .unwrap();
    let names = file_names(dir.path());
    assert!(
        names.iter().all(|n| !n.ends_with(".deleted")),
        "left: {names:?}"
    );
    assert!(names.iter().all(
        |n| !n.starts_with("00000000000000000000.") && !n.starts_with("00000000000000000010.")
    ));
    assert_eq!(read_records(&log).first().map(|r| r.offset), Some(20));

    // A second pass finds nothing more to delete.
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 0);
}

#[test]
fn test_retention_time_never_deletes_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            retention_ms: DAY_MS,
            ..two_batch_config()
        },
    );
    let old = NOW - 10 * DAY_MS;
    append_batches(&log, &[old; 5], 0);
    assert_eq!(segment_bases(&log), [0, 10, 20]);

    assert_eq!(log.delete_old_segments(NOW).unwrap(), 2);
    assert_eq!(segment_bases(&log), [20]);
    assert_eq!(log.log_start_offset(), 20);
    assert_eq!(log.log_end_offset(), 25);
    assert_eq!(read_records(&log).len(), RECORDS_PER_BATCH);
    // Nothing more can go while the only segment is the active one.
    assert_eq!(log.delete_old_segments(NOW + 100 * DAY_MS).unwrap(), 0);
    assert_eq!(append(&log, batch_at(NOW), 0).first_offset, 25);
}

#[test]
fn test_retention_time_stops_at_the_first_unexpired_segment() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            retention_ms: 7 * DAY_MS,
            ..two_batch_config()
        },
    );
    let old = NOW - 10 * DAY_MS;
    // Segment 10 holds one recent batch, so it and everything after it stays.
    append_batches(&log, &[old, old, old, NOW - 1000, old, old, old], 0);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 1);
    assert_eq!(segment_bases(&log), [10, 20, 30]);
    assert_eq!(log.log_start_offset(), 10);
}

#[test]
fn test_retention_ms_minus_one_keeps_data_forever() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            retention_ms: -1,
            ..two_batch_config()
        },
    );
    append_batches(&log, &[1, 1, 1, 1, 1], 0);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 0);
    assert_eq!(log.log_start_offset(), 0);
    assert_eq!(read_records(&log).len(), 5 * RECORDS_PER_BATCH);
}

#[test]
fn test_retention_bytes_keeps_the_newest_segments_that_fit() {
    let dir = tempfile::tempdir().unwrap();
    let size = batch_size();
    // Four full segments and an active one holding one batch: nine batches in all.
    let timestamps = [NOW; 9];

    let roomy = tempfile::tempdir().unwrap();
    let log = open(
        roomy.path(),
        LogConfig {
            retention_bytes: (9 * size) as i64,
            ..two_batch_config()
        },
    );
    append_batches(&log, &timestamps, 0);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 0);

    let log = open(
        dir.path(),
        LogConfig {
            retention_bytes: (4 * size) as i64,
            ..two_batch_config()
        },
    );
    append_batches(&log, &timestamps, 0);
    assert_eq!(log.size(), 9 * size);
    // Kafka deletes the oldest segments while the excess is at least their size: an
    // excess of five batches goes two segments (four batches) and keeps the rest.
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 2);
    assert_eq!(segment_bases(&log), [20, 30, 40]);
    assert_eq!(log.size(), 5 * size);
    assert_eq!(log.log_start_offset(), 20);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 0);
}

#[test]
fn test_retention_compact_only_policy_never_deletes_by_time_or_size() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            cleanup_policy: CleanupPolicy::COMPACT,
            retention_ms: 1,
            retention_bytes: 1,
            ..two_batch_config()
        },
    );
    append_batches(&log, &[NOW - 10 * DAY_MS; 7], 0);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 0);
    assert_eq!(segment_bases(&log), [0, 10, 20, 30]);
    assert_eq!(log.log_start_offset(), 0);
}

#[test]
fn test_retention_compact_delete_policy_deletes_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            cleanup_policy: CleanupPolicy::COMPACT_DELETE,
            retention_ms: DAY_MS,
            ..two_batch_config()
        },
    );
    append_batches(&log, &[NOW - 10 * DAY_MS; 5], 0);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 2);
    assert_eq!(log.log_start_offset(), 20);
}

#[test]
fn test_retention_leaves_deleted_files_for_the_delay_and_reopen_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig {
        retention_ms: DAY_MS,
        file_delete_delay_ms: 60_000,
        ..two_batch_config()
    };
    let log = open(dir.path(), cfg.clone());
    append_batches(&log, &[NOW - 10 * DAY_MS; 5], 0);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 2);
    // The delay counts from the retention pass's clock.
    log.delete_due_files(NOW + 59_999, false).unwrap();
    assert!(segment_path(dir.path(), 0, ".log.deleted").exists());
    log.close().unwrap();

    let reopened = open(dir.path(), cfg);
    let names = file_names(dir.path());
    assert!(
        names.iter().all(|n| !n.ends_with(".deleted")),
        "left: {names:?}"
    );
    assert_eq!(reopened.log_start_offset(), 20);
    assert_eq!(reopened.log_end_offset(), 25);
}

#[test]
fn test_retention_delete_due_files_with_force_ignores_the_delay() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            retention_ms: DAY_MS,
            file_delete_delay_ms: 60_000,
            ..two_batch_config()
        },
    );
    append_batches(&log, &[NOW - 10 * DAY_MS; 3], 0);
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 1);
    log.delete_due_files(0, true).unwrap();
    assert!(file_names(dir.path())
        .iter()
        .all(|n| !n.ends_with(".deleted")));
}

#[test]
fn test_retention_time_works_after_reopen_from_persisted_timestamps() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig {
        retention_ms: 7 * DAY_MS,
        ..two_batch_config()
    };
    let log = open(dir.path(), cfg.clone());
    append_batches(
        &log,
        &[NOW - 10 * DAY_MS, NOW - 9 * DAY_MS, NOW, NOW, NOW],
        0,
    );
    log.close().unwrap();

    let reopened = open(dir.path(), cfg.clone());
    assert_eq!(reopened.delete_old_segments(NOW).unwrap(), 1);
    assert_eq!(reopened.log_start_offset(), 10);

    // The same after an unclean stop, where the timestamps come from recovery.
    let crashed = tempfile::tempdir().unwrap();
    let log = open(crashed.path(), cfg.clone());
    append_batches(
        &log,
        &[NOW - 10 * DAY_MS, NOW - 9 * DAY_MS, NOW, NOW, NOW],
        0,
    );
    log.flush_to(log.log_end_offset()).unwrap();
    let copy = crashed.path().join("copy");
    copy_dir_files(crashed.path(), &copy);
    let recovered = open_with(
        &copy,
        cfg,
        LoadParams {
            had_clean_shutdown: false,
            recovery_point: 0,
            log_start_offset: 0,
        },
    );
    assert_eq!(recovered.log_end_offset(), 25);
    assert_eq!(recovered.delete_old_segments(NOW).unwrap(), 1);
    assert_eq!(recovered.log_start_offset(), 10);
}

/// Copies only the files of `from` (not sub-directories, such as `to` itself).
fn copy_dir_files(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

#[test]
fn test_retention_time_truncates_leader_epoch_checkpoint_from_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            retention_ms: DAY_MS,
            ..two_batch_config()
        },
    );
    let old = NOW - 10 * DAY_MS;
    append_batches(&log, &[old], 0);
    append_batches(&log, &[old], 1); // 5..=9, epoch 1 starts mid-segment 0
    append_batches(&log, &[old, old], 1); // segment 10
    append_batches(&log, &[NOW], 2); // segment 20, active
    assert_eq!(
        checkpoint_lines(&dir.path().join(LEADER_EPOCH_CHECKPOINT)),
        ["0 0", "1 5", "2 20"]
    );
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 2);
    assert_eq!(log.log_start_offset(), 20);
    assert_eq!(
        checkpoint_lines(&dir.path().join(LEADER_EPOCH_CHECKPOINT)),
        ["2 20"]
    );
    assert_eq!(log.epoch_for_offset(20), Some(2));
}

#[test]
fn test_delete_records_before_moves_log_start_and_removes_whole_segments_below() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), two_batch_config());
    append_batches(&log, &[NOW; 7], 0);
    assert_eq!(segment_bases(&log), [0, 10, 20, 30]);

    assert_eq!(log.delete_records_before(23).unwrap(), 23);
    assert_eq!(log.log_start_offset(), 23);
    assert_eq!(segment_bases(&log), [20, 30]);
    assert_out_of_range(&log, 22);
    assert_out_of_range(&log, 0);
    // A read at the new start returns the whole batch holding it.
    let read = log.read(23, 1 << 20, None, true).unwrap();
    assert_eq!(read.first_batch_offset, Some(20));
    assert_eq!(read.log_start_offset, 23);
    log.delete_due_files(fjord_storage::segment::now_ms(), false)
        .unwrap();
    assert!(!segment_path(dir.path(), 10, ".log.deleted").exists());
    assert!(!segment_path(dir.path(), 10, ".log").exists());

    // Never moves back; never past the log end.
    assert_eq!(log.delete_records_before(5).unwrap(), 23);
    assert!(matches!(
        log.delete_records_before(36),
        Err(StorageError::OffsetOutOfRange { .. })
    ));
    // Retention keeps the segment holding the log start.
    assert_eq!(log.delete_old_segments(NOW).unwrap(), 0);
    assert_eq!(segment_bases(&log), [20, 30]);

    // Up to the log end: every sealed segment goes, the log stays appendable.
    assert_eq!(log.delete_records_before(35).unwrap(), 35);
    assert_eq!(segment_bases(&log), [30]);
    assert!(log.read(35, 1 << 20, None, true).unwrap().records.is_none());
    assert_out_of_range(&log, 34);
    assert_eq!(append(&log, batch_at(NOW), 0).first_offset, 35);
    assert_eq!(read_records(&log).first().map(|r| r.offset), Some(35));
    assert_eq!(read_batches_from(&log, 35).len(), 1);
}

#[test]
fn test_delete_records_before_truncates_leader_epoch_checkpoint_from_start() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), two_batch_config());
    append_batches(&log, &[NOW, NOW], 0); // 0..=9
    append_batches(&log, &[NOW, NOW], 2); // 10..=19
    append_batches(&log, &[NOW], 5); // 20..=24
    let checkpoint = dir.path().join(LEADER_EPOCH_CHECKPOINT);
    assert_eq!(checkpoint_lines(&checkpoint), ["0 0", "2 10", "5 20"]);

    log.delete_records_before(12).unwrap();
    assert_eq!(checkpoint_lines(&checkpoint), ["2 12", "5 20"]);
    assert_eq!(log.epoch_for_offset(12), Some(2));
    assert_eq!(log.end_offset_for_epoch(2), Some((2, 20)));
    assert_eq!(log.end_offset_for_epoch(5), Some((5, 25)));

    log.delete_records_before(22).unwrap();
    assert_eq!(checkpoint_lines(&checkpoint), ["5 22"]);
    log.close().unwrap();
    let reopened = open_with(
        dir.path(),
        two_batch_config(),
        LoadParams {
            had_clean_shutdown: true,
            recovery_point: 25,
            log_start_offset: 22,
        },
    );
    assert_eq!(reopened.log_start_offset(), 22);
    assert_eq!(reopened.latest_epoch(), Some(5));
    assert_eq!(reopened.epoch_for_offset(22), Some(5));
    assert_out_of_range(&reopened, 21);
}

#[test]
fn test_log_truncate_to_an_earlier_segment_removes_later_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), two_batch_config());
    append_batches(&log, &[NOW, NOW], 0);
    append_batches(&log, &[NOW, NOW], 1);
    append_batches(&log, &[NOW, NOW, NOW], 2);
    log.flush_to(log.log_end_offset()).unwrap();
    assert_eq!(segment_bases(&log), [0, 10, 20, 30]);
    assert_eq!(log.recovery_point(), 35);

    log.truncate_to(15).unwrap();
    assert_eq!(log.log_end_offset(), 15);
    assert_eq!(segment_bases(&log), [0, 10]);
    assert!(log.recovery_point() <= 15);
    assert_eq!(log.latest_epoch(), Some(1));
    assert_eq!(
        checkpoint_lines(&dir.path().join(LEADER_EPOCH_CHECKPOINT)),
        ["0 0", "1 10"]
    );
    log.delete_due_files(fjord_storage::segment::now_ms(), false)
        .unwrap();
    for base in [20, 30] {
        assert!(!segment_path(dir.path(), base, ".log").exists());
        assert!(!segment_path(dir.path(), base, ".log.deleted").exists());
    }
    assert_eq!(
        read_records(&log)
            .iter()
            .map(|r| r.offset)
            .collect::<Vec<_>>(),
        (0..15).collect::<Vec<_>>()
    );

    // The truncated segment is active again: appends continue at the cut and fill it.
    assert_eq!(append(&log, batch_at(NOW), 3).first_offset, 15);
    assert_eq!(segment_bases(&log), [0, 10]);
    assert_eq!(append(&log, batch_at(NOW), 3).first_offset, 20);
    assert_eq!(segment_bases(&log), [0, 10, 20]);
    log.close().unwrap();
    let reopened = open(dir.path(), two_batch_config());
    assert_eq!(reopened.log_end_offset(), 25);
    assert_eq!(read_records(&reopened).len(), 25);
}

#[test]
fn test_log_truncate_to_below_log_start_is_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), two_batch_config());
    append_batches(&log, &[NOW; 5], 0);
    log.delete_records_before(12).unwrap();
    assert!(matches!(
        log.truncate_to(11),
        Err(StorageError::OffsetOutOfRange { .. })
    ));
}

/// Truncating to the log start offset when it lies inside a batch (DeleteRecords
/// moved it there) removes that whole batch. The log must still satisfy
/// `log_start_offset <= log_end_offset`, and new records must be readable; Kafka
/// truncates fully and restarts the log at the target in that case
/// (`UnifiedLog.truncateTo` → `truncateFullyAndStartAt`).
#[test]
fn test_log_truncate_to_log_start_inside_a_batch_keeps_start_below_end() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), two_batch_config());
    append_batches(&log, &[NOW; 5], 0);
    log.delete_records_before(12).unwrap();
    log.truncate_to(12).unwrap();
    assert!(
        log.log_start_offset() <= log.log_end_offset(),
        "log start {} is past the log end {}",
        log.log_start_offset(),
        log.log_end_offset()
    );
    let appended = append(&log, batch_at(NOW), 0);
    assert!(
        appended.first_offset >= log.log_start_offset(),
        "appended at {} below the log start {}",
        appended.first_offset,
        log.log_start_offset()
    );
    let offsets: Vec<i64> = read_records(&log).iter().map(|r| r.offset).collect();
    assert!(offsets.contains(&appended.last_offset), "read {offsets:?}");
}

#[test]
fn test_log_truncate_to_log_start_of_first_segment_empties_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), two_batch_config());
    append_batches(&log, &[NOW; 5], 0);
    log.truncate_to(0).unwrap();
    assert_eq!(log.log_end_offset(), 0);
    assert_eq!(segment_bases(&log), [0]);
    assert!(read_records(&log).is_empty());
    assert_eq!(log.latest_epoch(), None);
    assert_eq!(append(&log, batch_at(NOW), 4).first_offset, 0);
    assert_eq!(log.latest_epoch(), Some(4));
}

#[test]
fn test_log_segment_ms_rolls_by_first_batch_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            segment_ms: DAY_MS,
            ..config(1 << 20)
        },
    );
    append(&log, batch_at(NOW - 3 * DAY_MS), 0);
    append(&log, batch_at(NOW - 2 * DAY_MS), 0); // exactly segment.ms later: no roll
    assert_eq!(segment_bases(&log), [0]);
    append(&log, batch_at(NOW - 2 * DAY_MS + 1), 0);
    assert_eq!(segment_bases(&log), [0, 10]);
}

/// Kafka measures `segment.ms` from the active segment's first batch, reading it from
/// the file after a restart (`LogSegment.loadFirstBatchTimestamp`). A restart must not
/// reset the clock, or a partition on a broker restarted more often than `segment.ms`
/// never rolls, and retention (which never deletes the active segment) never frees it.
#[test]
fn test_log_segment_ms_rolls_by_first_batch_timestamp_after_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig {
        segment_ms: DAY_MS,
        ..config(1 << 20)
    };
    let log = open(dir.path(), cfg.clone());
    append(&log, batch_at(NOW - 3 * DAY_MS), 0);
    log.close().unwrap();

    let reopened = open(dir.path(), cfg);
    append(&reopened, batch_at(NOW - DAY_MS), 0);
    assert_eq!(
        segment_bases(&reopened),
        [0, 5],
        "a batch two days younger than the segment's first must roll it"
    );
}

/// A fetch at an offset retention is removing gets either that offset's batch (the
/// segment is still there) or OffsetOutOfRange (it is gone), never a later segment's
/// data: Kafka's `LocalLog.read` throws OffsetOutOfRange when no segment starts at or
/// below the offset, which covers the moment between a segment leaving the map and the
/// log start offset moving past it.
#[test]
fn test_retention_concurrent_read_at_log_start_never_returns_later_data() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            retention_ms: DAY_MS,
            ..two_batch_config()
        },
    );
    let old = NOW - 10 * DAY_MS;
    append_batches(&log, &[old; 4], 0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    let found = std::sync::atomic::AtomicBool::new(false);
    let wrong = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut wrong = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let start = log.log_start_offset();
                if let Ok(read) = log.read(start, 1 << 20, None, true) {
                    if let Some(first) = read.first_batch_offset {
                        if first > start {
                            wrong.push((start, first));
                            found.store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
            }
            wrong
        });
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_millis(1000)
            && !found.load(std::sync::atomic::Ordering::Relaxed)
        {
            append_batches(&log, &[old, old], 0);
            log.delete_old_segments(NOW).unwrap();
            log.delete_due_files(i64::MAX, true).unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap()
    });
    assert!(
        wrong.is_empty(),
        "{} reads at the log start returned a later batch, e.g. (read at, got): {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
}
