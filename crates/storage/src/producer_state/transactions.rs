//! Ongoing transactions, as Kafka's `ProducerStateManager` tracks them.
//!
//! A transactional data batch starts its producer's transaction at its base offset when
//! none is ongoing; later ones extend it. A marker (ABORT or COMMIT) ends it: the
//! producer's entry forgets the transaction at once, and [`CompletedTxn`] describes it
//! until the log has indexed it (an ABORT goes to the transaction index) and calls
//! [`ProducerStateManager::complete_txn`]; only then does the first unstable offset
//! move past it, so a reader never sees an aborted transaction's records as stable
//! before its index entry exists.

use super::{EndTxnMarker, ProducerEntry, ProducerStateManager, TxnResult};

/// A transaction a marker ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompletedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
    /// The offset of the marker.
    pub last_offset: i64,
    pub aborted: bool,
}

/// A transaction without its marker yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OngoingTxn {
    pub producer_id: i64,
    pub first_offset: i64,
}

impl ProducerStateManager {
    /// Records a marker at `offset` now in the log and returns the transaction it ended,
    /// if the producer had one ongoing (a marker for a transaction without data in this
    /// partition ends nothing). A newer epoch than the producer's becomes its epoch
    /// (KIP-890 bumps it with every marker); epochs were checked before the append.
    pub fn record_marker(
        &mut self,
        producer_id: i64,
        epoch: i16,
        marker: &EndTxnMarker,
        offset: i64,
        timestamp: i64,
    ) -> Option<CompletedTxn> {
        let entry = self
            .producers
            .entry(producer_id)
            .or_insert_with(|| ProducerEntry::new(epoch));
        entry.bump_epoch(epoch);
        entry.coordinator_epoch = marker.coordinator_epoch;
        entry.last_timestamp = timestamp;
        let first_offset = entry.current_txn_first_offset.take()?;
        Some(CompletedTxn {
            producer_id,
            first_offset,
            last_offset: offset,
            aborted: marker.result == TxnResult::Abort,
        })
    }

    /// The last stable offset once `txn` is complete (what its index entry records): the
    /// first offset of the earliest other ongoing transaction, or the offset after the
    /// marker. Kafka's `ProducerStateManager.lastStableOffset(completedTxn)`.
    pub fn last_stable_offset_of(&self, txn: &CompletedTxn) -> i64 {
        self.ongoing
            .iter()
            .find(|(_, producer_id)| **producer_id != txn.producer_id)
            .map_or(txn.last_offset + 1, |(first_offset, _)| *first_offset)
    }

    /// Takes a completed transaction out of the ongoing ones: the first unstable offset
    /// may now move past it.
    pub fn complete_txn(&mut self, txn: &CompletedTxn) {
        self.ongoing.remove(&txn.first_offset);
    }

    /// The first offset of the earliest ongoing transaction.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        self.ongoing.keys().next().copied()
    }

    /// Ongoing transactions, by first offset.
    pub fn ongoing_transactions(&self) -> Vec<OngoingTxn> {
        self.ongoing
            .iter()
            .map(|(first_offset, producer_id)| OngoingTxn {
                producer_id: *producer_id,
                first_offset: *first_offset,
            })
            .collect()
    }

    /// The first offset of the producer's ongoing transaction.
    pub fn current_txn_first_offset(&self, producer_id: i64) -> Option<i64> {
        self.producers
            .get(&producer_id)
            .and_then(|e| e.current_txn_first_offset)
    }
}
