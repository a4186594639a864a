//! `LogManager`: log dirs, partition directories, restart (clean and unclean),
//! locking, deletion and background passes, in the spirit of Kafka's `LogManagerTest`.

use fjord_protocol::records::KeyValue;
mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::*;
use fjord_protocol::CompressionType;
use fjord_storage::checkpoint::{
    CLEANER_OFFSET_CHECKPOINT, LEADER_EPOCH_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT,
    RECOVERY_POINT_CHECKPOINT,
};
use fjord_storage::log_manager::{CLEAN_SHUTDOWN_FILE, DELETE_DIR_SUFFIX, LOCK_FILE};
use fjord_storage::partition_metadata::{self, PARTITION_METADATA_FILE};
use fjord_storage::segment::now_ms;
use fjord_storage::{CleanupPolicy, Log, LogConfig, LogManager, LogManagerConfig, TopicPartition};

fn manager_config(dirs: &[&Path]) -> LogManagerConfig {
    LogManagerConfig {
        default_log_config: config(4096),
        cleaner_enable: false,
        ..LogManagerConfig::new(dirs.iter().map(|d| d.to_path_buf()).collect())
    }
}

fn start(dirs: &[&Path]) -> Arc<LogManager> {
    LogManager::startup(manager_config(dirs)).expect("startup")
}

/// Appends `batches` batches of three keyed records.
fn fill(log: &Log, batches: usize, epoch: i32) {
    for i in 0..batches {
        let (k, v) = (format!("key-{i}"), format!("value-{i}-{}", "x".repeat(200)));
        let records: [KeyValue<'_>; 3] = [(Some(k.as_bytes()), Some(v.as_bytes())); 3];
        append(
            log,
            kv_batch(CompressionType::None, now_ms(), &records),
            epoch,
        );
    }
}

fn partitions() -> Vec<TopicPartition> {
    vec![
        TopicPartition::new("orders", 0),
        TopicPartition::new("orders", 1),
        TopicPartition::new("retail-data-test", 11),
    ]
}

#[test]
fn test_log_manager_startup_creates_log_dirs_and_locks_them() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a/data"), root.path().join("b"));
    let manager = start(&[&a, &b]);
    for dir in [&a, &b] {
        assert!(dir.is_dir());
        assert!(dir.join(LOCK_FILE).exists());
        assert!(!dir.join(CLEAN_SHUTDOWN_FILE).exists());
        assert_eq!(
            checkpoint_lines(&dir.join(RECOVERY_POINT_CHECKPOINT)),
            Vec::<String>::new()
        );
    }
    assert!(manager.all_logs().is_empty());
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_get_or_create_log_writes_partition_metadata() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("retail-data-test", 11);
    let id = uuid::Uuid::new_v4();
    let log = manager.get_or_create_log(&tp, Some(id), None).unwrap();
    let dir = root.path().join("retail-data-test-11");
    assert_eq!(log.dir(), dir);
    assert!(dir.join(PARTITION_METADATA_FILE).exists());
    assert_eq!(partition_metadata::read(&dir).unwrap(), Some(id));
    let text = std::fs::read_to_string(dir.join(PARTITION_METADATA_FILE)).unwrap();
    assert_eq!(
        text,
        format!(
            "version: 0\ntopic_id: {}\n",
            partition_metadata::topic_id_to_string(id)
        )
    );

    let again = manager.get_or_create_log(&tp, Some(id), None).unwrap();
    assert!(Arc::ptr_eq(&log, &again));
    assert!(Arc::ptr_eq(&manager.get_log(&tp).unwrap(), &log));
    manager.shutdown().unwrap();
    drop((manager, log, again));

    // The topic id is still there after a restart.
    let manager = start(&[root.path()]);
    assert!(manager.get_log(&tp).is_some());
    assert_eq!(partition_metadata::read(&dir).unwrap(), Some(id));
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_shutdown_writes_kafka_checkpoints_and_clean_marker() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    for (i, tp) in partitions().iter().enumerate() {
        let log = manager.get_or_create_log(tp, None, None).unwrap();
        fill(&log, 4 * (i + 1), 0);
    }
    let trimmed = manager.get_log(&partitions()[2]).unwrap();
    let start_offset = trimmed.segments()[1].base_offset() + 1;
    trimmed.delete_records_before(start_offset).unwrap();
    let ends: Vec<i64> = partitions()
        .iter()
        .map(|tp| manager.get_log(tp).unwrap().log_end_offset())
        .collect();
    manager.shutdown().unwrap();

    let recovery = checkpoint_lines(&root.path().join(RECOVERY_POINT_CHECKPOINT));
    let starts = checkpoint_lines(&root.path().join(LOG_START_OFFSET_CHECKPOINT));
    let mut expected_recovery: Vec<String> = partitions()
        .iter()
        .zip(&ends)
        .map(|(tp, end)| format!("{} {} {end}", tp.topic, tp.partition))
        .collect();
    expected_recovery.sort();
    let mut sorted_recovery = recovery.clone();
    sorted_recovery.sort();
    assert_eq!(sorted_recovery, expected_recovery);
    let mut sorted_starts = starts.clone();
    sorted_starts.sort();
    assert_eq!(
        sorted_starts,
        [
            "orders 0 0".to_string(),
            "orders 1 0".to_string(),
            format!("retail-data-test 11 {start_offset}"),
        ]
    );
    assert!(root.path().join(CLEAN_SHUTDOWN_FILE).exists());
    assert!(file_names(root.path()).iter().all(|n| !n.ends_with(".tmp")));
}

#[test]
fn test_log_manager_restart_reloads_every_log_with_same_offsets_and_contents() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    for (i, tp) in partitions().iter().enumerate() {
        let log = manager.get_or_create_log(tp, None, None).unwrap();
        fill(&log, 5 + 3 * i, i as i32);
    }
    let trimmed = manager.get_log(&partitions()[1]).unwrap();
    let start_offset = trimmed.segments()[1].base_offset() + 2;
    trimmed.delete_records_before(start_offset).unwrap();
    let before: Vec<(i64, i64, Vec<Vec<u8>>)> = partitions()
        .iter()
        .map(|tp| {
            let log = manager.get_log(tp).unwrap();
            (
                log.log_start_offset(),
                log.log_end_offset(),
                read_batches(&log),
            )
        })
        .collect();
    manager.shutdown().unwrap();
    drop(manager);

    let manager = start(&[root.path()]);
    assert!(!root.path().join(CLEAN_SHUTDOWN_FILE).exists());
    assert_eq!(manager.all_logs().len(), partitions().len());
    for (tp, (start, end, batches)) in partitions().iter().zip(&before) {
        let log = manager.get_log(tp).unwrap();
        assert_eq!(log.log_start_offset(), *start, "{tp}");
        assert_eq!(log.log_end_offset(), *end, "{tp}");
        assert_eq!(log.recovery_point(), *end, "{tp}");
        assert_eq!(&read_batches(&log), batches, "{tp}");
        let next = append(&log, filler_batch(1, now_ms(), 10), 9).first_offset;
        assert_eq!(next, *end, "{tp}");
    }
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_second_instance_on_the_same_dir_fails_to_lock() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let err = match LogManager::startup(manager_config(&[root.path()])) {
        Err(err) => err.to_string(),
        Ok(_) => panic!("a second manager locked a dir the first holds"),
    };
    assert!(err.contains("Failed to acquire lock"), "{err}");
    // A dir list sharing one dir with the running manager fails too.
    let other = tempfile::tempdir().unwrap();
    assert!(LogManager::startup(manager_config(&[other.path(), root.path()])).is_err());
    manager.shutdown().unwrap();
    drop(manager);
    start(&[root.path()]).shutdown().unwrap();
}

/// A manager dropped without `shutdown` (a failed broker start-up, a test) must let go
/// of its log dirs: its background threads only hold it weakly, so nothing should keep
/// the `.lock` files held for another `log.cleaner.backoff.ms` (15 s by default).
#[test]
fn test_log_manager_dropped_without_shutdown_releases_its_log_dirs() {
    let root = tempfile::tempdir().unwrap();
    let manager = LogManager::startup(LogManagerConfig {
        cleaner_enable: true,
        ..manager_config(&[root.path()])
    })
    .unwrap();
    // Let the background threads reach their first wait, as in any running broker.
    std::thread::sleep(std::time::Duration::from_millis(100));
    drop(manager);
    let started = std::time::Instant::now();
    loop {
        match LogManager::startup(manager_config(&[root.path()])) {
            Ok(manager) => {
                manager.shutdown().unwrap();
                return;
            }
            Err(err) if started.elapsed() > std::time::Duration::from_secs(2) => {
                panic!("log dir still locked 2 s after the manager was dropped: {err}")
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

#[test]
fn test_log_manager_unclean_restart_recovers_flushed_data_from_a_copy() {
    let root = tempfile::tempdir().unwrap();
    let live = root.path().join("live");
    let manager = start(&[&live]);
    let mut expected = Vec::new();
    for (i, tp) in partitions().iter().enumerate() {
        let log = manager.get_or_create_log(tp, None, None).unwrap();
        fill(&log, 6 + i, 1);
        log.flush_to(log.log_end_offset()).unwrap();
        expected.push((log.log_end_offset(), read_batches(&log)));
    }
    // A crash: the directory as it is on disk now, without the clean-shutdown marker.
    let copy = root.path().join("copy");
    copy_dir(&live, &copy);
    assert!(!copy.join(CLEAN_SHUTDOWN_FILE).exists());
    // A torn write at the end of one partition's active segment.
    let torn_tp = &partitions()[0];
    let torn_log = manager.get_log(torn_tp).unwrap();
    let active = torn_log.active_segment().base_offset();
    let torn = copy
        .join(torn_tp.dir_name())
        .join(format!("{active:020}.log"));
    let mut bytes = std::fs::read(&torn).unwrap();
    bytes.extend_from_slice(&filler_batch(2, now_ms(), 30)[..40]);
    std::fs::write(&torn, bytes).unwrap();

    let recovered = start(&[&copy]);
    for (tp, (end, batches)) in partitions().iter().zip(&expected) {
        let log = recovered.get_log(tp).unwrap();
        assert_eq!(log.log_end_offset(), *end, "{tp}");
        assert_eq!(&read_batches(&log), batches, "{tp}");
        assert_eq!(log.latest_epoch(), Some(1), "{tp}");
    }
    let log = recovered.get_log(torn_tp).unwrap();
    assert_eq!(
        append(&log, filler_batch(1, now_ms(), 10), 2).first_offset,
        expected[0].0
    );
    recovered.shutdown().unwrap();
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_unclean_restart_with_unreadable_checkpoint_recovers_everything() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("orders", 0);
    let log = manager.get_or_create_log(&tp, None, None).unwrap();
    fill(&log, 10, 0);
    let (end, batches) = (log.log_end_offset(), read_batches(&log));
    manager.shutdown().unwrap();
    drop((manager, log));
    std::fs::remove_file(root.path().join(CLEAN_SHUTDOWN_FILE)).unwrap();
    std::fs::write(root.path().join(RECOVERY_POINT_CHECKPOINT), "garbage\n").unwrap();

    let manager = start(&[root.path()]);
    let log = manager.get_log(&tp).unwrap();
    assert_eq!(log.log_end_offset(), end);
    assert_eq!(read_batches(&log), batches);
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_delete_log_renames_dir_then_removes_it() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("orders", 3);
    let keep = TopicPartition::new("orders", 4);
    let log = manager.get_or_create_log(&tp, None, None).unwrap();
    fill(&log, 3, 0);
    manager.get_or_create_log(&keep, None, None).unwrap();
    let dir = root.path().join("orders-3");

    assert!(manager.delete_log(&tp).unwrap());
    assert!(!dir.exists());
    assert!(manager.get_log(&tp).is_none());
    let renamed: Vec<String> = file_names(root.path())
        .into_iter()
        .filter(|n| n.ends_with(DELETE_DIR_SUFFIX))
        .collect();
    assert_eq!(renamed.len(), 1, "{:?}", file_names(root.path()));
    assert!(renamed[0].starts_with("orders-3."), "{renamed:?}");
    assert!(!manager.delete_log(&tp).unwrap());

    manager.checkpoint_all().unwrap();
    let recovery = checkpoint_lines(&root.path().join(RECOVERY_POINT_CHECKPOINT));
    assert_eq!(recovery, ["orders 4 0"]);
    manager.shutdown().unwrap();
    drop((manager, log));
    assert!(file_names(root.path())
        .iter()
        .all(|n| !n.ends_with(DELETE_DIR_SUFFIX)));

    // A `-delete` directory left by a crash is removed at start-up, not loaded.
    let leftover = root
        .path()
        .join(format!("orders-9.0123456789abcdef{DELETE_DIR_SUFFIX}"));
    std::fs::create_dir(&leftover).unwrap();
    std::fs::write(leftover.join("00000000000000000000.log"), b"").unwrap();
    let manager = start(&[root.path()]);
    assert!(!leftover.exists());
    assert_eq!(manager.all_logs().len(), 1);
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_spreads_partitions_over_log_dirs() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    let manager = start(&[&a, &b]);
    let tps: Vec<TopicPartition> = (0..4).map(|p| TopicPartition::new("spread", p)).collect();
    for tp in &tps {
        let log = manager.get_or_create_log(tp, None, None).unwrap();
        fill(&log, 1, 0);
    }
    let in_dir = |dir: &PathBuf| -> Vec<TopicPartition> {
        let mut found: Vec<_> = tps
            .iter()
            .filter(|tp| dir.join(tp.dir_name()).is_dir())
            .cloned()
            .collect();
        found.sort();
        found
    };
    let (in_a, in_b) = (in_dir(&a), in_dir(&b));
    assert_eq!((in_a.len(), in_b.len()), (2, 2), "a: {in_a:?}, b: {in_b:?}");
    manager.shutdown().unwrap();
    drop(manager);

    for (dir, owned) in [(&a, &in_a), (&b, &in_b)] {
        let mut listed = checkpoint_lines(&dir.join(RECOVERY_POINT_CHECKPOINT));
        listed.sort();
        let expected: Vec<String> = owned
            .iter()
            .map(|tp| format!("{} {} 3", tp.topic, tp.partition))
            .collect();
        assert_eq!(listed, expected, "{}", dir.display());
        assert!(dir.join(CLEAN_SHUTDOWN_FILE).exists());
    }
    let manager = start(&[&a, &b]);
    assert_eq!(manager.all_logs().len(), 4);
    for tp in &tps {
        assert_eq!(manager.get_log(tp).unwrap().log_end_offset(), 3, "{tp}");
    }
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_leader_epoch_checkpoint_after_epochs_0_then_3() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("epochs", 0);
    let log = manager.get_or_create_log(&tp, None, None).unwrap();
    fill(&log, 2, 0); // 0..=5
    fill(&log, 2, 3); // 6..=11
    let path = root.path().join("epochs-0").join(LEADER_EPOCH_CHECKPOINT);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "0\n2\n0 0\n3 6\n");
    assert_eq!(log.end_offset_for_epoch(0), Some((0, 6)));
    assert_eq!(log.end_offset_for_epoch(2), Some((0, 6)));
    assert_eq!(log.end_offset_for_epoch(3), Some((3, 12)));
    // An older epoch never goes back into the cache.
    fill(&log, 1, 1);
    assert_eq!(checkpoint_lines(&path), ["0 0", "3 6"]);
    manager.shutdown().unwrap();
    drop((manager, log));

    let manager = start(&[root.path()]);
    let log = manager.get_log(&tp).unwrap();
    assert_eq!(log.latest_epoch(), Some(3));
    assert_eq!(log.epoch_for_offset(5), Some(0));
    assert_eq!(log.epoch_for_offset(6), Some(3));
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_run_retention_deletes_expired_segments_and_their_files() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("old", 0);
    let cfg = LogConfig {
        retention_ms: DAY_MS,
        ..config(1024)
    };
    let log = manager.get_or_create_log(&tp, None, Some(cfg)).unwrap();
    let now = now_ms();
    for _ in 0..6 {
        append(&log, filler_batch(2, now - 10 * DAY_MS, 200), 0);
    }
    let segments = log.segment_count();
    assert!(segments > 2);
    assert_eq!(manager.run_retention(now).unwrap(), segments - 1);
    assert_eq!(log.segment_count(), 1);
    manager.checkpoint_all().unwrap();
    assert_eq!(
        checkpoint_lines(&root.path().join(LOG_START_OFFSET_CHECKPOINT)),
        [format!("old 0 {}", log.log_start_offset())]
    );
    // A later pass (or the shutdown) unlinks the `.deleted` files.
    manager.run_retention(now_ms() + 1).unwrap();
    let names = file_names(&root.path().join("old-0"));
    assert!(names.iter().all(|n| !n.ends_with(".deleted")), "{names:?}");
    assert_eq!(
        names.iter().filter(|n| n.ends_with(".log")).count(),
        1,
        "{names:?}"
    );
    manager.shutdown().unwrap();
}

/// With `file.delete.delay.ms=0` the files a retention pass renames are due at once,
/// so the same pass's `delete_due_files(now)` must unlink them. The due time must be
/// on the caller's clock (`now`), not the wall clock read later in `remove_segments`,
/// or a pass that started even a millisecond earlier leaves them for the next pass,
/// `log.retention.check.interval.ms` (5 minutes) later.
#[test]
fn test_log_manager_run_retention_with_zero_delete_delay_unlinks_files_in_the_same_pass() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("old", 0);
    let cfg = LogConfig {
        retention_ms: DAY_MS,
        file_delete_delay_ms: 0,
        ..config(1024)
    };
    let log = manager.get_or_create_log(&tp, None, Some(cfg)).unwrap();
    // The pass started a moment ago, as a pass over many logs does.
    let now = now_ms() - 100;
    for _ in 0..4 {
        append(&log, filler_batch(2, now - 10 * DAY_MS, 200), 0);
    }
    assert!(manager.run_retention(now).unwrap() > 0);
    let names = file_names(&root.path().join("old-0"));
    manager.shutdown().unwrap();
    assert!(names.iter().all(|n| !n.ends_with(".deleted")), "{names:?}");
}

#[test]
fn test_log_manager_run_cleaner_compacts_and_checkpoints_where_it_stopped() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("compacted", 0);
    let cfg = LogConfig {
        cleanup_policy: CleanupPolicy::COMPACT,
        ..config(600)
    };
    let log = manager.get_or_create_log(&tp, None, Some(cfg)).unwrap();
    for round in 0..10 {
        for key in 0..5 {
            append_kv(
                &log,
                now_ms(),
                &format!("k{key}"),
                Some(&format!("v{round}")),
            );
        }
    }
    let active = log.active_segment().base_offset();
    assert!(active > 0);
    let cleaned = manager.run_cleaner(now_ms(), true).unwrap();
    assert_eq!(cleaned.len(), 1);
    assert_eq!(cleaned[0].0, tp);
    assert_eq!(
        checkpoint_lines(&root.path().join(CLEANER_OFFSET_CHECKPOINT)),
        [format!("compacted 0 {active}")]
    );
    let survivors = read_records(&log);
    assert!(survivors.iter().filter(|r| r.offset < active).count() <= 5);
    // Nothing dirty is left below the active segment.
    assert!(manager.run_cleaner(now_ms(), true).unwrap().is_empty());
    manager.shutdown().unwrap();
    assert_eq!(
        checkpoint_lines(&root.path().join(CLEANER_OFFSET_CHECKPOINT)),
        [format!("compacted 0 {active}")]
    );
}

/// Kafka resets a partition's cleaner checkpoint when the log is truncated below it
/// (`LogCleanerManager.maybeTruncateCheckpoint`) or when it lies outside the log
/// (`cleanableOffsets`), so records written after the truncation are compacted. A
/// stale checkpoint past them treats them as already clean: their duplicates survive.
#[test]
fn test_log_manager_cleaner_compacts_records_written_after_truncation_below_its_checkpoint() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let tp = TopicPartition::new("compacted", 0);
    let cfg = LogConfig {
        cleanup_policy: CleanupPolicy::COMPACT,
        ..config(600)
    };
    let log = manager.get_or_create_log(&tp, None, Some(cfg)).unwrap();
    for round in 0..10 {
        for key in 0..5 {
            append_kv(
                &log,
                now_ms(),
                &format!("k{key}"),
                Some(&format!("v{round}")),
            );
        }
    }
    manager.run_cleaner(now_ms(), true).unwrap();
    let checkpointed = log.active_segment().base_offset();

    // A follower truncation far below the checkpoint, then a key written twice there.
    log.truncate_to(5).unwrap();
    let end = log.log_end_offset();
    assert!(end < checkpointed);
    append_kv(&log, now_ms(), "late", Some("first"));
    append_kv(&log, now_ms(), "late", Some("second"));
    let mut unique = 0;
    while log.active_segment().base_offset() <= checkpointed + 20 {
        append_kv(&log, now_ms(), &format!("unique-{unique}"), Some("x"));
        unique += 1;
    }
    manager.run_cleaner(now_ms(), true).unwrap();
    let late: Vec<_> = read_records(&log)
        .into_iter()
        .filter(|r| r.key.as_deref() == Some(b"late".as_slice()))
        .map(|r| r.value.unwrap())
        .collect();
    assert_eq!(
        late,
        [b"second".to_vec()],
        "the superseded value of `late` survived compaction"
    );
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_logs_refuse_appends_after_shutdown() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let log = manager
        .get_or_create_log(&TopicPartition::new("t", 0), None, None)
        .unwrap();
    fill(&log, 1, 0);
    manager.shutdown().unwrap();
    let mut batch = filler_batch(1, now_ms(), 10);
    assert!(matches!(
        log.append_as_leader(&mut batch, 0, fjord_storage::AppendOrigin::Client),
        Err(fjord_storage::StorageError::LogClosed(_))
    ));
    // A second shutdown is harmless.
    manager.shutdown().unwrap();
}

#[test]
fn test_log_manager_checkpoint_all_records_flushed_recovery_points() {
    let root = tempfile::tempdir().unwrap();
    let manager = start(&[root.path()]);
    let log = manager
        .get_or_create_log(&TopicPartition::new("t", 0), None, None)
        .unwrap();
    fill(&log, 4, 0);
    manager.checkpoint_all().unwrap();
    assert_eq!(
        checkpoint_lines(&root.path().join(RECOVERY_POINT_CHECKPOINT)),
        [format!("t 0 {}", log.recovery_point())]
    );
    log.flush_to(log.log_end_offset()).unwrap();
    manager.checkpoint_all().unwrap();
    assert_eq!(
        checkpoint_lines(&root.path().join(RECOVERY_POINT_CHECKPOINT)),
        ["t 0 12"]
    );
    manager.shutdown().unwrap();
}
