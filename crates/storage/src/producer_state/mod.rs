//! Producer state, as Kafka's `ProducerStateManager` keeps it: per producer id, its
//! epoch, the sequence numbers of its last five batches (the duplicate window), and its
//! ongoing transaction; per partition, the ongoing transactions by first offset (what
//! the last stable offset is computed from; see [`transactions`]).
//!
//! Checks, as Kafka's `ProducerAppendInfo` makes them for client appends:
//! - an epoch older than the producer's current one is fenced (INVALID_PRODUCER_EPOCH);
//! - a newer epoch must start at sequence 0;
//! - within an epoch, a batch's first sequence follows the last one (wrapping at
//!   `i32::MAX`), else OUT_OF_ORDER_SEQUENCE_NUMBER; after a transaction marker bumped
//!   the epoch (KIP-890), the first batch of the new epoch starts at 0;
//! - a batch whose sequences match one of the last five is a retry: it is not
//!   appended again and gets the offsets it got the first time;
//! - a producer with no state here (new, or its batches removed by retention) may
//!   start at any sequence.
//!
//! The state is rebuilt from snapshots and batch headers when a log is opened or
//! truncated. Not thread-safe on its own; the log keeps it under its append lock.

mod marker;
mod transactions;

use std::collections::{BTreeMap, HashMap, VecDeque};

use fjord_protocol::RecordBatch;

use crate::file_records::BatchPosition;
use crate::producer_snapshot::SnapshotEntry;

pub use marker::{EndTxnMarker, TxnResult, CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT};
pub use transactions::{CompletedTxn, OngoingTxn};

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

#[derive(Debug, Clone)]
struct ProducerEntry {
    epoch: i16,
    batches: VecDeque<BatchMetadata>,
    /// The coordinator epoch of the last marker, -1 before any.
    coordinator_epoch: i32,
    /// The first offset of the producer's ongoing transaction.
    current_txn_first_offset: Option<i64>,
    /// The timestamp of the producer's last batch or marker.
    last_timestamp: i64,
}

impl ProducerEntry {
    fn new(epoch: i16) -> Self {
        Self {
            epoch,
            batches: VecDeque::new(),
            coordinator_epoch: -1,
            current_txn_first_offset: None,
            last_timestamp: -1,
        }
    }

    /// Moves to `epoch` if it is newer, forgetting the old epoch's sequences.
    fn bump_epoch(&mut self, epoch: i16) {
        if epoch > self.epoch {
            self.batches.clear();
            self.epoch = epoch;
        }
    }
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

/// The header fields of a data batch that the producer state records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataBatch {
    pub producer_id: i64,
    pub epoch: i16,
    pub base_sequence: i32,
    pub last_offset_delta: i32,
    pub base_offset: i64,
    pub max_timestamp: i64,
    pub transactional: bool,
}

impl DataBatch {
    pub fn of(batch: &RecordBatch<'_>) -> Self {
        Self {
            producer_id: batch.producer_id(),
            epoch: batch.producer_epoch(),
            base_sequence: batch.base_sequence(),
            last_offset_delta: batch.last_offset_delta(),
            base_offset: batch.base_offset(),
            max_timestamp: batch.max_timestamp(),
            transactional: batch.is_transactional(),
        }
    }

    pub fn of_header(batch: &BatchPosition) -> Self {
        Self {
            producer_id: batch.producer_id,
            epoch: batch.producer_epoch,
            base_sequence: batch.base_sequence,
            last_offset_delta: (batch.last_offset - batch.base_offset) as i32,
            base_offset: batch.base_offset,
            max_timestamp: batch.max_timestamp,
            transactional: batch.is_transactional,
        }
    }
}

#[derive(Debug, Default)]
pub struct ProducerStateManager {
    producers: HashMap<i64, ProducerEntry>,
    /// Ongoing transactions: first offset → producer id. A transaction stays here from
    /// its first batch until [`ProducerStateManager::complete_txn`].
    ongoing: BTreeMap<i64, i64>,
}

/// The sequence numbers a batch covers: `[base_sequence, base_sequence + lastOffsetDelta]`,
/// wrapping past `i32::MAX`.
fn sequence_range(batch: &RecordBatch<'_>) -> (i32, i32) {
    let first = batch.base_sequence();
    (first, last_sequence(first, batch.last_offset_delta()))
}

fn last_sequence(first: i32, delta: i32) -> i32 {
    ((first as i64 + delta as i64) % (i32::MAX as i64 + 1)) as i32
}

fn in_sequence(last: i32, next: i32) -> bool {
    next as i64 == last as i64 + 1 || (next == 0 && last == i32::MAX)
}

impl ProducerStateManager {
    /// `true` for data batches the sequence checks apply to: from an idempotent or
    /// transactional producer. (Markers are control batches; see [`Self::record_marker`].)
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
        self.check_epoch(producer_id, epoch)?;
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
        let expected = match entry.batches.back() {
            Some(last) if !in_sequence(last.last_seq, first_seq) => last_sequence(last.last_seq, 1),
            // The epoch is known (a marker set it) but has no batches yet: it starts at 0.
            None if first_seq > 0 => 0,
            _ => return Ok(SequenceCheck::Append),
        };
        Err(ProducerStateError::OutOfOrderSequence {
            producer_id,
            epoch,
            found: first_seq,
            expected,
        })
    }

    /// Refuses an epoch older than the producer's current one (a fenced producer, or a
    /// marker from before the producer's last bump).
    pub fn check_epoch(&self, producer_id: i64, epoch: i16) -> Result<(), ProducerStateError> {
        match self.producers.get(&producer_id) {
            Some(entry) if epoch < entry.epoch => Err(ProducerStateError::InvalidProducerEpoch {
                producer_id,
                epoch,
                current: entry.epoch,
            }),
            _ => Ok(()),
        }
    }

    /// Records a data batch now in the log (its offsets assigned). Control batches are
    /// ignored here; markers go through [`Self::record_marker`].
    pub fn update(&mut self, batch: &RecordBatch<'_>) {
        if Self::tracks(batch) {
            self.record_data(DataBatch::of(batch));
        }
    }

    /// Records a data batch from its header fields. A transactional batch starts the
    /// producer's transaction at its base offset unless one is ongoing. A batch from an
    /// epoch older than the producer's (only replicated data can hold one) is ignored.
    pub fn record_data(&mut self, batch: DataBatch) {
        let entry = self
            .producers
            .entry(batch.producer_id)
            .or_insert_with(|| ProducerEntry::new(batch.epoch));
        if batch.epoch < entry.epoch {
            return;
        }
        entry.bump_epoch(batch.epoch);
        entry.last_timestamp = batch.max_timestamp;
        if batch.transactional && entry.current_txn_first_offset.is_none() {
            entry.current_txn_first_offset = Some(batch.base_offset);
            self.ongoing.insert(batch.base_offset, batch.producer_id);
        }
        if batch.base_sequence < 0 {
            return;
        }
        entry.batches.push_back(BatchMetadata {
            first_seq: batch.base_sequence,
            last_seq: last_sequence(batch.base_sequence, batch.last_offset_delta),
            first_offset: batch.base_offset,
            last_offset: batch.base_offset + batch.last_offset_delta as i64,
            max_timestamp: batch.max_timestamp,
        });
        while entry.batches.len() > BATCHES_TO_RETAIN {
            entry.batches.pop_front();
        }
    }

    /// Forgets producers whose every remembered batch lies below `log_start_offset`,
    /// unless they have a transaction ongoing: its marker is still to come.
    pub fn truncate_head(&mut self, log_start_offset: i64) {
        self.producers.retain(|_, e| {
            e.current_txn_first_offset.is_some()
                || e.batches
                    .back()
                    .is_none_or(|b| b.last_offset >= log_start_offset)
        });
    }

    /// Every producer's state as a snapshot keeps it: its last batch (sequence -1 and
    /// offset -1 when it has none), coordinator epoch and ongoing transaction.
    pub fn snapshot_entries(&self) -> Vec<SnapshotEntry> {
        let mut entries: Vec<_> = self
            .producers
            .iter()
            .map(|(id, e)| {
                let last = e.batches.back();
                SnapshotEntry {
                    producer_id: *id,
                    epoch: e.epoch,
                    last_sequence: last.map_or(-1, |b| b.last_seq),
                    last_offset: last.map_or(-1, |b| b.last_offset),
                    offset_delta: last.map_or(0, |b| (b.last_offset - b.first_offset) as i32),
                    timestamp: last.map_or(e.last_timestamp, |b| b.max_timestamp),
                    coordinator_epoch: e.coordinator_epoch,
                    current_txn_first_offset: e.current_txn_first_offset.unwrap_or(-1),
                }
            })
            .collect();
        entries.sort_by_key(|e| e.producer_id);
        entries
    }

    /// The state a snapshot describes.
    pub fn from_snapshot(entries: &[SnapshotEntry]) -> Self {
        let mut state = Self::default();
        for e in entries {
            let mut entry = ProducerEntry::new(e.epoch);
            entry.coordinator_epoch = e.coordinator_epoch;
            entry.last_timestamp = e.timestamp;
            if e.last_offset >= 0 && e.last_sequence >= 0 {
                let first_seq = ((e.last_sequence as i64 - e.offset_delta as i64)
                    .rem_euclid(i32::MAX as i64 + 1)) as i32;
                entry.batches.push_back(BatchMetadata {
                    first_seq,
                    last_seq: e.last_sequence,
                    first_offset: e.last_offset - e.offset_delta as i64,
                    last_offset: e.last_offset,
                    max_timestamp: e.timestamp,
                });
            }
            if e.current_txn_first_offset >= 0 {
                entry.current_txn_first_offset = Some(e.current_txn_first_offset);
                state
                    .ongoing
                    .insert(e.current_txn_first_offset, e.producer_id);
            }
            state.producers.insert(e.producer_id, entry);
        }
        state
    }

    pub fn clear(&mut self) {
        self.producers.clear();
        self.ongoing.clear();
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
mod tests;
