//! Removing data: time and size retention, DeleteRecords, truncation.
//!
//! Retention only ever removes whole sealed segments; the active segment stays. A
//! removed segment's files are renamed `.deleted` at once (so a restart does not load
//! them) and unlinked after `file.delete.delay.ms` by [`Log::delete_due_files`], which
//! gives in-flight reads time to finish.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::Log;
use crate::error::{Result, StorageError};
use crate::segment::{now_ms, LogSegment};

pub const DELETED_FILE_SUFFIX: &str = ".deleted";

impl Log {
    /// Applies retention: segments wholly below the log start offset always go; with
    /// `cleanup.policy` containing `delete`, so do segments older than `retention.ms`
    /// and the oldest segments beyond `retention.bytes`. Returns how many went.
    pub fn delete_old_segments(&self, now_ms: i64) -> Result<usize> {
        let config = self.config();
        let log_start = self.log_start_offset();
        let mut deleted = self.delete_segments_while(now_ms, |segment, next_base, _| {
            next_base <= log_start && segment.base_offset() < log_start
        })?;
        if !config.cleanup_policy.delete {
            return Ok(deleted);
        }
        if config.retention_ms >= 0 {
            deleted += self.delete_segments_while(now_ms, |segment, _, _| {
                now_ms - segment.largest_timestamp() > config.retention_ms
            })?;
        }
        if config.retention_bytes >= 0 {
            let mut excess = self.size() as i64 - config.retention_bytes;
            deleted += self.delete_segments_while(now_ms, |segment, _, _| {
                if excess - segment.size() as i64 >= 0 {
                    excess -= segment.size() as i64;
                    true
                } else {
                    false
                }
            })?;
        }
        Ok(deleted)
    }

    /// Removes sealed segments from the oldest while `predicate(segment, next_base,
    /// index)` holds.
    fn delete_segments_while(
        &self,
        now_ms: i64,
        mut predicate: impl FnMut(&LogSegment, i64, usize) -> bool,
    ) -> Result<usize> {
        let _guard = self.append_lock.lock();
        let segments = self.segments();
        let mut doomed = Vec::new();
        for (i, pair) in segments.windows(2).enumerate() {
            let (segment, next) = (&pair[0], &pair[1]);
            if !predicate(segment, next.base_offset(), i) {
                break;
            }
            doomed.push(Arc::clone(segment));
        }
        if doomed.is_empty() {
            return Ok(0);
        }
        // The log start moves first, so that a concurrent read of a doomed offset gets
        // OffsetOutOfRange rather than falling through to a later segment.
        self.advance_log_start(segments[doomed.len()].base_offset())?;
        self.remove_segments(&doomed, now_ms)?;
        Ok(doomed.len())
    }

    /// Renames the segments' files to `.deleted`, then takes them out of the map, and
    /// schedules the files' removal. Readers holding a segment keep reading it through
    /// its open file. The append lock is held.
    fn remove_segments(&self, doomed: &[Arc<LogSegment>], now_ms: i64) -> Result<()> {
        for segment in doomed {
            segment.change_file_suffixes("", DELETED_FILE_SUFFIX)?;
        }
        {
            let mut map = self.segments.write();
            for segment in doomed {
                map.remove(&segment.base_offset());
            }
        }
        self.schedule_deletion(doomed, now_ms);
        Ok(())
    }

    fn schedule_deletion(&self, doomed: &[Arc<LogSegment>], now_ms: i64) {
        let due = now_ms.saturating_add(self.config().file_delete_delay_ms);
        let mut pending = self.pending_deletes.lock();
        for segment in doomed {
            tracing::info!(partition = %self.topic_partition, base_offset = segment.base_offset(), "scheduled segment for deletion");
            pending.push((due, Arc::clone(segment)));
        }
    }

    fn advance_log_start(&self, new_start: i64) -> Result<()> {
        let previous = self.log_start_offset.fetch_max(new_start, Ordering::AcqRel);
        if new_start > previous {
            self.epochs.lock().truncate_from_start(new_start)?;
            self.producers.lock().truncate_head(new_start);
        }
        Ok(())
    }

    /// Unlinks `.deleted` files whose delay has passed (all of them with `force`).
    pub fn delete_due_files(&self, now_ms: i64, force: bool) -> Result<()> {
        let due: Vec<Arc<LogSegment>> = {
            let mut pending = self.pending_deletes.lock();
            let (due, keep) = pending
                .drain(..)
                .partition(|(at, _)| force || *at <= now_ms);
            *pending = keep;
            due.into_iter().map(|(_, s)| s).collect()
        };
        for segment in due {
            segment.delete_files()?;
        }
        Ok(())
    }

    /// DeleteRecords: makes `offset` the new log start offset (never moving it back)
    /// and drops the segments wholly below it. `offset` must not pass the log end;
    /// the caller checks it against the high watermark. Returns the log start offset.
    pub fn delete_records_before(&self, offset: i64) -> Result<i64> {
        let (log_start, log_end) = (self.log_start_offset(), self.log_end_offset());
        if offset > log_end || offset < 0 {
            return Err(StorageError::OffsetOutOfRange {
                offset,
                log_start,
                log_end,
            });
        }
        {
            let _guard = self.append_lock.lock();
            self.advance_log_start(offset)?;
        }
        self.delete_old_segments_below_start()?;
        Ok(self.log_start_offset())
    }

    fn delete_old_segments_below_start(&self) -> Result<usize> {
        let log_start = self.log_start_offset();
        self.delete_segments_while(now_ms(), |_, next_base, _| next_base <= log_start)
    }

    /// Removes every record at or above `offset` (a follower diverging from its leader).
    /// The whole batch holding `offset` goes, so the log may end below `offset`; if that
    /// would put the end below the log start, the log is emptied and restarted at
    /// `offset`, as Kafka's `truncateFullyAndStartAt` does.
    pub fn truncate_to(&self, offset: i64) -> Result<()> {
        let _guard = self.append_lock.lock();
        let (log_start, log_end) = (self.log_start_offset(), self.log_end_offset());
        if offset >= log_end {
            return Ok(());
        }
        if offset < log_start {
            return Err(StorageError::OffsetOutOfRange {
                offset,
                log_start,
                log_end,
            });
        }
        let segments = self.segments();
        let first_base = segments[0].base_offset();
        let doomed: Vec<_> = segments
            .iter()
            .filter(|s| s.base_offset() >= offset && s.base_offset() > first_base)
            .cloned()
            .collect();
        self.remove_segments(&doomed, now_ms())?;
        let active = self.active_segment();
        active.truncate_to(offset)?;
        let new_end = active.read_next_offset()?;
        if new_end < log_start {
            return self.restart_at_locked(offset);
        }
        active.resize_indexes(self.config().segment_index_bytes)?;
        self.note_truncation(new_end);
        self.log_end_offset.store(new_end, Ordering::Release);
        self.epochs.lock().truncate_from_end(new_end)?;
        self.clamp_recovery_point(new_end);
        self.rebuild_producer_state()
    }

    /// Empties the log and starts it again at `offset`. The append lock is held.
    fn restart_at_locked(&self, offset: i64) -> Result<()> {
        let segments = self.segments();
        self.remove_segments(&segments, now_ms())?;
        let config = self.config();
        let segment = LogSegment::open(
            &self.dir(),
            offset,
            config.index_interval_bytes,
            config.segment_index_bytes,
            "",
            true,
        )?;
        self.segments.write().insert(offset, Arc::new(segment));
        self.dir_needs_sync.store(true, Ordering::Release);
        self.log_end_offset.store(offset, Ordering::Release);
        self.log_start_offset.store(offset, Ordering::Release);
        self.note_truncation(offset);
        let mut epochs = self.epochs.lock();
        epochs.truncate_from_end(offset)?;
        epochs.truncate_from_start(offset)?;
        drop(epochs);
        self.clamp_recovery_point(offset);
        self.producers.lock().clear();
        // Snapshots describe data that is gone; one would bring its producers back.
        self.remove_producer_snapshots()
    }
}

impl Log {
    /// Swaps `old` (consecutive sealed segments) for `replacement`, whose files carry
    /// `replacement_suffix` until the swap. Returns `false`, and deletes the
    /// replacement, when `old` is no longer in the log (retention got there first).
    ///
    /// Files are renamed first (the old to `.deleted`, the replacement to its live
    /// name); the map then changes in one step, so a reader sees either the old
    /// segments or the replacement, never a gap.
    pub(crate) fn replace_segments(
        &self,
        replacement: Arc<LogSegment>,
        old: &[Arc<LogSegment>],
        replacement_suffix: &str,
    ) -> Result<bool> {
        let _guard = self.append_lock.lock();
        let still_there = {
            let map = self.segments.read();
            old.iter().all(|s| {
                map.get(&s.base_offset())
                    .is_some_and(|live| Arc::ptr_eq(live, s))
            })
        };
        if !still_there {
            replacement.delete_files()?;
            return Ok(false);
        }
        for segment in old {
            segment.change_file_suffixes("", DELETED_FILE_SUFFIX)?;
        }
        replacement.change_file_suffixes(replacement_suffix, "")?;
        {
            let mut map = self.segments.write();
            for segment in old {
                map.remove(&segment.base_offset());
            }
            map.insert(replacement.base_offset(), replacement);
        }
        self.schedule_deletion(old, now_ms());
        Ok(true)
    }
}
