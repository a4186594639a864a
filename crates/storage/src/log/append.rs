//! Appending batches: validation, offset assignment in place, rolling.

use std::sync::atomic::Ordering;

use fjord_protocol::record_batch::BatchIter;
use fjord_protocol::{RecordBatch, RecordBatchMut};

use super::Log;
use crate::config::TimestampType;
use crate::error::{Result, StorageError};
use crate::producer_state::{ProducerStateManager, SequenceCheck};
use crate::segment::{now_ms, LogSegment};

/// Who is appending; decides which checks apply, as Kafka's `AppendOrigin` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppendOrigin {
    /// A producer: no control batches, offsets assigned here.
    Client,
    /// A coordinator of this broker (groups, transactions): may write control batches.
    Coordinator,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogAppendInfo {
    pub first_offset: i64,
    pub last_offset: i64,
    /// The largest timestamp among the appended batches, -1 if none.
    pub max_timestamp: i64,
    /// The last offset of the batch carrying `max_timestamp`.
    pub offset_of_max_timestamp: i64,
    /// The broker time stamped on the batches under `LogAppendTime`, else -1.
    pub log_append_time: i64,
    pub log_start_offset: i64,
    pub record_count: i64,
    pub valid_bytes: usize,
}

/// Where each batch of an append sits in the buffer.
pub(super) struct BatchSpan {
    pub(super) start: usize,
    size: usize,
}

impl Log {
    /// Appends batches produced by a client (or written by a coordinator): validates
    /// each (length, magic, CRC32C, `max.message.bytes`, header consistency), assigns
    /// offsets from the log end by rewriting each base offset in place, stamps
    /// `leader_epoch`, and stores the bytes otherwise unchanged.
    ///
    /// Producer checks: a client's idempotent batches by sequence and epoch; a
    /// coordinator's by epoch only, its transaction markers (control batches, ABORT or
    /// COMMIT) included — a marker older than its producer's epoch is refused, a newer
    /// one bumps it (KIP-890).
    pub fn append_as_leader(
        &self,
        records: &mut [u8],
        leader_epoch: i32,
        origin: AppendOrigin,
    ) -> Result<LogAppendInfo> {
        self.ensure_open()?;
        let config = self.config();
        let spans = validate_batches(records, config.max_message_bytes, Some(origin))?;
        let append_time =
            (config.message_timestamp_type == TimestampType::LogAppendTime).then(now_ms);

        let guard = self.append_lock.lock();
        self.ensure_open()?;
        match origin {
            AppendOrigin::Client => {
                if let Some(duplicate) = self.check_producer_sequences(records, &spans)? {
                    return Ok(duplicate);
                }
            }
            AppendOrigin::Coordinator => self.check_coordinator_batches(records, &spans)?,
        }
        let first_offset = self.log_end_offset();
        let mut next_offset = first_offset;
        for span in &spans {
            let mut batch =
                RecordBatchMut::parse_prefix(&mut records[span.start..span.start + span.size])?;
            batch.set_base_offset(next_offset);
            batch.set_partition_leader_epoch(leader_epoch);
            if let Some(time) = append_time {
                batch.set_log_append_time(time);
            }
            next_offset = batch.as_batch().next_offset();
        }
        let info = self.append_locked(records, &spans, first_offset, append_time)?;
        drop(guard);
        self.flush_if_over_message_limit(info.record_count)?;
        Ok(info)
    }

    /// Appends batches that already carry their offsets (a follower copying its
    /// leader, or a test rebuilding a log). The first must start at the log end or later.
    pub fn append_as_follower(&self, records: &[u8]) -> Result<LogAppendInfo> {
        self.ensure_open()?;
        let spans = validate_batches(records, usize::MAX, None)?;
        let _guard = self.append_lock.lock();
        self.ensure_open()?;
        let mut expected = self.log_end_offset();
        for span in &spans {
            let batch = RecordBatch::parse_prefix(&records[span.start..])?;
            if batch.base_offset() < expected {
                return Err(StorageError::InvalidRecord(format!(
                    "batch at offset {} is below the log end offset {expected}",
                    batch.base_offset()
                )));
            }
            expected = batch.next_offset();
        }
        let first_offset = RecordBatch::parse_prefix(records)?.base_offset();
        if expected - 1 - first_offset > i32::MAX as i64 {
            // One append goes to one segment, whose index holds 32-bit relative offsets.
            return Err(StorageError::InvalidRecord(format!(
                "record set spans offsets {first_offset} to {}, more than a segment can hold",
                expected - 1
            )));
        }
        self.append_locked(records, &spans, first_offset, None)
    }

    /// Writes validated batches with offsets assigned; the append lock is held.
    fn append_locked(
        &self,
        records: &[u8],
        spans: &[BatchSpan],
        first_offset: i64,
        append_time: Option<i64>,
    ) -> Result<LogAppendInfo> {
        let (mut max_timestamp, mut offset_of_max_timestamp, mut record_count) =
            (-1i64, -1i64, 0i64);
        let mut last_offset = first_offset;
        let mut new_epochs = Vec::new();
        let mut latest_epoch = self.epochs.lock().latest_epoch();
        for span in spans {
            let batch = RecordBatch::parse_prefix(&records[span.start..])?;
            if batch.max_timestamp() > max_timestamp {
                max_timestamp = batch.max_timestamp();
                offset_of_max_timestamp = batch.last_offset();
            }
            let epoch = batch.partition_leader_epoch();
            if epoch >= 0 && latest_epoch.is_none_or(|latest| epoch > latest) {
                new_epochs.push((epoch, batch.base_offset()));
                latest_epoch = Some(epoch);
            }
            record_count += batch.records_count().max(0) as i64;
            last_offset = batch.last_offset();
        }

        let segment = self.maybe_roll(
            records.len() as u64,
            max_timestamp,
            first_offset,
            last_offset,
        )?;
        segment.append(records)?;
        // The producer state (ongoing transactions, the ABORT index) moves before the log
        // end does: the last stable offset never runs ahead of it.
        // If that fails (the transaction index could not be written), the batches are in
        // the log all the same: the end still moves, and the error is reported after.
        let applied = self.apply_to_producer_state(records, spans, &segment);
        self.log_end_offset
            .store(last_offset + 1, Ordering::Release);
        {
            let mut epochs = self.epochs.lock();
            for (epoch, start) in new_epochs {
                epochs.assign(epoch, start)?;
            }
        }
        applied?;
        Ok(LogAppendInfo {
            first_offset,
            last_offset,
            max_timestamp,
            offset_of_max_timestamp,
            log_append_time: append_time.unwrap_or(-1),
            log_start_offset: self.log_start_offset(),
            record_count,
            valid_bytes: records.len(),
        })
    }

    /// Checks every idempotent batch against the producer state. A request that is a
    /// retry of one already appended gets the original offsets back instead of an append.
    fn check_producer_sequences(
        &self,
        records: &[u8],
        spans: &[BatchSpan],
    ) -> Result<Option<LogAppendInfo>> {
        let producers = self.producers.lock();
        for span in spans {
            let batch = RecordBatch::parse_prefix(&records[span.start..])?;
            if !ProducerStateManager::tracks(&batch) {
                continue;
            }
            if let SequenceCheck::Duplicate(original) = producers.check(&batch)? {
                if spans.len() == 1 {
                    return Ok(Some(LogAppendInfo {
                        first_offset: original.first_offset,
                        last_offset: original.last_offset,
                        max_timestamp: original.max_timestamp,
                        offset_of_max_timestamp: original.last_offset,
                        log_append_time: -1,
                        log_start_offset: self.log_start_offset(),
                        record_count: 0,
                        valid_bytes: 0,
                    }));
                }
                return Err(StorageError::InvalidRecord(
                    "a duplicate batch among others in one append".into(),
                ));
            }
        }
        Ok(None)
    }

    fn flush_if_over_message_limit(&self, appended: i64) -> Result<()> {
        let limit = self.config().flush_messages;
        if self.add_unflushed(appended) >= limit {
            self.flush_to(self.log_end_offset())?;
        }
        Ok(())
    }

    /// The segment to append `size` bytes to, rolling a new one first when the active
    /// segment is full (`segment.bytes`, index space, relative offsets) or old
    /// (`segment.ms`). The append lock is held.
    fn maybe_roll(
        &self,
        size: u64,
        max_timestamp: i64,
        first_offset: i64,
        last_offset: i64,
    ) -> Result<std::sync::Arc<LogSegment>> {
        let config = self.config();
        let active = self.active_segment();
        let too_old = !active.is_empty()
            && active.time_waited_for_roll(now_ms(), max_timestamp)
                > config.segment_ms - self.roll_jitter_ms(&config);
        if active.can_hold(size, config.segment_bytes, last_offset) && !too_old {
            return Ok(active);
        }
        self.roll(first_offset)
    }

    /// Seals the active segment and starts a new one at `new_base_offset`.
    pub(crate) fn roll(&self, new_base_offset: i64) -> Result<std::sync::Arc<LogSegment>> {
        let config = self.config();
        let active = self.active_segment();
        if active.base_offset() == new_base_offset && active.is_empty() {
            return Ok(active);
        }
        active.on_become_inactive()?;
        let segment = std::sync::Arc::new(LogSegment::open(
            &self.dir(),
            new_base_offset,
            config.index_interval_bytes,
            config.segment_index_bytes,
            "",
            true,
        )?);
        self.segments
            .write()
            .insert(new_base_offset, std::sync::Arc::clone(&segment));
        // The new file's directory entry must reach the disk with the next flush.
        self.dir_needs_sync.store(true, Ordering::Release);
        self.snapshot_producer_state(new_base_offset)?;
        tracing::info!(partition = %self.topic_partition, base_offset = new_base_offset, "rolled new log segment");
        Ok(segment)
    }

    /// A stable per-log share of `segment.jitter.ms`, so that logs created together do
    /// not all roll at once.
    fn roll_jitter_ms(&self, config: &crate::config::LogConfig) -> i64 {
        if config.segment_jitter_ms <= 0 {
            return 0;
        }
        let seed = self
            .topic_partition
            .to_string()
            .bytes()
            .fold(17u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
        (seed % config.segment_jitter_ms as u64) as i64
    }
}

/// Checks a produced record set: a whole number of v2 batches, each with a valid CRC,
/// within `max_batch_bytes`, with a consistent header. `origin` is `None` for
/// replicated data, which is taken as the leader wrote it.
fn validate_batches(
    records: &[u8],
    max_batch_bytes: usize,
    origin: Option<AppendOrigin>,
) -> Result<Vec<BatchSpan>> {
    if records.is_empty() {
        return Err(StorageError::InvalidRecord("empty record set".into()));
    }
    let mut spans = Vec::new();
    let mut iter = BatchIter::new(records);
    let mut start = 0usize;
    for batch in iter.by_ref() {
        let batch = batch?;
        batch.validate()?;
        if batch.size() > max_batch_bytes {
            return Err(StorageError::RecordTooLarge {
                size: batch.size(),
                max: max_batch_bytes,
            });
        }
        if let Some(origin) = origin {
            validate_client_header(&batch, origin)?;
        }
        spans.push(BatchSpan {
            start,
            size: batch.size(),
        });
        start += batch.size();
    }
    Ok(spans)
}

fn validate_client_header(batch: &RecordBatch<'_>, origin: AppendOrigin) -> Result<()> {
    if origin == AppendOrigin::Client && batch.is_control() {
        return Err(StorageError::InvalidRecord(
            "clients are not allowed to write control records".into(),
        ));
    }
    if batch.records_count() <= 0 {
        return Err(StorageError::InvalidRecord(format!(
            "invalid record count {}",
            batch.records_count()
        )));
    }
    if batch.last_offset_delta() as i64 + 1 != batch.records_count() as i64 {
        return Err(StorageError::InvalidRecord(format!(
            "inconsistent batch offset range: lastOffsetDelta {} for {} records",
            batch.last_offset_delta(),
            batch.records_count()
        )));
    }
    if batch.compression().is_none() {
        return Err(StorageError::InvalidRecord(format!(
            "unknown compression codec in attributes {:#x}",
            batch.attributes()
        )));
    }
    Ok(())
}
