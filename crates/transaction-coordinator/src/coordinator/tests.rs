//! The transaction state machine over a real `__transaction_state` log; markers are
//! recorded by a stand-in for the broker's writer.

use std::sync::atomic::{AtomicI64, Ordering};

use fjord_storage::{LoadParams, LogConfig, TopicPartition};

use super::*;

/// (topic, partition, producer id, epoch, commit)
type Marker = (String, i32, i64, i16, bool);

#[derive(Default)]
struct Recorded {
    markers: Mutex<Vec<Marker>>,
    next_id: AtomicI64,
}

impl MarkerWriter for Recorded {
    fn write_marker(
        &self,
        topic: &str,
        partition: i32,
        pid: i64,
        epoch: i16,
        _: i32,
        commit: bool,
    ) -> Result<(), ErrorCode> {
        self.markers
            .lock()
            .push((topic.to_owned(), partition, pid, epoch, commit));
        Ok(())
    }
}

impl ProducerIdSource for Recorded {
    fn allocate_producer_id(&self) -> Result<i64, ErrorCode> {
        Ok(1000 + self.next_id.fetch_add(1, Ordering::SeqCst))
    }
}

struct Setup {
    dir: tempfile::TempDir,
    coordinator: TransactionCoordinator,
    env: Arc<Recorded>,
}

fn open(dir: &std::path::Path) -> Arc<Log> {
    let tp = TopicPartition::new("__transaction_state", 0);
    Arc::new(Log::open(dir, tp, LogConfig::default(), LoadParams::new_log()).expect("log"))
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Arc::new(Recorded::default());
    let coordinator = start(dir.path(), &env);
    Setup {
        dir,
        coordinator,
        env,
    }
}

fn start(dir: &std::path::Path, env: &Arc<Recorded>) -> TransactionCoordinator {
    let coordinator = TransactionCoordinator::new(TransactionConfig {
        num_partitions: 1,
        ..TransactionConfig::default()
    });
    coordinator.connect(env.clone(), env.clone());
    coordinator.load(0, open(dir), 3);
    coordinator
}

fn parts(list: &[(&str, i32)]) -> Vec<(String, i32)> {
    list.iter().map(|(t, p)| ((*t).to_owned(), *p)).collect()
}

#[test]
fn test_commit_writes_markers_to_every_partition() {
    let s = setup();
    let (pid, epoch) = s.coordinator.init_producer_id("tx", 60_000, None).unwrap();
    assert_eq!((pid, epoch), (1000, 0));
    s.coordinator
        .add_partitions("tx", pid, epoch, &parts(&[("a", 0), ("a", 1)]))
        .unwrap();
    s.coordinator
        .add_partitions("tx", pid, epoch, &parts(&[("b", 0)]))
        .unwrap();
    assert_eq!(
        s.coordinator.describe("tx").unwrap().state,
        TransactionState::Ongoing
    );
    s.coordinator
        .end_txn("tx", pid, epoch, true, false)
        .unwrap();
    let markers = s.env.markers.lock().clone();
    assert_eq!(markers.len(), 3);
    assert!(markers.iter().all(|m| m.2 == pid && m.3 == epoch && m.4));
    let m = s.coordinator.describe("tx").unwrap();
    assert_eq!(m.state, TransactionState::CompleteCommit);
    assert!(m.partitions.is_empty());
    // A retried EndTxn is answered the same; the opposite decision is refused.
    assert!(s.coordinator.end_txn("tx", pid, epoch, true, false).is_ok());
    assert_eq!(
        s.coordinator.end_txn("tx", pid, epoch, false, false),
        Err(ErrorCode::INVALID_TXN_STATE)
    );
}

#[test]
fn test_new_incarnation_fences_the_old_and_aborts_its_transaction() {
    let s = setup();
    let (pid, old) = s.coordinator.init_producer_id("tx", 60_000, None).unwrap();
    s.coordinator
        .add_partitions("tx", pid, old, &parts(&[("a", 0)]))
        .unwrap();
    let (pid2, new) = s.coordinator.init_producer_id("tx", 60_000, None).unwrap();
    assert_eq!(pid2, pid);
    assert!(
        new > old + 1,
        "one bump to fence and abort, one for the new producer"
    );
    let markers = s.env.markers.lock().clone();
    assert_eq!(markers, vec![("a".to_owned(), 0, pid, old + 1, false)]);
    assert_eq!(
        s.coordinator
            .add_partitions("tx", pid, old, &parts(&[("a", 0)])),
        Err(ErrorCode::PRODUCER_FENCED)
    );
    assert_eq!(
        s.coordinator.end_txn("tx", pid, old, true, false),
        Err(ErrorCode::PRODUCER_FENCED)
    );
}

#[test]
fn test_state_survives_a_restart_and_unfinished_commits_complete() {
    let s = setup();
    let (pid, epoch) = s.coordinator.init_producer_id("tx", 60_000, None).unwrap();
    s.coordinator
        .add_partitions("tx", pid, epoch, &parts(&[("a", 0)]))
        .unwrap();
    drop(s.coordinator);
    let again = start(s.dir.path(), &s.env);
    let m = again.describe("tx").unwrap();
    assert_eq!(
        (m.producer_id, m.producer_epoch, m.state),
        (pid, epoch, TransactionState::Ongoing)
    );
    again.end_txn("tx", pid, epoch, false, false).unwrap();
    drop(again);
    let third = start(s.dir.path(), &s.env);
    assert_eq!(
        third.describe("tx").unwrap().state,
        TransactionState::CompleteAbort
    );
}

#[test]
fn test_expired_transaction_is_aborted_with_a_fencing_epoch() {
    let s = setup();
    let (pid, epoch) = s.coordinator.init_producer_id("tx", 1, None).unwrap();
    s.coordinator
        .add_partitions("tx", pid, epoch, &parts(&[("a", 0)]))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    s.coordinator.tick();
    let m = s.coordinator.describe("tx").unwrap();
    assert_eq!(m.state, TransactionState::CompleteAbort);
    assert_eq!(m.producer_epoch, epoch + 1);
    assert_eq!(
        s.env.markers.lock().clone(),
        vec![("a".to_owned(), 0, pid, epoch + 1, false)]
    );
    assert_eq!(
        s.coordinator.end_txn("tx", pid, epoch, true, false),
        Err(ErrorCode::PRODUCER_FENCED)
    );
}

#[test]
fn test_requests_kafka_refuses() {
    let s = setup();
    assert_eq!(
        s.coordinator.init_producer_id("tx", 0, None),
        Err(ErrorCode::INVALID_TRANSACTION_TIMEOUT)
    );
    assert_eq!(
        s.coordinator.init_producer_id("tx", 900_001, None),
        Err(ErrorCode::INVALID_TRANSACTION_TIMEOUT)
    );
    assert_eq!(
        s.coordinator.add_partitions("nope", 1, 0, &[]),
        Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING)
    );
    let (pid, epoch) = s.coordinator.init_producer_id("tx", 1000, None).unwrap();
    assert_eq!(
        s.coordinator.end_txn("tx", pid, epoch, true, false),
        Err(ErrorCode::INVALID_TXN_STATE)
    );
    assert_eq!(
        s.coordinator
            .init_producer_id("tx", 1000, Some((pid + 5, 0))),
        Err(ErrorCode::PRODUCER_FENCED)
    );
    let verified = s
        .coordinator
        .verify_partitions("tx", pid, epoch, &parts(&[("a", 0)]))
        .unwrap();
    assert_eq!(verified, vec![ErrorCode::INVALID_TXN_STATE]);
}

#[test]
fn test_end_txn_v5_ends_at_the_next_epoch() {
    let s = setup();
    let (pid, epoch) = s.coordinator.init_producer_id("tx", 60_000, None).unwrap();
    s.coordinator
        .add_partitions("tx", pid, epoch, &parts(&[("a", 0)]))
        .unwrap();
    let (pid2, next) = s.coordinator.end_txn("tx", pid, epoch, true, true).unwrap();
    assert_eq!((pid2, next), (pid, epoch + 1));
    assert_eq!(
        s.env.markers.lock().clone(),
        vec![("a".to_owned(), 0, pid, epoch + 1, true)]
    );
    // A retry with the old epoch gets the same answer; the new epoch runs the next one.
    assert_eq!(
        s.coordinator.end_txn("tx", pid, epoch, true, true),
        Ok((pid, next))
    );
    s.coordinator
        .add_partitions("tx", pid, next, &parts(&[("a", 0)]))
        .unwrap();
    assert_eq!(
        s.coordinator
            .add_partitions("tx", pid, epoch, &parts(&[("a", 0)])),
        Err(ErrorCode::PRODUCER_FENCED)
    );
}
