//! Transactions across restarts: a clean restart keeps ongoing transactions (producer
//! snapshots carry `current_txn_first_offset`) and the `.txnindex` files; an unclean one
//! (no close, a torn tail, a lost index write) rebuilds them by replaying the recovered
//! segments. A property test copies the directory after random steps, as a `kill -9`
//! would leave it, damages the copy, and checks that opening it gives the state the
//! surviving batches describe.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use fjord_storage::producer_snapshot;
use fjord_storage::{AbortedTxnEntry, LoadParams, Log};
use proptest::prelude::*;

/// What a partition's transactions look like from outside.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TxnState {
    log_end: i64,
    last_stable_offset: i64,
    ongoing: Vec<(i64, i64)>,
    index: Vec<AbortedTxnEntry>,
}

fn txn_state(log: &Log) -> TxnState {
    TxnState {
        log_end: log.log_end_offset(),
        last_stable_offset: log.last_stable_offset(),
        ongoing: log
            .ongoing_transactions()
            .into_iter()
            .map(|t| (t.producer_id, t.first_offset))
            .collect(),
        index: log
            .segments()
            .iter()
            .flat_map(|s| s.aborted_txns())
            .collect(),
    }
}

fn unclean(recovery_point: i64) -> LoadParams {
    LoadParams {
        had_clean_shutdown: false,
        recovery_point,
        log_start_offset: 0,
    }
}

/// Transactions across several segments: producer 1 open since the first segment,
/// 2 aborted, 3 committed, 4 aborted in a later segment, 5 open in the last one.
fn build_scenario(log: &Log) {
    append_txn(log, 1, 0, 0, 2);
    append_txn(log, 2, 0, 0, 1);
    append_marker(log, 2, 0, true);
    append_txn(log, 3, 0, 0, 1);
    append_kv(log, NOW, "k", Some("v"));
    append_marker(log, 3, 0, false);
    append_txn(log, 1, 0, 2, 1);
    append_txn(log, 4, 0, 0, 2);
    append_kv(log, NOW, "k", Some("v"));
    append_marker(log, 4, 0, true);
    append_txn(log, 5, 0, 0, 1);
    assert!(log.segment_count() >= 3, "the scenario spans segments");
}

fn txn_index_files(dir: &Path) -> Vec<String> {
    file_names(dir)
        .into_iter()
        .filter(|n| n.ends_with(".txnindex"))
        .collect()
}

#[test]
fn test_txn_clean_restart_keeps_open_transactions_and_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(260));
    build_scenario(&log);
    let before = txn_state(&log);
    assert_eq!(before.ongoing.len(), 2);
    assert_eq!(before.index.len(), 2);
    assert_eq!(before.last_stable_offset, 0);
    let files = txn_index_files(dir.path());
    log.close().unwrap();

    let snapshot = producer_snapshot::snapshot_path(dir.path(), before.log_end);
    let entries = producer_snapshot::read(&snapshot).unwrap().expect("intact");
    let txn_first: BTreeMap<i64, i64> = entries
        .iter()
        .map(|e| (e.producer_id, e.current_txn_first_offset))
        .collect();
    assert_eq!(txn_first[&1], 0);
    assert_eq!(txn_first[&2], -1);
    assert_eq!(txn_first[&5], before.ongoing[1].1);

    let log = open(dir.path(), config(260));
    assert_eq!(txn_state(&log), before);
    assert_eq!(txn_index_files(dir.path()), files);
    // Producer 1's transaction, begun before the restart, ends after it.
    let marker = append_marker(&log, 1, 0, true);
    let last = *txn_state(&log).index.last().unwrap();
    assert_eq!(
        (last.producer_id, last.first_offset, last.last_offset),
        (1, 0, marker)
    );
    assert_eq!(log.last_stable_offset(), before.ongoing[1].1);
}

#[test]
fn test_txn_unclean_restart_rebuilds_transactions_and_lost_index_entries() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(260));
    build_scenario(&log);
    let before = txn_state(&log);
    let active = log.active_segment().base_offset();
    drop(log);

    // From the recovery point at the active segment: older segments keep their index,
    // the active one (always recovered) is rebuilt even if its entries never made it.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), copy.path());
    for name in txn_index_files(copy.path()) {
        if name.starts_with(&format!("{active:020}")) {
            std::fs::remove_file(copy.path().join(name)).unwrap();
        }
    }
    let log = open_with(copy.path(), config(260), unclean(active));
    assert_eq!(txn_state(&log), before);

    // From offset 0 with every index file gone: all rebuilt from the log alone.
    let copy = tempfile::tempdir().unwrap();
    copy_dir(dir.path(), copy.path());
    for name in txn_index_files(copy.path()) {
        std::fs::remove_file(copy.path().join(name)).unwrap();
    }
    for (_, path) in producer_snapshot::list(copy.path()).unwrap() {
        std::fs::remove_file(path).unwrap();
    }
    let log = open_with(copy.path(), config(260), unclean(0));
    assert_eq!(txn_state(&log), before);
    assert_eq!(txn_index_files(copy.path()), txn_index_files(dir.path()));
}

#[test]
fn test_txn_unclean_restart_after_a_torn_marker_reopens_its_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20));
    append_txn(&log, 1, 0, 0, 2);
    append_txn(&log, 2, 0, 0, 1);
    let marker = append_marker(&log, 1, 0, true);
    assert_eq!(txn_state(&log).index.len(), 1);
    drop(log);

    let path = segment_path(dir.path(), 0, ".log");
    let len = std::fs::metadata(&path).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 5)
        .unwrap();
    let log = open_with(dir.path(), config(1 << 20), unclean(0));
    let state = txn_state(&log);
    assert_eq!(state.log_end, marker);
    assert_eq!(state.ongoing, vec![(1, 0), (2, 2)]);
    assert_eq!(state.index, vec![], "the torn marker's entry is gone");
    assert!(txn_index_files(dir.path()).is_empty());
    assert_eq!(state.last_stable_offset, 0);

    // The coordinator retries the marker.
    assert_eq!(append_marker(&log, 1, 0, true), marker);
    assert_eq!(
        txn_index_file_entries(&segment_path(dir.path(), 0, ".txnindex")),
        vec![(1, 0, marker, 2)]
    );
}

#[test]
fn test_txn_damaged_index_is_rebuilt_on_a_clean_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(260));
    build_scenario(&log);
    let before = txn_state(&log);
    log.close().unwrap();
    let name = txn_index_files(dir.path()).remove(0);
    let path = dir.path().join(&name);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&[0, 0, 0]);
    std::fs::write(&path, &bytes).unwrap();

    let log = open(dir.path(), config(260));
    assert_eq!(txn_state(&log), before);
    assert_eq!(
        std::fs::read(&path).unwrap().len() % 34,
        0,
        "rewritten whole"
    );
}

#[test]
fn test_txn_index_of_a_segment_swapped_in_by_the_loader_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(260));
    build_scenario(&log);
    let before = txn_state(&log);
    log.close().unwrap();
    let first_index = segment_path(dir.path(), 0, ".txnindex");
    assert!(first_index.exists());
    // A compaction that wrote its `.swap` (here: the same data) and crashed before the
    // swap; the replacement's `.txnindex.swap` never made it.
    std::fs::copy(
        segment_path(dir.path(), 0, ".log"),
        segment_path(dir.path(), 0, ".log.swap"),
    )
    .unwrap();
    std::fs::remove_file(&first_index).unwrap();

    let log = open(dir.path(), config(260));
    assert_eq!(txn_state(&log), before);
    assert!(first_index.exists());
    assert!(!file_names(dir.path()).iter().any(|n| n.ends_with(".swap")));
}

/// One step of the property test: each appends exactly one batch.
#[derive(Debug, Clone)]
enum Step {
    Data { producer: i64, count: usize },
    Plain,
    Marker { producer: i64, abort: bool },
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0i64..3, 1usize..3).prop_map(|(producer, count)| Step::Data { producer, count }),
        1 => Just(Step::Plain),
        3 => (0i64..3, any::<bool>()).prop_map(|(producer, abort)| Step::Marker { producer, abort }),
    ]
}

/// The expected transactional state, computed from the steps alone.
#[derive(Debug, Clone, Default)]
struct Model {
    end: i64,
    open: BTreeMap<i64, i64>,
    index: Vec<AbortedTxnEntry>,
}

impl Model {
    fn apply(&mut self, step: &Step) {
        match step {
            Step::Data { producer, count } => {
                self.open.entry(*producer).or_insert(self.end);
                self.end += *count as i64;
            }
            Step::Plain => self.end += 1,
            Step::Marker { producer, abort } => {
                if let Some(first) = self.open.remove(producer) {
                    if *abort {
                        let lso = self.open.values().min().copied().unwrap_or(self.end + 1);
                        self.index.push(AbortedTxnEntry {
                            producer_id: *producer,
                            first_offset: first,
                            last_offset: self.end,
                            last_stable_offset: lso,
                        });
                    }
                }
                self.end += 1;
            }
        }
    }

    fn state(&self) -> TxnState {
        let mut ongoing: Vec<(i64, i64)> = self.open.iter().map(|(p, f)| (*p, *f)).collect();
        ongoing.sort_by_key(|(_, first)| *first);
        TxnState {
            log_end: self.end,
            last_stable_offset: self.open.values().min().copied().unwrap_or(self.end),
            ongoing,
            index: self.index.clone(),
        }
    }
}

/// How a crash copy is damaged before it is opened.
#[derive(Debug, Clone)]
struct Crash {
    after_step: usize,
    /// Bytes cut from the active segment's log, as a fraction of its size.
    cut_fraction: Option<f64>,
    drop_last_index_entry: bool,
    drop_snapshots: bool,
}

fn run(log: &Log, seqs: &mut [i32; 3], step: &Step) {
    match step {
        Step::Data { producer, count } => {
            let p = *producer as usize;
            append_txn(log, *producer, 0, seqs[p], *count);
            seqs[p] += *count as i32;
        }
        Step::Plain => {
            append_kv(log, NOW, "k", Some("v"));
        }
        Step::Marker { producer, abort } => {
            append_marker(log, *producer, 0, *abort);
        }
    }
}

/// Copies the live directory, damages the copy as `crash` says, opens it uncleanly and
/// checks it against the model of the batches that survived.
fn check_crash_copy(live: &Log, crash: &Crash, models: &[Model]) -> Result<(), TestCaseError> {
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&live.dir(), copy.path());
    let active = live.active_segment().base_offset();
    if let Some(fraction) = crash.cut_fraction {
        let path = segment_path(copy.path(), active, ".log");
        let len = std::fs::metadata(&path).unwrap().len();
        let keep = (len as f64 * fraction) as u64;
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.set_len(keep).unwrap();
    }
    if crash.drop_last_index_entry {
        let path = segment_path(copy.path(), active, ".txnindex");
        if let Ok(meta) = std::fs::metadata(&path) {
            let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
            file.set_len(meta.len().saturating_sub(34)).unwrap();
        }
    }
    if crash.drop_snapshots {
        for (_, path) in producer_snapshot::list(copy.path()).unwrap() {
            std::fs::remove_file(path).unwrap();
        }
    }
    let log = open_with(copy.path(), config(300), unclean(live.recovery_point()));
    let state = txn_state(&log);
    let model = models.iter().find(|m| m.end == state.log_end);
    prop_assert!(
        model.is_some(),
        "log end {} is no step's end",
        state.log_end
    );
    prop_assert_eq!(&state, &model.unwrap().state());
    // A second, clean, restart of the recovered copy changes nothing.
    log.close().unwrap();
    let log = open(copy.path(), config(300));
    prop_assert_eq!(txn_state(&log), state);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn prop_txn_state_survives_restarts_and_crashes(
        steps in prop::collection::vec(step_strategy(), 1..40),
        crash_points in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::option::of(0.0f64..1.0), any::<bool>(), any::<bool>()),
            1..4,
        ),
        restarts in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        flush_at in any::<prop::sample::Index>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut log = open(dir.path(), config(300));
        let mut models = vec![Model::default()];
        let mut seqs = [0i32; 3];
        let crashes: Vec<Crash> = crash_points
            .iter()
            .map(|(at, cut, drop_entry, drop_snapshots)| Crash {
                after_step: at.index(steps.len()),
                cut_fraction: *cut,
                drop_last_index_entry: *drop_entry,
                drop_snapshots: *drop_snapshots,
            })
            .collect();
        let restart_at: Vec<usize> = restarts.iter().map(|i| i.index(steps.len())).collect();
        for (i, step) in steps.iter().enumerate() {
            run(&log, &mut seqs, step);
            let mut model = models.last().unwrap().clone();
            model.apply(step);
            models.push(model);
            prop_assert_eq!(txn_state(&log), models.last().unwrap().state());
            if i == flush_at.index(steps.len()) {
                log.flush_to(log.log_end_offset()).unwrap();
            }
            for crash in crashes.iter().filter(|c| c.after_step == i) {
                check_crash_copy(&log, crash, &models)?;
            }
            for (n, _) in restart_at.iter().enumerate().filter(|(_, at)| **at == i) {
                // Alternate clean closes and drops without close.
                let recovery_point = log.recovery_point();
                if n % 2 == 0 {
                    log.close().unwrap();
                    log = open(dir.path(), config(300));
                } else {
                    drop(log);
                    log = open_with(dir.path(), config(300), unclean(recovery_point));
                }
                prop_assert_eq!(txn_state(&log), models.last().unwrap().state());
            }
        }
        let end = log.log_end_offset();
        let index = &models.last().unwrap().index;
        for start in (0..=end).step_by(3) {
            for upper in (start..=end + 1).step_by(2) {
                let want: Vec<(i64, i64)> = index
                    .iter()
                    .filter(|t| t.last_offset >= start && t.first_offset < upper)
                    .map(|t| (t.producer_id, t.first_offset))
                    .collect();
                let got: Vec<(i64, i64)> = log
                    .collect_aborted_transactions(start, upper)
                    .into_iter()
                    .map(|t| (t.producer_id, t.first_offset))
                    .collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
