//! `LogSegment`: one `.log` file with its `.index`, `.timeindex` and (once it has an
//! aborted transaction) `.txnindex`, named after the 20-digit base offset of its first
//! batch.
//!
//! Thread-safety: one appender at a time (the log's append lock), any number of
//! concurrent readers. The indexes sit behind their own short lock; the file itself is
//! read with positional reads.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use fjord_protocol::record_batch::BatchIter;
use fjord_protocol::records::BatchRecords;
use fjord_protocol::RecordBatch;
use parking_lot::Mutex;

use crate::error::{IoContext, Result};
use crate::file_records::{validate_stored_batch, BatchPosition, FileRecords, FileSlice};
use crate::index::{OffsetIndex, TimeIndex, TimestampOffset};
use crate::transaction_index::{AbortedTxnEntry, TransactionIndex, TXN_INDEX_FILE_SUFFIX};

pub const LOG_FILE_SUFFIX: &str = ".log";
pub const INDEX_FILE_SUFFIX: &str = ".index";
pub const TIME_INDEX_FILE_SUFFIX: &str = ".timeindex";

/// `<dir>/<20-digit base offset><extension><suffix>`, e.g. `00000000000000000042.log`.
pub fn segment_file(dir: &Path, base_offset: i64, extension: &str, suffix: &str) -> PathBuf {
    dir.join(format!("{base_offset:020}{extension}{suffix}"))
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

struct Indexes {
    offset_index: OffsetIndex,
    time_index: TimeIndex,
    bytes_since_last_index_entry: u64,
    /// Largest batch max timestamp so far and the last offset of its batch; -1 if none.
    max_timestamp_so_far: i64,
    offset_of_max_timestamp_so_far: i64,
    /// The max timestamp of the first batch: what `segment.ms` is measured from.
    rolling_based_timestamp: Option<i64>,
}

/// The result of reading a segment: a byte range of whole batches.
#[derive(Debug, Clone)]
pub struct SegmentRead {
    /// The first batch in the range (its base offset may be below the requested offset).
    pub first_batch: BatchPosition,
    pub slice: FileSlice,
}

pub struct LogSegment {
    base_offset: i64,
    log: FileRecords,
    indexes: Mutex<Indexes>,
    /// Aborted transactions whose marker is in this segment.
    txn_index: Mutex<TransactionIndex>,
    index_interval_bytes: u64,
    created_ms: i64,
}

impl LogSegment {
    /// Opens or creates the segment files. `writable` preallocates the indexes to
    /// `max_index_size` (an active segment); a sealed segment maps them as they are.
    pub fn open(
        dir: &Path,
        base_offset: i64,
        index_interval_bytes: u64,
        max_index_size: u64,
        suffix: &str,
        writable: bool,
    ) -> Result<Self> {
        let log = FileRecords::open(&segment_file(dir, base_offset, LOG_FILE_SUFFIX, suffix))?;
        let offset_index = OffsetIndex::open(
            &segment_file(dir, base_offset, INDEX_FILE_SUFFIX, suffix),
            base_offset,
            max_index_size,
            writable,
        )?;
        let time_index = TimeIndex::open(
            &segment_file(dir, base_offset, TIME_INDEX_FILE_SUFFIX, suffix),
            base_offset,
            max_index_size,
            writable,
        )?;
        let txn_index = TransactionIndex::open(
            &segment_file(dir, base_offset, TXN_INDEX_FILE_SUFFIX, suffix),
            base_offset,
        )?;
        let last_time = time_index.last_entry();
        // `segment.ms` counts from the first batch, also across restarts.
        let rolling_based_timestamp = log.batch_at(0)?.map(|first| first.max_timestamp);
        Ok(Self {
            base_offset,
            log,
            indexes: Mutex::new(Indexes {
                offset_index,
                time_index,
                bytes_since_last_index_entry: 0,
                max_timestamp_so_far: last_time.map_or(-1, |e| e.timestamp),
                offset_of_max_timestamp_so_far: last_time.map_or(-1, |e| e.offset),
                rolling_based_timestamp,
            }),
            txn_index: Mutex::new(txn_index),
            index_interval_bytes,
            created_ms: now_ms(),
        })
    }

    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }
    pub fn size(&self) -> u64 {
        self.log.size()
    }
    pub fn is_empty(&self) -> bool {
        self.size() == 0
    }
    pub fn log_path(&self) -> PathBuf {
        self.log.path()
    }
    pub fn file_records(&self) -> &FileRecords {
        &self.log
    }

    /// Appends whole, already validated batches with offsets assigned. Index entries are
    /// added every `index.interval.bytes`, mapping a batch's last offset to its position.
    pub fn append(&self, records: &[u8]) -> Result<()> {
        let mut position = self.log.append(records)?;
        let mut idx = self.indexes.lock();
        for batch in BatchIter::new(records).flatten() {
            if idx.rolling_based_timestamp.is_none() {
                idx.rolling_based_timestamp = Some(batch.max_timestamp());
            }
            idx.observe(&batch, position, self.index_interval_bytes);
            position += batch.size() as u64;
        }
        Ok(())
    }

    /// `true` if appending `size` bytes would overflow the relative offsets or indexes.
    pub fn can_hold(&self, size: u64, segment_bytes: u64, last_offset: i64) -> bool {
        let idx = self.indexes.lock();
        let fits_size = self.is_empty() || self.size() + size <= segment_bytes;
        let fits_offsets = last_offset - self.base_offset <= i32::MAX as i64;
        let fits_position = self.size() + size <= i32::MAX as u64;
        fits_size
            && fits_offsets
            && fits_position
            && !idx.offset_index.inner().is_full()
            && !idx.time_index.inner().is_full()
    }

    /// How long this segment has been open for `segment.ms`: measured between the first
    /// batch's timestamp and the incoming one, or since creation if it has none.
    pub fn time_waited_for_roll(&self, now_ms: i64, incoming_max_timestamp: i64) -> i64 {
        match self.indexes.lock().rolling_based_timestamp {
            Some(first) if first >= 0 => incoming_max_timestamp - first,
            _ => now_ms - self.created_ms,
        }
    }

    /// The batch holding `offset`: the first whose last offset is `>= offset`.
    pub fn translate_offset(&self, offset: i64) -> Result<Option<BatchPosition>> {
        let start = self.indexes.lock().offset_index.lookup(offset);
        self.log.search_for_offset(offset, start.position as u64)
    }

    /// Reads whole batches from the one holding `start_offset`, at most `max_size` bytes
    /// (at least one batch when `min_one_batch`, as KIP-74 requires) and never past
    /// `max_position` (the position of an upper bound such as the high watermark).
    pub fn read(
        &self,
        start_offset: i64,
        max_size: u64,
        max_position: u64,
        min_one_batch: bool,
    ) -> Result<Option<SegmentRead>> {
        let Some(first) = self.translate_offset(start_offset)? else {
            return Ok(None);
        };
        let bound = max_position.min(self.size());
        if first.end() > bound {
            return Ok(None);
        }
        let limit = bound.min(first.position.saturating_add(max_size));
        let end = if first.end() > limit {
            if !min_one_batch {
                return Ok(Some(SegmentRead {
                    first_batch: first,
                    slice: self.log.slice(first.position, 0),
                }));
            }
            first.end()
        } else {
            self.last_batch_end_within(first.end(), limit)?
        };
        Ok(Some(SegmentRead {
            first_batch: first,
            slice: self.log.slice(first.position, end - first.position),
        }))
    }

    /// The end of the last whole batch that ends at or before `limit`, starting from the
    /// batch boundary `from`. The offset index jumps over most of the way: its entries
    /// are batch starts.
    fn last_batch_end_within(&self, from: u64, limit: u64) -> Result<u64> {
        let jump = self
            .indexes
            .lock()
            .offset_index
            .lookup_by_position(limit.min(u32::MAX as u64) as u32);
        let mut position = jump.map_or(from, |e| (e.position as u64).max(from));
        while let Some(batch) = self.log.batch_at(position)? {
            if batch.end() > limit {
                break;
            }
            position = batch.end();
        }
        Ok(position)
    }

    /// The first record at or after `start_offset` with a timestamp `>= timestamp`.
    pub fn find_offset_by_timestamp(
        &self,
        timestamp: i64,
        start_offset: i64,
    ) -> Result<Option<TimestampOffset>> {
        let position = {
            let idx = self.indexes.lock();
            let hint = idx.time_index.lookup(timestamp);
            idx.offset_index
                .lookup(hint.offset.max(start_offset))
                .position
        };
        // The first batch reaching `timestamp` may hold only records below the log start
        // (or, with non-monotonic timestamps, none that qualify): keep scanning.
        let mut position = position as u64;
        while let Some(batch) = self.log.search_for_timestamp(timestamp, position)? {
            let found = self.first_record_matching(&batch, |ts, offset| {
                ts >= timestamp && offset >= start_offset
            })?;
            if found.is_some() {
                return Ok(found);
            }
            position = batch.end();
        }
        Ok(None)
    }

    /// The offset of the first record in the batch at `batch` that satisfies `accept`.
    pub fn first_record_matching(
        &self,
        batch: &BatchPosition,
        accept: impl Fn(i64, i64) -> bool,
    ) -> Result<Option<TimestampOffset>> {
        let bytes = self.log.read_batch(batch)?;
        let view = RecordBatch::parse_exact(&bytes)?;
        let records = BatchRecords::decode(&view)?;
        for record in records.iter() {
            let record = record?;
            let (ts, offset) = (
                record.timestamp_in(&view),
                record.offset(view.base_offset()),
            );
            if accept(ts, offset) {
                return Ok(Some(TimestampOffset {
                    timestamp: ts,
                    offset,
                }));
            }
        }
        Ok(None)
    }

    /// The largest batch timestamp and the last offset of its batch, if any batch has one.
    pub fn max_timestamp_and_offset(&self) -> Option<TimestampOffset> {
        let idx = self.indexes.lock();
        (idx.max_timestamp_so_far >= 0).then_some(TimestampOffset {
            timestamp: idx.max_timestamp_so_far,
            offset: idx.offset_of_max_timestamp_so_far,
        })
    }

    /// The segment's largest timestamp, or the file's modification time when no batch
    /// carries one: what time-based retention compares with `retention.ms`.
    pub fn largest_timestamp(&self) -> i64 {
        if let Some(max) = self.max_timestamp_and_offset() {
            return max.timestamp;
        }
        self.last_modified_ms()
    }

    pub fn last_modified_ms(&self) -> i64 {
        std::fs::metadata(self.log.path())
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64)
    }

    /// The offset after the last batch, found from the last index entry.
    pub fn read_next_offset(&self) -> Result<i64> {
        let start = self
            .indexes
            .lock()
            .offset_index
            .last_entry()
            .map_or(0, |e| e.position as u64);
        let mut next = self.base_offset;
        let mut position = start;
        while let Some(batch) = self.log.batch_at(position)? {
            next = batch.next_offset();
            position = batch.end();
        }
        Ok(next)
    }

    /// Rebuilds the indexes from the log, validating every batch, and cuts the file at the
    /// first byte that is not a whole valid batch (a torn write, garbage, a CRC mismatch,
    /// or offsets going backwards). Returns the number of bytes cut.
    ///
    /// The transaction index needs the producer state at the segment's start, which the
    /// segment does not have: the log rebuilds it by replaying the segment afterwards
    /// ([`LogSegment::replace_aborted_txns`]).
    pub fn recover(&self) -> Result<u64> {
        let mut idx = self.indexes.lock();
        idx.reset();
        let size = self.log.size();
        let mut position = 0u64;
        let mut expected_next = self.base_offset;
        let mut buf = Vec::new();
        while let Some(header) = self.log.batch_at(position)? {
            buf.resize(header.size as usize, 0);
            self.log.read_at(&mut buf, position)?;
            let batch = match validate_stored_batch(&buf) {
                Ok(batch) => batch,
                Err(err) => {
                    tracing::warn!(segment = %self.log.path().display(), position, %err, "corrupt batch; truncating");
                    break;
                }
            };
            if batch.base_offset() < expected_next
                || batch.last_offset() - self.base_offset > i32::MAX as i64
            {
                tracing::warn!(segment = %self.log.path().display(), position, base_offset = batch.base_offset(), "batch offsets out of order; truncating");
                break;
            }
            expected_next = batch.next_offset();
            if idx.rolling_based_timestamp.is_none() {
                idx.rolling_based_timestamp = Some(batch.max_timestamp());
            }
            idx.observe(&batch, position, self.index_interval_bytes);
            position += batch.size() as u64;
        }
        let truncated = size - position;
        if truncated > 0 {
            self.log.truncate_to(position)?;
        }
        let (ts, offset) = (idx.max_timestamp_so_far, idx.offset_of_max_timestamp_so_far);
        if ts >= 0 {
            idx.time_index.maybe_append(ts, offset, true);
        }
        Ok(truncated)
    }

    /// Removes every batch holding an offset `>= offset` (the whole batch holding
    /// `offset` goes). Returns the bytes removed.
    pub fn truncate_to(&self, offset: i64) -> Result<u64> {
        let Some(batch) = self.translate_offset(offset)? else {
            return Ok(0);
        };
        let before = self.size();
        // Markers from the removed batches on: the batch holding `offset` goes whole.
        self.txn_index.lock().truncate_to(batch.base_offset)?;
        let mut idx = self.indexes.lock();
        idx.offset_index.truncate_to(offset);
        idx.time_index.truncate_to(offset);
        self.log.truncate_to(batch.position)?;
        let last = idx.time_index.last_entry();
        idx.max_timestamp_so_far = last.map_or(-1, |e| e.timestamp);
        idx.offset_of_max_timestamp_so_far = last.map_or(-1, |e| e.offset);
        idx.bytes_since_last_index_entry = 0;
        if batch.position == 0 {
            idx.rolling_based_timestamp = None;
        }
        Ok(before - batch.position)
    }

    /// Seals the segment: records its final max timestamp and trims the indexes to
    /// their entries, as Kafka does when a segment stops being the active one.
    pub fn on_become_inactive(&self) -> Result<()> {
        let mut idx = self.indexes.lock();
        let (ts, offset) = (idx.max_timestamp_so_far, idx.offset_of_max_timestamp_so_far);
        if ts >= 0 {
            idx.time_index.maybe_append(ts, offset, true);
        }
        idx.offset_index.inner_mut().trim_to_valid_size()?;
        idx.time_index.inner_mut().trim_to_valid_size()?;
        Ok(())
    }

    /// Grows the indexes back to `max_index_size`: the segment becomes the active one
    /// after a restart.
    pub fn resize_indexes(&self, max_index_size: u64) -> Result<()> {
        let mut idx = self.indexes.lock();
        idx.offset_index.inner_mut().resize(max_index_size)?;
        idx.time_index.inner_mut().resize(max_index_size)?;
        Ok(())
    }

    /// `true` when the indexes pass their sanity checks (a missing transaction index is
    /// an empty one).
    pub fn indexes_are_sane(&self) -> bool {
        let idx = self.indexes.lock();
        idx.offset_index.is_sane() && idx.time_index.is_sane() && self.txn_index.lock().is_sane()
    }

    /// fdatasync of the log file only: what a durable append waits for. Indexes are
    /// rebuilt by recovery for anything past the recovery point, so they need not be
    /// on disk for the data to be.
    pub fn flush_log(&self) -> Result<()> {
        self.log.flush()
    }

    /// Log and indexes to disk: done before the recovery point moves past the segment.
    pub fn flush(&self) -> Result<()> {
        self.log.flush()?;
        self.txn_index.lock().flush()?;
        let idx = self.indexes.lock();
        idx.offset_index.inner().flush()?;
        idx.time_index.inner().flush()
    }

    /// Records an aborted transaction whose marker was appended to this segment. Returns
    /// `true` if that created the `.txnindex` file.
    pub fn append_aborted_txn(&self, entry: AbortedTxnEntry) -> Result<bool> {
        self.txn_index.lock().append(entry)
    }

    /// The aborted transactions whose marker is in this segment, in marker order.
    pub fn aborted_txns(&self) -> Vec<AbortedTxnEntry> {
        self.txn_index.lock().entries().to_vec()
    }

    /// The aborted transactions overlapping `[start, upper)`, and whether no later
    /// segment can hold more (see [`TransactionIndex::collect`]).
    pub fn collect_aborted_txns(&self, start: i64, upper: i64) -> (Vec<AbortedTxnEntry>, bool) {
        self.txn_index.lock().collect(start, upper)
    }

    /// Replaces the transaction index with `entries` (rebuilt by replaying the segment);
    /// the file is rewritten only if they differ. Returns `true` if a file was created.
    pub fn replace_aborted_txns(&self, entries: Vec<AbortedTxnEntry>) -> Result<bool> {
        self.txn_index.lock().replace(entries)
    }

    pub fn txn_index_path(&self) -> PathBuf {
        self.txn_index.lock().path().to_path_buf()
    }

    /// Renames the segment's files from `old_suffix` to `new_suffix` (e.g. to `.deleted`).
    ///
    /// The `.log` decides what a restart sees, so the transaction index moves on the safe
    /// side of it: before it when becoming live (a `.log.swap` left behind means the swap
    /// is redone, index included), after it otherwise (a `.txnindex` left without its log
    /// is an orphan the loader removes).
    pub fn change_file_suffixes(&self, old_suffix: &str, new_suffix: &str) -> Result<()> {
        let mut txn_index = self.txn_index.lock();
        let txn_path = txn_index.path().to_path_buf();
        let txn_renamed = replace_suffix(&txn_path, old_suffix, new_suffix);
        if new_suffix.is_empty() {
            txn_index.rename_to(txn_renamed.clone())?;
        }
        let mut idx = self.indexes.lock();
        let log_path = self.log.path();
        self.log
            .set_path(rename_with_suffix(&log_path, old_suffix, new_suffix)?);
        let offset_index = idx.offset_index.inner().path().to_path_buf();
        let renamed = rename_with_suffix(&offset_index, old_suffix, new_suffix)?;
        idx.offset_index.inner_mut().set_path(renamed);
        let time_index = idx.time_index.inner().path().to_path_buf();
        let renamed = rename_with_suffix(&time_index, old_suffix, new_suffix)?;
        idx.time_index.inner_mut().set_path(renamed);
        if !new_suffix.is_empty() {
            txn_index.rename_to(txn_renamed)?;
        }
        Ok(())
    }

    /// Deletes the segment's files (already renamed, typically).
    pub fn delete_files(&self) -> Result<()> {
        self.txn_index.lock().delete()?;
        let idx = self.indexes.lock();
        for path in [
            self.log.path(),
            idx.offset_index.inner().path().to_path_buf(),
            idx.time_index.inner().path().to_path_buf(),
        ] {
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(err).at(&path)
                }
                _ => {}
            }
        }
        Ok(())
    }
}

impl Indexes {
    fn reset(&mut self) {
        self.offset_index.reset();
        self.time_index.reset();
        self.bytes_since_last_index_entry = 0;
        self.max_timestamp_so_far = -1;
        self.offset_of_max_timestamp_so_far = -1;
        self.rolling_based_timestamp = None;
    }

    /// Accounts for one batch written at `position`, adding index entries when due.
    fn observe(&mut self, batch: &RecordBatch<'_>, position: u64, index_interval_bytes: u64) {
        if batch.max_timestamp() > self.max_timestamp_so_far {
            self.max_timestamp_so_far = batch.max_timestamp();
            self.offset_of_max_timestamp_so_far = batch.last_offset();
        }
        if self.bytes_since_last_index_entry > index_interval_bytes {
            self.offset_index
                .append(batch.last_offset(), position as u32);
            let (ts, offset) = (
                self.max_timestamp_so_far,
                self.offset_of_max_timestamp_so_far,
            );
            self.time_index.maybe_append(ts, offset, false);
            self.bytes_since_last_index_entry = 0;
        }
        self.bytes_since_last_index_entry += batch.size() as u64;
    }
}

/// Renames `path` (if it exists) from `old_suffix` to `new_suffix`; returns the new path.
fn rename_with_suffix(path: &Path, old_suffix: &str, new_suffix: &str) -> Result<PathBuf> {
    let renamed = replace_suffix(path, old_suffix, new_suffix);
    match std::fs::rename(path, &renamed) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err).at(path),
        _ => Ok(renamed),
    }
}

fn replace_suffix(path: &Path, old_suffix: &str, new_suffix: &str) -> PathBuf {
    let name = path.to_string_lossy();
    let stem = name.strip_suffix(old_suffix).unwrap_or(&name);
    PathBuf::from(format!("{stem}{new_suffix}"))
}
