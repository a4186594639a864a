//! The checkpoint files at a log dir's root (`recovery-point-offset-checkpoint`,
//! `log-start-offset-checkpoint`, `cleaner-offset-checkpoint`) and the clean-shutdown
//! marker: their format, and how a restart uses them when they are stale, missing or
//! list partitions that are gone.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use fjord_storage::checkpoint::{
    OffsetCheckpointFile, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT,
};
use fjord_storage::log_manager::CLEAN_SHUTDOWN_FILE;
use fjord_storage::segment::now_ms;
use fjord_storage::{LogManager, LogManagerConfig, TopicPartition};

fn start(dir: &Path) -> Arc<LogManager> {
    LogManager::startup(LogManagerConfig {
        default_log_config: config(2048),
        cleaner_enable: false,
        ..LogManagerConfig::new(vec![dir.to_path_buf()])
    })
    .expect("startup")
}

fn fill(manager: &LogManager, tp: &TopicPartition, batches: usize) -> i64 {
    let log = manager.get_or_create_log(tp, None, None).unwrap();
    for _ in 0..batches {
        append(&log, filler_batch(3, now_ms(), 150), 0);
    }
    log.log_end_offset()
}

#[test]
fn test_checkpoint_reads_a_file_written_by_kafka() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(RECOVERY_POINT_CHECKPOINT),
        "0\n3\n__consumer_offsets 17 4242\nmy.topic_v2 0 0\nretail-data-test 11 987654321012\n",
    )
    .unwrap();
    let entries = OffsetCheckpointFile::new(dir.path(), RECOVERY_POINT_CHECKPOINT)
        .read()
        .unwrap();
    assert_eq!(
        entries,
        [
            (TopicPartition::new("__consumer_offsets", 17), 4242),
            (TopicPartition::new("my.topic_v2", 0), 0),
            (TopicPartition::new("retail-data-test", 11), 987_654_321_012),
        ]
    );
}

#[test]
fn test_log_manager_clean_shutdown_marker_is_kafka_json_and_removed_on_startup() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(root.path());
    fill(&manager, &TopicPartition::new("t", 0), 2);
    manager.shutdown().unwrap();
    drop(manager);
    let marker = std::fs::read_to_string(root.path().join(CLEAN_SHUTDOWN_FILE)).unwrap();
    assert!(marker.contains("\"version\":0"), "{marker}");
    let manager = start(root.path());
    assert!(!root.path().join(CLEAN_SHUTDOWN_FILE).exists());
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_restart_ignores_checkpoint_entries_of_missing_partitions() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(root.path());
    let tp = TopicPartition::new("kept", 0);
    let end = fill(&manager, &tp, 3);
    manager.shutdown().unwrap();
    drop(manager);
    for name in [RECOVERY_POINT_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT] {
        let file = OffsetCheckpointFile::new(root.path(), name);
        let mut entries = file.read().unwrap();
        entries.push((TopicPartition::new("gone", 3), 77));
        file.write(&entries).unwrap();
    }
    let manager = start(root.path());
    assert_eq!(manager.all_logs().len(), 1);
    assert_eq!(manager.get_log(&tp).unwrap().log_end_offset(), end);
    manager.checkpoint_all().unwrap();
    assert_eq!(
        checkpoint_lines(&root.path().join(RECOVERY_POINT_CHECKPOINT)),
        [format!("kept 0 {end}")]
    );
    manager.shutdown().unwrap();
}

/// A partition created after the last checkpoint has no recovery point: after a
/// crash it is recovered from its first segment.
#[test]
fn test_log_manager_unclean_restart_recovers_a_partition_missing_from_the_checkpoint() {
    let root = tempfile::tempdir().unwrap();
    let live = root.path().join("live");
    let manager = start(&live);
    let early = TopicPartition::new("early", 0);
    fill(&manager, &early, 5);
    manager.checkpoint_all().unwrap();
    let late = TopicPartition::new("late", 0);
    let end = fill(&manager, &late, 8);
    let log = manager.get_log(&late).unwrap();
    log.flush_to(end).unwrap();
    manager.get_log(&early).unwrap().flush_to(i64::MAX).unwrap();
    let batches = read_batches(&log);
    let copy = root.path().join("copy");
    copy_dir(&live, &copy);
    // Tear the late partition's active segment.
    let active = log.active_segment().base_offset();
    let torn = copy.join(late.dir_name()).join(format!("{active:020}.log"));
    let mut bytes = std::fs::read(&torn).unwrap();
    bytes.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 9, 0, 0]);
    std::fs::write(&torn, bytes).unwrap();

    let recovered = start(&copy);
    let log = recovered.get_log(&late).unwrap();
    assert_eq!(log.log_end_offset(), end);
    assert_eq!(read_batches(&log), batches);
    assert_eq!(recovered.get_log(&early).unwrap().log_end_offset(), 15);
    recovered.shutdown().unwrap();
    manager.shutdown().unwrap();
}

/// A log start offset that DeleteRecords moved inside a segment survives a restart
/// through `log-start-offset-checkpoint`; without it the start would fall back to the
/// first segment's base and deleted records would be readable again.
#[test]
fn test_log_manager_restart_restores_log_start_from_checkpoint() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(root.path());
    let tp = TopicPartition::new("trimmed", 0);
    fill(&manager, &tp, 10);
    let log = manager.get_log(&tp).unwrap();
    let start_offset = log.segments()[1].base_offset() + 1;
    log.delete_records_before(start_offset).unwrap();
    manager.shutdown().unwrap();
    drop((manager, log));
    assert_eq!(
        checkpoint_lines(&root.path().join(LOG_START_OFFSET_CHECKPOINT)),
        [format!("trimmed 0 {start_offset}")]
    );

    let manager = start(root.path());
    let log = manager.get_log(&tp).unwrap();
    assert_eq!(log.log_start_offset(), start_offset);
    assert!(log.read(start_offset - 1, 1 << 20, None, true).is_err());
    manager.shutdown().unwrap();
}
