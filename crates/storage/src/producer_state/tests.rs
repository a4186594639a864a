//! Unit tests of the producer state: sequences, epochs, transactions, snapshots.

use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::CompressionType;

use super::*;
fn batch(pid: i64, epoch: i16, seq: i32, count: i32, offset: i64) -> Vec<u8> {
    let mut b =
        RecordBatchBuilder::new(CompressionType::None, offset, 0).with_producer(pid, epoch, seq);
    for i in 0..count {
        b.append(i, 0, None, Some(b"v"), &[]);
    }
    b.build().unwrap()
}

fn check(state: &ProducerStateManager, bytes: &[u8]) -> Result<SequenceCheck, ProducerStateError> {
    state.check(&RecordBatch::parse_exact(bytes).unwrap())
}

#[test]
fn test_producer_state_sequences_duplicates_and_epochs() {
    let mut state = ProducerStateManager::default();
    let first = batch(7, 0, 0, 3, 0);
    assert_eq!(check(&state, &first), Ok(SequenceCheck::Append));
    state.update(&RecordBatch::parse_exact(&first).unwrap());
    // A retry of the same batch is a duplicate with its original offsets.
    let Ok(SequenceCheck::Duplicate(meta)) = check(&state, &batch(7, 0, 0, 3, 99)) else {
        panic!()
    };
    assert_eq!((meta.first_offset, meta.last_offset), (0, 2));
    // A gap is out of order; the next sequence is fine.
    assert!(matches!(
        check(&state, &batch(7, 0, 5, 1, 0)),
        Err(ProducerStateError::OutOfOrderSequence { expected: 3, .. })
    ));
    assert_eq!(
        check(&state, &batch(7, 0, 3, 1, 0)),
        Ok(SequenceCheck::Append)
    );
    // A new epoch must start at 0; an old one is fenced.
    assert!(matches!(
        check(&state, &batch(7, 1, 3, 1, 0)),
        Err(ProducerStateError::OutOfOrderSequence { .. })
    ));
    state.update(&RecordBatch::parse_exact(&batch(7, 1, 0, 1, 3)).unwrap());
    assert!(matches!(
        check(&state, &batch(7, 0, 3, 1, 0)),
        Err(ProducerStateError::InvalidProducerEpoch { .. })
    ));
    // An unknown producer may start anywhere.
    assert_eq!(
        check(&state, &batch(8, 0, 42, 1, 0)),
        Ok(SequenceCheck::Append)
    );
}

#[test]
fn test_producer_state_keeps_five_batches_and_wraps_sequences() {
    let mut state = ProducerStateManager::default();
    for i in 0..7 {
        state.update(&RecordBatch::parse_exact(&batch(1, 0, i, 1, i as i64)).unwrap());
    }
    assert_eq!(
        check(&state, &batch(1, 0, 1, 1, 0)).map_err(|_| ()),
        Err(())
    );
    assert!(matches!(
        check(&state, &batch(1, 0, 2, 1, 0)),
        Ok(SequenceCheck::Duplicate(_))
    ));
    let mut state = ProducerStateManager::default();
    state.update(&RecordBatch::parse_exact(&batch(1, 0, i32::MAX, 1, 0)).unwrap());
    assert_eq!(
        check(&state, &batch(1, 0, 0, 1, 1)),
        Ok(SequenceCheck::Append)
    );
}

fn txn_data(state: &mut ProducerStateManager, pid: i64, epoch: i16, seq: i32, offset: i64) {
    state.record_data(DataBatch {
        producer_id: pid,
        epoch,
        base_sequence: seq,
        last_offset_delta: 1,
        base_offset: offset,
        max_timestamp: 10,
        transactional: true,
    });
}

#[test]
fn test_producer_state_transactions_start_extend_and_complete() {
    let mut state = ProducerStateManager::default();
    txn_data(&mut state, 1, 0, 0, 0);
    txn_data(&mut state, 2, 0, 0, 2);
    txn_data(&mut state, 1, 0, 2, 4);
    assert_eq!(state.first_unstable_offset(), Some(0));
    assert_eq!(
        state.current_txn_first_offset(1),
        Some(0),
        "extended, not restarted"
    );
    assert_eq!(
        state.ongoing_transactions(),
        vec![
            OngoingTxn {
                producer_id: 1,
                first_offset: 0
            },
            OngoingTxn {
                producer_id: 2,
                first_offset: 2
            }
        ]
    );

    let done = state
        .record_marker(1, 0, &EndTxnMarker::abort(3), 6, 20)
        .unwrap();
    assert_eq!(
        done,
        CompletedTxn {
            producer_id: 1,
            first_offset: 0,
            last_offset: 6,
            aborted: true
        }
    );
    assert_eq!(
        state.last_stable_offset_of(&done),
        2,
        "producer 2 is still open"
    );
    assert_eq!(
        state.first_unstable_offset(),
        Some(0),
        "unstable until completed"
    );
    state.complete_txn(&done);
    assert_eq!(state.first_unstable_offset(), Some(2));

    let done = state
        .record_marker(2, 0, &EndTxnMarker::commit(3), 7, 20)
        .unwrap();
    assert!(!done.aborted);
    assert_eq!(state.last_stable_offset_of(&done), 8);
    state.complete_txn(&done);
    assert_eq!(state.first_unstable_offset(), None);
    // A marker without a transaction ends nothing.
    assert_eq!(
        state.record_marker(2, 0, &EndTxnMarker::abort(3), 8, 20),
        None
    );
}

#[test]
fn test_producer_state_marker_epochs_bump_and_fence() {
    let mut state = ProducerStateManager::default();
    txn_data(&mut state, 5, 2, 0, 0);
    assert!(matches!(
        state.check_epoch(5, 1),
        Err(ProducerStateError::InvalidProducerEpoch { current: 2, .. })
    ));
    assert_eq!(state.check_epoch(5, 3), Ok(()));
    // A marker with a newer epoch (KIP-890) bumps the producer: its next batch is at
    // that epoch and starts at sequence 0.
    state.record_marker(5, 3, &EndTxnMarker::commit(0), 2, 20);
    assert_eq!(state.epoch_of(5), Some(3));
    assert!(matches!(
        check(&state, &batch(5, 2, 2, 1, 0)),
        Err(ProducerStateError::InvalidProducerEpoch { .. })
    ));
    assert!(matches!(
        check(&state, &batch(5, 3, 2, 1, 0)),
        Err(ProducerStateError::OutOfOrderSequence { expected: 0, .. })
    ));
    assert_eq!(
        check(&state, &batch(5, 3, 0, 1, 0)),
        Ok(SequenceCheck::Append)
    );
}

#[test]
fn test_producer_state_snapshot_keeps_transactions_and_markers() {
    let mut state = ProducerStateManager::default();
    txn_data(&mut state, 1, 0, 0, 0);
    txn_data(&mut state, 2, 0, 0, 2);
    state.record_marker(2, 1, &EndTxnMarker::commit(9), 4, 30);
    state.record_marker(3, 4, &EndTxnMarker::abort(9), 5, 31);
    let entries = state.snapshot_entries();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0].current_txn_first_offset, 0);
    assert_eq!(
        (entries[1].epoch, entries[1].coordinator_epoch),
        (1, 9),
        "the marker's epochs"
    );
    assert_eq!(
        (entries[1].last_sequence, entries[1].last_offset),
        (-1, -1),
        "the bump forgot the old epoch's batches"
    );
    assert_eq!(entries[2].current_txn_first_offset, -1);

    let restored = ProducerStateManager::from_snapshot(&entries);
    assert_eq!(restored.snapshot_entries(), entries);
    assert_eq!(restored.first_unstable_offset(), Some(0));
    assert_eq!(restored.current_txn_first_offset(1), Some(0));
    assert_eq!(
        check(&restored, &batch(1, 0, 2, 1, 0)),
        Ok(SequenceCheck::Append)
    );
}

#[test]
fn test_producer_state_truncate_head_keeps_open_transactions() {
    let mut state = ProducerStateManager::default();
    txn_data(&mut state, 1, 0, 0, 0);
    state.update(&RecordBatch::parse_exact(&batch(2, 0, 0, 1, 2)).unwrap());
    state.truncate_head(10);
    assert_eq!(state.producer_count(), 1);
    assert_eq!(state.first_unstable_offset(), Some(0));
    state.clear();
    assert_eq!(state.first_unstable_offset(), None);
}
