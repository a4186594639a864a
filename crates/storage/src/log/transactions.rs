//! The partition side of transactions, as Kafka's `UnifiedLog` does it: producer state
//! kept up to date by appends, the last stable offset, the aborted transaction index
//! (`.txnindex`) and rebuilding all of it when the log is opened or truncated.
//!
//! Ordering on append (under the append lock), so that a reader computing the LSO never
//! sees an aborted transaction's records as stable before its index entry exists:
//! batches are written, then the producer state is updated and ABORTs indexed, then a
//! completed transaction leaves the ongoing set, and only then does the log end move.
//! Readers take the log end first and the ongoing transactions second.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use fjord_protocol::RecordBatch;

use super::append::BatchSpan;
use super::Log;
use crate::error::{Result, StorageError};
use crate::producer_snapshot::{self, SnapshotEntry};
use crate::producer_state::{
    CompletedTxn, DataBatch, EndTxnMarker, OngoingTxn, ProducerStateManager,
};
use crate::segment::LogSegment;
use crate::transaction_index::{AbortedTxn, AbortedTxnEntry};

impl Log {
    /// The first offset of the earliest transaction without its marker yet (never below
    /// the log start offset), if any.
    pub fn first_unstable_offset(&self) -> Option<i64> {
        let first = self.producers.lock().first_unstable_offset()?;
        Some(first.max(self.log_start_offset()))
    }

    /// The last stable offset: what `read_committed` consumers may read up to. The
    /// first unstable offset, or the high watermark (the log end on a single node).
    pub fn last_stable_offset(&self) -> i64 {
        let log_end = self.log_end_offset();
        self.first_unstable_offset()
            .map_or(log_end, |f| f.min(log_end))
    }

    /// Ongoing transactions, by first offset.
    pub fn ongoing_transactions(&self) -> Vec<OngoingTxn> {
        self.producers.lock().ongoing_transactions()
    }

    /// Every producer's state (epoch, last batch, coordinator epoch, ongoing
    /// transaction), as DescribeProducers reports it.
    pub fn active_producers(&self) -> Vec<SnapshotEntry> {
        self.producers.lock().snapshot_entries()
    }

    /// The aborted transactions overlapping `[start_offset, upper_bound_offset)`: those
    /// whose marker is at or after `start_offset` and that began below
    /// `upper_bound_offset`, as Kafka's `collectAbortedTransactions` finds them for a
    /// `read_committed` fetch.
    pub fn collect_aborted_transactions(
        &self,
        start_offset: i64,
        upper_bound_offset: i64,
    ) -> Vec<AbortedTxn> {
        self.aborted_txn_entries(start_offset, upper_bound_offset)
            .into_iter()
            .map(AbortedTxn::from)
            .collect()
    }

    /// The index entries of [`Log::collect_aborted_transactions`]: from the segment
    /// holding `start` on, until one proves no later segment can add any.
    pub(crate) fn aborted_txn_entries(&self, start: i64, upper: i64) -> Vec<AbortedTxnEntry> {
        let mut found = Vec::new();
        for segment in self.segments_from(start) {
            let (entries, complete) = segment.collect_aborted_txns(start, upper);
            found.extend(entries);
            if complete {
                break;
            }
        }
        found
    }

    /// Checks a coordinator's batches against the producer state before they are
    /// written: a control batch with a producer id must be a well-formed ABORT or COMMIT
    /// marker, and no batch may come from an epoch older than its producer's
    /// (INVALID_PRODUCER_EPOCH). Batches without a producer id are not producer state.
    /// The append lock is held.
    pub(super) fn check_coordinator_batches(
        &self,
        records: &[u8],
        spans: &[BatchSpan],
    ) -> Result<()> {
        let producers = self.producers.lock();
        for span in spans {
            let batch = RecordBatch::parse_prefix(&records[span.start..])?;
            if batch.producer_id() < 0 {
                continue;
            }
            if batch.is_control() && EndTxnMarker::from_batch(&batch)?.is_none() {
                return Err(StorageError::InvalidRecord(
                    "control batch of a producer is not a transaction marker".into(),
                ));
            }
            producers.check_epoch(batch.producer_id(), batch.producer_epoch())?;
        }
        Ok(())
    }

    /// Applies appended batches (already in `segment`) to the producer state, indexing
    /// the transactions ABORT markers end. The append lock is held; the log end has not
    /// moved yet.
    pub(super) fn apply_to_producer_state(
        &self,
        records: &[u8],
        spans: &[BatchSpan],
        segment: &LogSegment,
    ) -> Result<()> {
        let mut producers = self.producers.lock();
        for span in spans {
            let batch = RecordBatch::parse_prefix(&records[span.start..])?;
            if batch.producer_id() < 0 {
                continue;
            }
            if !batch.is_control() {
                producers.record_data(DataBatch::of(&batch));
                continue;
            }
            let marker = match EndTxnMarker::from_batch(&batch) {
                Ok(Some(marker)) => marker,
                Ok(None) => continue,
                Err(err) => {
                    tracing::warn!(partition = %self.topic_partition, offset = batch.base_offset(), %err, "ignoring undecodable control batch");
                    continue;
                }
            };
            let completed = producers.record_marker(
                batch.producer_id(),
                batch.producer_epoch(),
                &marker,
                batch.base_offset(),
                batch.max_timestamp(),
            );
            if let Some(txn) = completed {
                if txn.aborted {
                    // On failure the transaction stays ongoing: the LSO holds below it
                    // rather than exposing aborted records without their index entry.
                    let entry = index_entry(&producers, &txn);
                    if segment.append_aborted_txn(entry)? {
                        self.dir_needs_sync.store(true, Ordering::Release);
                    }
                }
                producers.complete_txn(&txn);
            }
        }
        Ok(())
    }

    /// Rebuilds the producer state: from the newest intact snapshot at or below the log
    /// end, then the batches after it (the whole log when there is none).
    pub(crate) fn rebuild_producer_state(&self) -> Result<()> {
        self.load_producer_state(&BTreeSet::new())
    }

    /// Loads the producer state as [`Log::rebuild_producer_state`] does, and rebuilds the
    /// transaction index of every segment in `rebuild_txn_indexes` (the ones the loader
    /// recovered) from the markers replayed in it. Such a segment is replayed whole, so
    /// the snapshot used is one at or below its base offset.
    pub(crate) fn load_producer_state(&self, rebuild_txn_indexes: &BTreeSet<i64>) -> Result<()> {
        let dir = self.dir();
        let log_end = self.log_end_offset();
        let usable_up_to = rebuild_txn_indexes
            .first()
            .map_or(log_end, |base| (*base).min(log_end));
        let mut producers = ProducerStateManager::default();
        let mut from = i64::MIN;
        for (offset, path) in producer_snapshot::list(&dir)?.into_iter().rev() {
            if offset > log_end {
                producer_snapshot::remove(&path)?;
                continue;
            }
            if offset > usable_up_to {
                continue;
            }
            match producer_snapshot::read(&path)? {
                Some(entries) => {
                    producers = ProducerStateManager::from_snapshot(&entries);
                    from = offset;
                    break;
                }
                None => {
                    tracing::warn!(snapshot = %path.display(), "ignoring damaged producer snapshot");
                    producer_snapshot::remove(&path)?;
                }
            }
        }
        let segments = self.segments();
        for (i, segment) in segments.iter().enumerate() {
            let next_base = segments.get(i + 1).map(|s| s.base_offset());
            if next_base.is_some_and(|next| next <= from) {
                continue;
            }
            if rebuild_txn_indexes.contains(&segment.base_offset()) {
                let mut aborted = Vec::new();
                replay_segment(segment, from, &mut producers, Some(&mut aborted))?;
                if segment.replace_aborted_txns(aborted)? {
                    self.dir_needs_sync.store(true, Ordering::Release);
                }
            } else {
                replay_segment(segment, from, &mut producers, None)?;
            }
        }
        *self.producers.lock() = producers;
        Ok(())
    }

    /// Writes the producer state as of `offset` (every batch below it). The append lock
    /// is held, so nothing is appended meanwhile.
    pub(crate) fn snapshot_producer_state(&self, offset: i64) -> Result<()> {
        let entries = self.producers.lock().snapshot_entries();
        producer_snapshot::write(&self.dir(), offset, &entries)
    }

    /// Removes every producer snapshot: the log restarts from nothing.
    pub(super) fn remove_producer_snapshots(&self) -> Result<()> {
        for (_, path) in producer_snapshot::list(&self.dir())? {
            producer_snapshot::remove(&path)?;
        }
        Ok(())
    }
}

fn index_entry(producers: &ProducerStateManager, txn: &CompletedTxn) -> AbortedTxnEntry {
    AbortedTxnEntry {
        producer_id: txn.producer_id,
        first_offset: txn.first_offset,
        last_offset: txn.last_offset,
        last_stable_offset: producers.last_stable_offset_of(txn),
    }
}

/// Applies the batches of `segment` from offset `from` on to `producers`, collecting
/// the transactions ABORT markers end into `aborted` if given. Data batches are read by
/// their headers; only control batches are read whole.
fn replay_segment(
    segment: &LogSegment,
    from: i64,
    producers: &mut ProducerStateManager,
    mut aborted: Option<&mut Vec<AbortedTxnEntry>>,
) -> Result<()> {
    let file = segment.file_records();
    let mut position = 0;
    while let Some(batch) = file.batch_at(position)? {
        position = batch.end();
        if batch.base_offset < from || batch.producer_id < 0 {
            continue;
        }
        if !batch.is_control {
            producers.record_data(DataBatch::of_header(&batch));
            continue;
        }
        let bytes = file.read_batch(&batch)?;
        let marker = match EndTxnMarker::from_batch(&RecordBatch::parse_exact(&bytes)?) {
            Ok(Some(marker)) => marker,
            Ok(None) => continue,
            Err(err) => {
                tracing::warn!(segment = %segment.log_path().display(), offset = batch.base_offset, %err, "ignoring undecodable control batch");
                continue;
            }
        };
        let completed = producers.record_marker(
            batch.producer_id,
            batch.producer_epoch,
            &marker,
            batch.base_offset,
            batch.max_timestamp,
        );
        if let Some(txn) = completed {
            if let (true, Some(aborted)) = (txn.aborted, aborted.as_deref_mut()) {
                aborted.push(index_entry(producers, &txn));
            }
            producers.complete_txn(&txn);
        }
    }
    Ok(())
}
