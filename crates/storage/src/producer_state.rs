//! Idempotent producer state: per producer id, its epoch and the sequence numbers of
//! its last five batches (Kafka's duplicate window).
//!
//! Checks, as Kafka's `ProducerAppendInfo` makes them for client appends:
//! - an epoch older than the producer's current one is fenced (INVALID_PRODUCER_EPOCH);
//! - a newer epoch must start at sequence 0;
//! - within an epoch, a batch's first sequence follows the last one (wrapping at
//!   `i32::MAX`), else OUT_OF_ORDER_SEQUENCE_NUMBER;
//! - a batch whose sequences match one of the last five is a retry: it is not
//!   appended again and gets the offsets it got the first time;
//! - a producer with no state here (new, or its batches removed by retention) may
//!   start at any sequence.
//!
//! The state is rebuilt from batch headers when a log is opened or truncated. Not
//! thread-safe on its own; the log keeps it under its append lock.

use std::collections::{HashMap, VecDeque};

use fjord_protocol::RecordBatch;

/// Batches remembered per producer for duplicate detection.
pub const BATCHES_TO_RETAIN: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchMetadata {
    pub first_seq: i32,
    pub last_seq: i32,
    pub first_offset: i64,
    pub last_offset: i64,
    pub max_timestamp: i64,
}

#[derive(Debug, Clone, Default)]
struct ProducerEntry {
    epoch: i16,
    batches: VecDeque<BatchMetadata>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProducerStateError {
    #[error("producer {producer_id}'s epoch {epoch} is older than its current epoch {current}")]
    InvalidProducerEpoch {
        producer_id: i64,
        epoch: i16,
        current: i16,
    },
    #[error("out of order sequence number for producer {producer_id} at epoch {epoch}: {found} (expected {expected})")]
    OutOfOrderSequence {
        producer_id: i64,
        epoch: i16,
        found: i32,
        expected: i32,
    },
}

/// What to do with an idempotent batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceCheck {
    Append,
    /// A retry of a batch already in the log, with the offsets it got then.
    Duplicate(BatchMetadata),
}

#[derive(Debug, Default)]
pub struct ProducerStateManager {
    producers: HashMap<i64, ProducerEntry>,
}

/// The sequence numbers a batch covers: `[base_sequence, base_sequence + lastOffsetDelta]`,
/// wrapping past `i32::MAX`.
fn sequence_range(batch: &RecordBatch<'_>) -> (i32, i32) {
    let first = batch.base_sequence();
    let span = batch.last_offset_delta();
    let last = ((first as i64 + span as i64) % (i32::MAX as i64 + 1)) as i32;
    (first, last)
}

fn in_sequence(last: i32, next: i32) -> bool {
    next as i64 == last as i64 + 1 || (next == 0 && last == i32::MAX)
}

impl ProducerStateManager {
    /// `true` for batches the producer state applies to: from an idempotent or
    /// transactional producer.
    pub fn tracks(batch: &RecordBatch<'_>) -> bool {
        batch.producer_id() >= 0 && !batch.is_control()
    }

    /// Validates a client batch against the producer's state.
    pub fn check(&self, batch: &RecordBatch<'_>) -> Result<SequenceCheck, ProducerStateError> {
        let producer_id = batch.producer_id();
        let epoch = batch.producer_epoch();
        let (first_seq, last_seq) = sequence_range(batch);
        let Some(entry) = self.producers.get(&producer_id) else {
            return Ok(SequenceCheck::Append);
        };
        if epoch < entry.epoch {
            return Err(ProducerStateError::InvalidProducerEpoch {
                producer_id,
                epoch,
                current: entry.epoch,
            });
        }
        if epoch > entry.epoch {
            if first_seq != 0 {
                return Err(ProducerStateError::OutOfOrderSequence {
                    producer_id,
                    epoch,
                    found: first_seq,
                    expected: 0,
                });
            }
            return Ok(SequenceCheck::Append);
        }
        if let Some(duplicate) = entry
            .batches
            .iter()
            .find(|b| b.first_seq == first_seq && b.last_seq == last_seq)
        {
            return Ok(SequenceCheck::Duplicate(*duplicate));
        }
        match entry.batches.back() {
            Some(last) if !in_sequence(last.last_seq, first_seq) => {
                Err(ProducerStateError::OutOfOrderSequence {
                    producer_id,
                    epoch,
                    found: first_seq,
                    expected: ((last.last_seq as i64 + 1) % (i32::MAX as i64 + 1)) as i32,
                })
            }
            _ => Ok(SequenceCheck::Append),
        }
    }

    /// Records a batch now in the log (its offsets assigned).
    pub fn update(&mut self, batch: &RecordBatch<'_>) {
        if !Self::tracks(batch) {
            return;
        }
        self.record(
            batch.producer_id(),
            batch.producer_epoch(),
            batch.base_sequence(),
            batch.last_offset_delta(),
            batch.base_offset(),
            batch.max_timestamp(),
        );
    }

    /// Records a batch from its header fields (used when rebuilding from a log).
    pub fn record(
        &mut self,
        producer_id: i64,
        epoch: i16,
        base_sequence: i32,
        last_offset_delta: i32,
        base_offset: i64,
        max_timestamp: i64,
    ) {
        let entry = self.producers.entry(producer_id).or_default();
        if epoch > entry.epoch || entry.batches.is_empty() {
            if epoch != entry.epoch {
                entry.batches.clear();
            }
            entry.epoch = epoch;
        } else if epoch < entry.epoch {
            return;
        }
        if base_sequence < 0 {
            return;
        }
        let last_seq =
            ((base_sequence as i64 + last_offset_delta as i64) % (i32::MAX as i64 + 1)) as i32;
        entry.batches.push_back(BatchMetadata {
            first_seq: base_sequence,
            last_seq,
            first_offset: base_offset,
            last_offset: base_offset + last_offset_delta as i64,
            max_timestamp,
        });
        while entry.batches.len() > BATCHES_TO_RETAIN {
            entry.batches.pop_front();
        }
    }

    /// Forgets producers whose every remembered batch lies below `log_start_offset`.
    pub fn truncate_head(&mut self, log_start_offset: i64) {
        self.producers.retain(|_, e| {
            e.batches
                .back()
                .is_none_or(|b| b.last_offset >= log_start_offset)
        });
    }

    /// Each producer's last batch, as a snapshot keeps it.
    pub fn snapshot_entries(&self) -> Vec<crate::producer_snapshot::SnapshotEntry> {
        let mut entries: Vec<_> = self
            .producers
            .iter()
            .filter_map(|(id, e)| {
                e.batches
                    .back()
                    .map(|b| crate::producer_snapshot::SnapshotEntry {
                        producer_id: *id,
                        epoch: e.epoch,
                        last_sequence: b.last_seq,
                        last_offset: b.last_offset,
                        offset_delta: (b.last_offset - b.first_offset) as i32,
                        timestamp: b.max_timestamp,
                    })
            })
            .collect();
        entries.sort_by_key(|e| e.producer_id);
        entries
    }

    /// The state a snapshot describes.
    pub fn from_snapshot(entries: &[crate::producer_snapshot::SnapshotEntry]) -> Self {
        let mut state = Self::default();
        for e in entries {
            let first_seq = ((e.last_sequence as i64 - e.offset_delta as i64)
                .rem_euclid(i32::MAX as i64 + 1)) as i32;
            state.record(
                e.producer_id,
                e.epoch,
                first_seq,
                e.offset_delta,
                e.last_offset - e.offset_delta as i64,
                e.timestamp,
            );
        }
        state
    }

    pub fn clear(&mut self) {
        self.producers.clear();
    }

    /// The current epoch of a producer, if known.
    pub fn epoch_of(&self, producer_id: i64) -> Option<i16> {
        self.producers.get(&producer_id).map(|e| e.epoch)
    }

    pub fn producer_count(&self) -> usize {
        self.producers.len()
    }
}

#[cfg(test)]
mod tests {
    use fjord_protocol::records::RecordBatchBuilder;
    use fjord_protocol::CompressionType;

    use super::*;

    fn batch(pid: i64, epoch: i16, seq: i32, count: i32, offset: i64) -> Vec<u8> {
        let mut b = RecordBatchBuilder::new(CompressionType::None, offset, 0)
            .with_producer(pid, epoch, seq);
        for i in 0..count {
            b.append(i, 0, None, Some(b"v"), &[]);
        }
        b.build().unwrap()
    }

    fn check(
        state: &ProducerStateManager,
        bytes: &[u8],
    ) -> Result<SequenceCheck, ProducerStateError> {
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
}
