//! Durability by group commit.
//!
//! `flush_to(offset)` returns once every record below `offset` is on disk. The first
//! caller to find no flush running becomes the flusher: it fsyncs everything appended
//! so far, then wakes the others. Callers that arrive during a flush wait for it and,
//! if it did not cover them, one of them runs the next. So N concurrent `acks=all`
//! producers cost one fsync per round, not N.
//!
//! The recovery point is the offset below which everything is flushed: recovery after
//! an unclean stop only has to check segments from there on.

use std::sync::atomic::Ordering;

use parking_lot::{Condvar, Mutex};

use super::Log;
use crate::error::{IoContext, Result, StorageError};
use crate::segment::now_ms;

pub struct FlushState {
    progress: Mutex<FlushProgress>,
    done: Condvar,
}

struct FlushProgress {
    recovery_point: i64,
    flushing: bool,
    unflushed_messages: i64,
    last_flush_ms: i64,
    /// The last flush failure, handed to the callers that waited on it.
    failure: Option<String>,
}

impl FlushState {
    pub(crate) fn new(recovery_point: i64) -> Self {
        Self {
            progress: Mutex::new(FlushProgress {
                recovery_point,
                flushing: false,
                unflushed_messages: 0,
                last_flush_ms: now_ms(),
                failure: None,
            }),
            done: Condvar::new(),
        }
    }
}

impl Log {
    /// The offset below which all data is known to be on disk.
    pub fn recovery_point(&self) -> i64 {
        self.flush.progress.lock().recovery_point
    }

    /// After a truncation, nothing above `offset` can count as flushed.
    pub(super) fn clamp_recovery_point(&self, offset: i64) {
        let mut progress = self.flush.progress.lock();
        progress.recovery_point = progress.recovery_point.min(offset);
    }

    /// When the last flush completed, in ms since the epoch.
    pub fn last_flush_ms(&self) -> i64 {
        self.flush.progress.lock().last_flush_ms
    }

    pub(super) fn add_unflushed(&self, messages: i64) -> i64 {
        let mut progress = self.flush.progress.lock();
        progress.unflushed_messages = progress.unflushed_messages.saturating_add(messages);
        progress.unflushed_messages
    }

    /// Returns once everything below `offset` (capped at the log end) is durable.
    pub fn flush_to(&self, offset: i64) -> Result<()> {
        let mut progress = self.flush.progress.lock();
        loop {
            let wanted = offset.min(self.log_end_offset());
            if progress.recovery_point >= wanted {
                return Ok(());
            }
            if progress.flushing {
                self.flush.done.wait(&mut progress);
                if let Some(failure) = progress.failure.clone() {
                    if progress.recovery_point < wanted {
                        return Err(flush_failed(failure));
                    }
                }
                continue;
            }
            progress.flushing = true;
            let from = progress.recovery_point;
            drop(progress);

            let target = self.log_end_offset();
            let outcome = self.flush_segments(from, target);

            progress = self.flush.progress.lock();
            progress.flushing = false;
            match &outcome {
                Ok(()) => {
                    progress.recovery_point = progress.recovery_point.max(target);
                    progress.unflushed_messages = 0;
                    progress.last_flush_ms = now_ms();
                    progress.failure = None;
                }
                Err(err) => progress.failure = Some(err.to_string()),
            }
            self.flush.done.notify_all();
            outcome?;
        }
    }

    /// fsyncs the segments holding offsets in `[from, to)`: sealed ones with their
    /// indexes, the active one's log only.
    fn flush_segments(&self, from: i64, to: i64) -> Result<()> {
        if self.dir_needs_sync.swap(false, Ordering::AcqRel) {
            let dir = self.dir();
            if let Err(err) = std::fs::File::open(&dir).and_then(|d| d.sync_all()) {
                self.dir_needs_sync.store(true, Ordering::Release);
                return Err(err).at(&dir);
            }
        }
        let segments = self.segments();
        let Some(last) = segments.last().map(|s| s.base_offset()) else {
            return Ok(());
        };
        for (i, segment) in segments.iter().enumerate() {
            let next_base = segments.get(i + 1).map_or(i64::MAX, |s| s.base_offset());
            if next_base <= from || segment.base_offset() >= to {
                continue;
            }
            if segment.base_offset() == last {
                segment.flush_log()?;
            } else {
                segment.flush()?;
            }
        }
        Ok(())
    }

    /// Flushes if the oldest unflushed data is older than `flush.ms`; and flushes
    /// segments that were rolled but not yet flushed, so the recovery point keeps up.
    pub fn flush_if_due(&self, now_ms: i64) -> Result<()> {
        let flush_ms = self.config().flush_ms;
        let (last_flush, recovery_point) = {
            let progress = self.flush.progress.lock();
            (progress.last_flush_ms, progress.recovery_point)
        };
        if now_ms.saturating_sub(last_flush) >= flush_ms {
            return self.flush_to(self.log_end_offset());
        }
        let active_base = self.active_segment().base_offset();
        if recovery_point < active_base {
            return self.flush_to(active_base);
        }
        Ok(())
    }
}

fn flush_failed(reason: String) -> StorageError {
    StorageError::Io {
        path: Default::default(),
        source: std::io::Error::other(reason),
    }
}
