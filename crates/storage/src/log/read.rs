//! Reading: byte ranges of whole batches by offset, and look-ups by timestamp.

use std::sync::Arc;

use super::Log;
use crate::error::{Result, StorageError};
use crate::file_records::FileSlice;
use crate::index::TimestampOffset;
use crate::segment::LogSegment;

/// The answer to a read.
#[derive(Debug, Clone)]
pub struct LogReadInfo {
    /// Whole batches starting with the one holding the requested offset; `None` when
    /// there is nothing to read yet (the offset is the log end or the upper bound).
    pub records: Option<FileSlice>,
    /// Base offset of the first batch in `records` (may be below the requested offset).
    pub first_batch_offset: Option<i64>,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
}

impl Log {
    /// Reads whole batches from the one holding `start_offset`: at most `max_bytes`,
    /// but at least one batch when `min_one_batch` (KIP-74), and nothing at or beyond
    /// `upper_bound` (exclusive; the high watermark or last stable offset), if given.
    /// Reads come from one segment at a time, as in Kafka.
    pub fn read(
        &self,
        start_offset: i64,
        max_bytes: u64,
        upper_bound: Option<i64>,
        min_one_batch: bool,
    ) -> Result<LogReadInfo> {
        let log_end = self.log_end_offset();
        let log_start = self.log_start_offset();
        let empty = LogReadInfo {
            records: None,
            first_batch_offset: None,
            log_start_offset: log_start,
            log_end_offset: log_end,
        };
        if start_offset < log_start || start_offset > log_end {
            return Err(StorageError::OffsetOutOfRange {
                offset: start_offset,
                log_start,
                log_end,
            });
        }
        let bound = upper_bound.unwrap_or(log_end).min(log_end);
        if start_offset >= bound {
            return Ok(empty);
        }
        let segments = self.segments_from(start_offset);
        if segments
            .first()
            .is_none_or(|s| s.base_offset() > start_offset)
        {
            // Retention removed the segment under us: the offset is gone.
            let log_start = self.log_start_offset();
            return Err(StorageError::OffsetOutOfRange {
                offset: start_offset,
                log_start,
                log_end,
            });
        }
        for (i, segment) in segments.iter().enumerate() {
            let next_base = segments.get(i + 1).map(|s| s.base_offset());
            let max_position = position_bound(segment, bound, next_base)?;
            let from = start_offset.max(segment.base_offset());
            if let Some(read) = segment.read(from, max_bytes, max_position, min_one_batch)? {
                return Ok(LogReadInfo {
                    first_batch_offset: Some(read.first_batch.base_offset),
                    records: Some(read.slice),
                    ..empty
                });
            }
            if next_base.is_none_or(|b| b >= bound) {
                break;
            }
        }
        Ok(empty)
    }

    /// Segments that may hold `offset` or later ones, oldest first.
    pub(super) fn segments_from(&self, offset: i64) -> Vec<Arc<LogSegment>> {
        let segments = self.segments.read();
        let floor = segments
            .range(..=offset)
            .next_back()
            .map_or(i64::MIN, |(base, _)| *base);
        segments
            .range(floor..)
            .map(|(_, s)| Arc::clone(s))
            .collect()
    }

    /// The first record with a timestamp `>= timestamp` (ListOffsets by time), with
    /// its leader epoch; `None` if every record is older.
    pub fn fetch_offset_by_timestamp(
        &self,
        timestamp: i64,
    ) -> Result<Option<(TimestampOffset, Option<i32>)>> {
        let log_start = self.log_start_offset();
        for segment in self.segments() {
            if segment
                .max_timestamp_and_offset()
                .is_none_or(|m| m.timestamp < timestamp)
            {
                continue;
            }
            if let Some(found) = segment.find_offset_by_timestamp(timestamp, log_start)? {
                return Ok(Some((found, self.epoch_for_offset(found.offset))));
            }
        }
        Ok(None)
    }

    /// The record with the largest timestamp (ListOffsets `MAX_TIMESTAMP`, KIP-734).
    pub fn fetch_offset_of_max_timestamp(&self) -> Result<Option<(TimestampOffset, Option<i32>)>> {
        let mut best: Option<(Arc<LogSegment>, TimestampOffset)> = None;
        for segment in self.segments() {
            if let Some(max) = segment.max_timestamp_and_offset() {
                if best
                    .as_ref()
                    .is_none_or(|(_, b)| max.timestamp > b.timestamp)
                {
                    best = Some((segment, max));
                }
            }
        }
        let Some((segment, max)) = best else {
            return Ok(None);
        };
        let Some(batch) = segment.translate_offset(max.offset)? else {
            return Ok(None);
        };
        let found = segment.first_record_matching(&batch, |ts, _| ts == max.timestamp)?;
        Ok(found.map(|f| (f, self.epoch_for_offset(f.offset))))
    }
}

/// The file position in `segment` that a read must not pass for `bound`: the start of
/// the batch holding `bound`, or no limit when `bound` lies in a later segment.
///
/// The segment's size is taken first: `bound` was read before it, and every batch below
/// `bound` was written before the log end passed it, so bytes appended after this size
/// hold only offsets at or beyond `bound` (a concurrent append, whose batches must not
/// leak into a read bounded by the high watermark or the last stable offset).
fn position_bound(segment: &LogSegment, bound: i64, next_base: Option<i64>) -> Result<u64> {
    if next_base.is_some_and(|b| bound >= b) {
        return Ok(u64::MAX);
    }
    let size = segment.size();
    Ok(segment
        .translate_offset(bound)?
        .map_or(size, |batch| batch.position))
}

impl Log {
    /// Calls `visit` with every batch from the log start to the log end, oldest first,
    /// reading a chunk at a time: how a coordinator replays its partition on load.
    /// Stops at the first unreadable batch (recovery has already cut torn tails).
    pub fn for_each_batch(
        &self,
        mut visit: impl FnMut(&fjord_protocol::RecordBatch<'_>),
    ) -> Result<()> {
        const CHUNK: u64 = 1 << 20;
        let end = self.log_end_offset();
        let mut offset = self.log_start_offset();
        while offset < end {
            let read = self.read(offset, CHUNK, Some(end), true)?;
            let Some(slice) = read.records else { break };
            let bytes = slice.read_to_vec().map_err(|source| StorageError::Io {
                path: self.dir(),
                source,
            })?;
            let mut next = offset;
            for batch in fjord_protocol::record_batch::BatchIter::new(&bytes) {
                let Ok(batch) = batch else { break };
                next = batch.next_offset();
                visit(&batch);
            }
            if next <= offset {
                break;
            }
            offset = next;
        }
        Ok(())
    }
}
