//! Transactions on the partition side: ongoing transactions and the last stable offset,
//! the aborted transaction index (`.txnindex`), marker epochs, and how retention,
//! truncation and compaction treat them. Restarts are in `transactions_recovery.rs`.

mod common;

use common::*;
use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::CompressionType;
use fjord_storage::cleaner::clean_log;
use fjord_storage::producer_state::ProducerStateError;
use fjord_storage::{AppendOrigin, CleanupPolicy, LogConfig, StorageError};

/// `(producer id, first offset)` of the aborted transactions overlapping `[start, upper)`.
fn aborted(log: &fjord_storage::Log, start: i64, upper: i64) -> Vec<(i64, i64)> {
    log.collect_aborted_transactions(start, upper)
        .into_iter()
        .map(|t| (t.producer_id, t.first_offset))
        .collect()
}

fn ongoing(log: &fjord_storage::Log) -> Vec<(i64, i64)> {
    log.ongoing_transactions()
        .into_iter()
        .map(|t| (t.producer_id, t.first_offset))
        .collect()
}

/// Base offsets of the batches a `read_committed` fetch from `start` gets.
fn read_committed_batches(log: &fjord_storage::Log, start: i64) -> Vec<i64> {
    let info = log
        .read(start, 1 << 20, Some(log.last_stable_offset()), true)
        .expect("read");
    let Some(slice) = info.records else {
        return Vec::new();
    };
    let bytes = slice.read_to_vec().expect("slice");
    fjord_protocol::record_batch::BatchIter::new(&bytes)
        .map(|b| b.expect("batch").base_offset())
        .collect()
}

#[test]
fn test_txn_last_stable_offset_with_interleaved_transactions_of_two_producers() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20));
    assert_eq!(
        (log.last_stable_offset(), log.first_unstable_offset()),
        (0, None)
    );
    assert_eq!(append_kv(&log, NOW, "plain", Some("v")), 0);
    assert_eq!(append_txn(&log, 1, 0, 0, 2), 1);
    assert_eq!(log.last_stable_offset(), 1);
    assert_eq!(append_txn(&log, 2, 0, 0, 1), 3);
    assert_eq!(
        append_txn(&log, 1, 0, 2, 1),
        4,
        "extends producer 1's transaction"
    );
    assert_eq!(append_kv(&log, NOW, "plain", Some("w")), 5);
    assert_eq!(log.first_unstable_offset(), Some(1));
    assert_eq!(log.last_stable_offset(), 1);
    assert_eq!(ongoing(&log), vec![(1, 1), (2, 3)]);
    assert_eq!(read_committed_batches(&log, 0), vec![0], "stops at the LSO");

    assert_eq!(append_marker(&log, 1, 0, false), 6);
    assert_eq!(log.last_stable_offset(), 3, "producer 2 is still open");
    assert_eq!(
        append_txn(&log, 1, 0, 3, 1),
        7,
        "producer 1's next transaction"
    );
    assert_eq!(log.last_stable_offset(), 3);
    assert_eq!(append_marker(&log, 2, 0, true), 8);
    assert_eq!(log.last_stable_offset(), 7);
    assert_eq!(append_marker(&log, 1, 0, false), 9);
    assert_eq!(
        (log.last_stable_offset(), log.first_unstable_offset()),
        (10, None)
    );
    assert_eq!(ongoing(&log), vec![]);
    assert_eq!(
        read_committed_batches(&log, 0),
        vec![0, 1, 3, 4, 5, 6, 7, 8, 9]
    );
    assert_eq!(aborted(&log, 0, 10), vec![(2, 3)]);
    assert_eq!(
        txn_index_file_entries(&segment_path(dir.path(), 0, ".txnindex")),
        vec![(2, 3, 8, 7)],
        "producer 1's transaction at 7 was open when producer 2 aborted"
    );
}

#[test]
fn test_txn_abort_writes_an_index_entry_and_commit_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20));
    let index = segment_path(dir.path(), 0, ".txnindex");
    append_txn(&log, 1, 0, 0, 2);
    assert_eq!(append_marker(&log, 1, 0, false), 2);
    assert!(!index.exists(), "no file before the first abort");
    // Markers for producers without a transaction here end nothing.
    append_marker(&log, 3, 0, true);
    append(&log, idempotent_batch(5, 0, 0), 0);
    append_marker(&log, 5, 0, true);
    assert!(!index.exists());

    assert_eq!(append_txn(&log, 1, 0, 2, 1), 6);
    assert_eq!(append_marker(&log, 1, 0, true), 7);
    assert_eq!(txn_index_file_entries(&index), vec![(1, 6, 7, 8)]);
    let segment = &log.segments()[0];
    assert_eq!(segment.txn_index_path(), index);
    assert_eq!(aborted(&log, 0, 8), vec![(1, 6)]);
    assert_eq!(log.last_stable_offset(), 8);
}

fn idempotent_batch(pid: i64, epoch: i16, seq: i32) -> Vec<u8> {
    let mut builder =
        RecordBatchBuilder::new(CompressionType::None, 0, NOW).with_producer(pid, epoch, seq);
    builder.append(0, NOW, None, Some(b"v"), &[]);
    builder.build().unwrap()
}

#[test]
fn test_txn_collect_aborted_transactions_over_ranges_and_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(260));
    // (producer, first offset, marker offset) of every aborted transaction.
    let mut expected: Vec<(i64, i64, i64)> = Vec::new();
    let mut seq = [0i32; 3];
    let mut first: [Option<i64>; 3] = [None; 3];
    for round in 0..30 {
        let pid = (round * 7 % 3) as usize;
        if first[pid].is_some() && round % 2 == 1 {
            let abort = round % 4 != 3;
            let offset = append_marker(&log, pid as i64, 0, abort);
            let start = first[pid].take().unwrap();
            if abort {
                expected.push((pid as i64, start, offset));
            }
        } else {
            let offset = append_txn(&log, pid as i64, 0, seq[pid], 2);
            seq[pid] += 2;
            first[pid].get_or_insert(offset);
        }
    }
    let end = log.log_end_offset();
    assert!(log.segment_count() > 5);
    let files = file_names(dir.path())
        .into_iter()
        .filter(|n| n.ends_with(".txnindex"))
        .count();
    assert!(files > 1, "entries spread over several segments");
    for segment in log.segments() {
        let next = log
            .segments()
            .iter()
            .map(|s| s.base_offset())
            .find(|b| *b > segment.base_offset())
            .unwrap_or(end);
        for txn in segment.aborted_txns() {
            assert!(
                (segment.base_offset()..next).contains(&txn.last_offset),
                "an entry belongs to its marker's segment"
            );
        }
    }
    for start in 0..=end {
        for upper in start..=end + 1 {
            let want: Vec<(i64, i64)> = expected
                .iter()
                .filter(|(_, f, l)| *l >= start && *f < upper)
                .map(|(p, f, _)| (*p, *f))
                .collect();
            assert_eq!(
                aborted(&log, start, upper),
                want,
                "range [{start}, {upper})"
            );
        }
    }
}

#[test]
fn test_txn_marker_with_a_stale_epoch_is_refused_and_a_newer_one_bumps() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20));
    append_txn(&log, 7, 3, 0, 2);
    let stale = try_append_marker(&log, 7, 2, true);
    assert!(
        matches!(
            stale,
            Err(StorageError::Producer(
                ProducerStateError::InvalidProducerEpoch {
                    producer_id: 7,
                    epoch: 2,
                    current: 3
                }
            ))
        ),
        "{stale:?}"
    );
    assert_eq!(log.log_end_offset(), 2, "nothing appended");
    assert_eq!(log.last_stable_offset(), 0);
    let by_client = log.append_as_leader(&mut marker_batch(7, 3, true, 0), 0, AppendOrigin::Client);
    assert!(matches!(by_client, Err(StorageError::InvalidRecord(_))));

    // KIP-890: the marker carries the bumped epoch, which the producer then uses from
    // sequence 0; its old epoch is fenced.
    assert_eq!(append_marker(&log, 7, 4, true), 2);
    assert_eq!(log.last_stable_offset(), 3);
    assert_eq!(aborted(&log, 0, 3), vec![(7, 0)]);
    let old = log.append_as_leader(&mut txn_batch(7, 3, 2, 1), 0, AppendOrigin::Client);
    assert!(matches!(
        old,
        Err(StorageError::Producer(
            ProducerStateError::InvalidProducerEpoch { .. }
        ))
    ));
    let gap = log.append_as_leader(&mut txn_batch(7, 4, 5, 1), 0, AppendOrigin::Client);
    assert!(matches!(
        gap,
        Err(StorageError::Producer(
            ProducerStateError::OutOfOrderSequence { expected: 0, .. }
        ))
    ));
    assert_eq!(append_txn(&log, 7, 4, 0, 1), 3);
    assert_eq!(log.last_stable_offset(), 3);
    assert_eq!(append_marker(&log, 7, 4, false), 4);
    assert_eq!(log.last_stable_offset(), 5);
    // A coordinator's transactional data (offsets in a transaction) is fenced too.
    let fenced = log.append_as_leader(&mut txn_batch(7, 1, 0, 1), 0, AppendOrigin::Coordinator);
    assert!(matches!(fenced, Err(StorageError::Producer(_))));
    // A producer's control batch must be a transaction marker (here: LEADER_CHANGE).
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, NOW)
        .with_producer(7, 4, -1)
        .with_control(true);
    builder.append(0, NOW, Some(&[0, 0, 0, 2]), Some(b"x"), &[]);
    let not_a_marker =
        log.append_as_leader(&mut builder.build().unwrap(), 0, AppendOrigin::Coordinator);
    assert!(matches!(not_a_marker, Err(StorageError::InvalidRecord(_))));
    assert_eq!(log.log_end_offset(), 5);
}

#[test]
fn test_txn_retention_removes_index_files_with_their_segments() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(260));
    append_txn(&log, 9, 0, 0, 1); // never completed: outlives its segment
    append_txn(&log, 1, 0, 0, 1);
    let first_abort = append_marker(&log, 1, 0, true);
    let mut seq = 1;
    while log.segment_count() < 5 {
        append_txn(&log, 1, 0, seq, 1);
        seq += 1;
        append_marker(&log, 1, 0, true);
    }
    let bases = segment_bases(&log);
    assert!(segment_path(dir.path(), 0, ".txnindex").exists());
    assert!(first_abort < bases[1]);
    let before = aborted(&log, 0, log.log_end_offset());

    log.delete_records_before(bases[2]).unwrap();
    log.delete_due_files(NOW, true).unwrap();
    let names: Vec<String> = file_names(dir.path())
        .into_iter()
        .filter(|n| !n.ends_with(".snapshot"))
        .collect();
    for base in &bases[..2] {
        let stem = format!("{base:020}");
        assert!(
            !names.iter().any(|n| n.starts_with(&stem)),
            "{stem} files remain: {names:?}"
        );
    }
    assert!(segment_path(dir.path(), bases[2], ".txnindex").exists());
    let after = aborted(&log, bases[2], log.log_end_offset());
    assert!(after.len() < before.len() && !after.is_empty());
    // Producer 9's transaction began below the log start: the LSO is held there.
    assert_eq!(ongoing(&log), vec![(9, 0)]);
    assert_eq!(log.first_unstable_offset(), Some(bases[2]));
    assert_eq!(log.last_stable_offset(), bases[2]);
    let marker = append_marker(&log, 9, 0, true);
    assert_eq!(log.last_stable_offset(), marker + 1);
    assert!(aborted(&log, bases[2], marker + 1).contains(&(9, 0)));
}

#[test]
fn test_txn_truncation_cuts_the_index_and_reopens_transactions() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(1 << 20));
    let index = segment_path(dir.path(), 0, ".txnindex");
    append_txn(&log, 1, 0, 0, 2); // 0..=1
    assert_eq!(append_marker(&log, 1, 0, true), 2);
    append_txn(&log, 2, 0, 0, 1); // 3
    assert_eq!(append_marker(&log, 2, 0, true), 4);
    append_txn(&log, 1, 0, 2, 1); // 5
    assert_eq!(
        txn_index_file_entries(&index),
        vec![(1, 0, 2, 3), (2, 3, 4, 5)]
    );

    log.truncate_to(4).unwrap();
    assert_eq!(txn_index_file_entries(&index), vec![(1, 0, 2, 3)]);
    assert_eq!(ongoing(&log), vec![(2, 3)], "its marker is gone");
    assert_eq!(log.last_stable_offset(), 3);
    assert_eq!(append_marker(&log, 2, 0, true), 4);
    assert_eq!(
        txn_index_file_entries(&index),
        vec![(1, 0, 2, 3), (2, 3, 4, 5)]
    );

    // Inside the first batch: the whole batch goes, and with it every entry.
    log.truncate_to(1).unwrap();
    assert_eq!(log.log_end_offset(), 0);
    assert_eq!(txn_index_file_entries(&index), vec![]);
    assert_eq!(aborted(&log, 0, 10), vec![]);
    assert_eq!((log.last_stable_offset(), ongoing(&log)), (0, vec![]));
}

#[test]
fn test_txn_truncation_removes_later_segments_with_their_index() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), config(260));
    let mut seq = 0;
    while log.segment_count() < 4 {
        append_txn(&log, 1, 0, seq, 1);
        seq += 1;
        append_marker(&log, 1, 0, true);
    }
    let bases = segment_bases(&log);
    log.truncate_to(bases[1] + 1).unwrap();
    log.delete_due_files(NOW, true).unwrap();
    for base in &bases[2..] {
        assert!(!segment_path(dir.path(), *base, ".txnindex").exists());
        assert!(!segment_path(dir.path(), *base, ".txnindex.deleted").exists());
    }
    let end = log.log_end_offset();
    for segment in log.segments() {
        assert!(segment.aborted_txns().iter().all(|t| t.last_offset < end));
    }
}

#[test]
fn test_txn_compaction_keeps_the_index_ignores_aborted_records_and_stops_at_the_lso() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = LogConfig {
        cleanup_policy: CleanupPolicy::COMPACT,
        ..config(300)
    };
    let log = open(dir.path(), cfg);
    let keyed_txn = |pid: i64, seq: i32, value: &str| {
        let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, NOW)
            .with_producer(pid, 0, seq)
            .with_transactional(true);
        builder.append(0, NOW, Some(b"k"), Some(value.as_bytes()), &[]);
        append(&log, builder.build().unwrap(), 0).first_offset
    };
    let committed = append_kv(&log, NOW, "k", Some("committed"));
    let aborted_write = keyed_txn(1, 0, "aborted");
    append_marker(&log, 1, 0, true);
    let mut filler = 0;
    while log.segment_count() < 3 {
        append_kv(&log, NOW, &format!("f{filler}"), Some("x"));
        filler += 1;
    }
    // An open transaction in a sealed segment: that segment and later stay dirty.
    let open_write = keyed_txn(2, 0, "open");
    while log.segment_count() < 5 {
        append_kv(&log, NOW, &format!("f{filler}"), Some("x"));
        filler += 1;
    }
    let open_segment = segment_bases(&log)
        .into_iter()
        .rfind(|b| *b <= open_write)
        .unwrap();
    let end = log.log_end_offset();
    let before = aborted(&log, 0, end);
    assert_eq!(before, vec![(1, aborted_write)]);

    let result = clean_log(&log, 0, NOW).unwrap().expect("cleaned");
    assert_eq!(
        result.first_dirty_offset, open_segment,
        "stops below the LSO"
    );
    let records = read_records(&log);
    let values: Vec<_> = records
        .iter()
        .filter(|r| r.key.as_deref() == Some(b"k".as_slice()))
        .map(|r| (r.offset, r.value.clone().unwrap()))
        .collect();
    assert_eq!(
        values,
        vec![
            (committed, b"committed".to_vec()),
            (aborted_write, b"aborted".to_vec()),
            (open_write, b"open".to_vec()),
        ],
        "an aborted record supersedes nothing; the open one is not cleaned"
    );
    assert_eq!(aborted(&log, 0, end), before);
    log.delete_due_files(NOW, true).unwrap();
    let names = file_names(dir.path());
    assert!(names.contains(&format!("{:020}.txnindex", 0)), "{names:?}");
    assert!(!names
        .iter()
        .any(|n| n.ends_with(".cleaned") || n.ends_with(".swap") || n.ends_with(".deleted")));
    assert_eq!(log.last_stable_offset(), open_write);
}

/// What a `read_committed` reader relies on, checked while a writer appends: every
/// transactional batch below the LSO has its marker (perhaps above the LSO), and if that
/// is an ABORT, the index listed the transaction when the LSO was read.
fn check_read_committed_view(log: &fjord_storage::Log) {
    let lso = log.last_stable_offset();
    let aborted = log.collect_aborted_transactions(0, lso);
    // (producer, offset, transactional, Some(abort) for a marker), read after the LSO.
    let mut batches = Vec::new();
    let mut next = 0;
    let mut read = Vec::new();
    // Not `read_batches`: the log grows meanwhile, so an empty read just ends the walk.
    while let Some(slice) = log.read(next, 1 << 20, None, true).unwrap().records {
        let bytes = slice.read_to_vec().unwrap();
        for batch in fjord_protocol::record_batch::BatchIter::new(&bytes) {
            let batch = batch.unwrap();
            next = batch.next_offset();
            read.push(batch.as_bytes().to_vec());
        }
    }
    for bytes in read {
        let batch = fjord_protocol::RecordBatch::parse_exact(&bytes).unwrap();
        let abort = batch.is_control().then(|| {
            let records = fjord_protocol::records::BatchRecords::decode(&batch).unwrap();
            let record = records.iter().next().unwrap().unwrap();
            record.key.unwrap()[3] == 0
        });
        batches.push((
            batch.producer_id(),
            batch.base_offset(),
            batch.is_transactional(),
            abort,
        ));
    }
    for (i, (pid, offset, transactional, control)) in batches.iter().enumerate() {
        if *offset >= lso || !*transactional || control.is_some() {
            continue;
        }
        let marker = batches[i..]
            .iter()
            .find(|(p, _, _, c)| p == pid && c.is_some());
        let Some((_, marker_offset, _, Some(abort))) = marker else {
            panic!("open transaction batch of {pid} at {offset} below the LSO {lso}");
        };
        if *abort {
            assert!(
                aborted
                    .iter()
                    .any(|t| t.producer_id == *pid && t.first_offset <= *offset),
                "aborted batch of {pid} at {offset} (marker {marker_offset}) not indexed below LSO {lso}"
            );
        }
    }
}

#[test]
fn test_txn_readers_never_see_unstable_or_unindexed_aborted_records() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::sync::Arc::new(open(dir.path(), config(2000)));
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (log, done) = (log.clone(), done.clone());
        std::thread::spawn(move || {
            let mut checks = 0;
            while !done.load(std::sync::atomic::Ordering::Acquire) || checks == 0 {
                check_read_committed_view(&log);
                checks += 1;
            }
            checks
        })
    };
    let mut seqs = [0i32; 3];
    for round in 0..400usize {
        let pid = round % 3;
        if round % 5 >= 3 {
            append_marker(&log, pid as i64, 0, round % 2 == 0);
        } else {
            append_txn(&log, pid as i64, 0, seqs[pid], 1);
            seqs[pid] += 1;
        }
    }
    done.store(true, std::sync::atomic::Ordering::Release);
    assert!(reader.join().unwrap() > 0);
    check_read_committed_view(&log);
}
