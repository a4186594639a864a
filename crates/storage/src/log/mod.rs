//! `Log`: one partition's log — its segments, offsets, durability and leader epochs.
//!
//! Split by role: appends and rolling ([`append`]), reads and look-ups ([`read`]),
//! group-commit flushing ([`flush`]), removing data from either end ([`retention`]),
//! and producer state with transactions: the last stable offset and the aborted
//! transaction index ([`transactions`]). Opening an existing directory is the loader's
//! job ([`crate::loader`]).
//!
//! Thread-safe. Appends, rolls and segment removal are serialised by one lock; reads
//! run concurrently with them on a snapshot of the segment map.

mod append;
mod flush;
mod read;
mod retention;
mod transactions;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use crate::config::LogConfig;
use crate::error::{Result, StorageError};
use crate::leader_epoch::LeaderEpochCache;
use crate::loader::{LoadParams, LogLoader};
use crate::producer_state::ProducerStateManager;
use crate::segment::LogSegment;
use crate::topic_partition::TopicPartition;

pub use append::{AppendOrigin, LogAppendInfo};
pub use flush::FlushState;
pub use read::LogReadInfo;
pub use retention::DELETED_FILE_SUFFIX;

pub(crate) type SegmentMap = BTreeMap<i64, Arc<LogSegment>>;

pub struct Log {
    topic_partition: TopicPartition,
    dir: RwLock<PathBuf>,
    config: RwLock<Arc<LogConfig>>,
    segments: RwLock<SegmentMap>,
    /// Serialises appends, rolls, truncation and segment removal.
    append_lock: Mutex<()>,
    log_end_offset: AtomicI64,
    log_start_offset: AtomicI64,
    flush: FlushState,
    epochs: Mutex<LeaderEpochCache>,
    /// Segments renamed to `.deleted`, with the time their files may be removed.
    pending_deletes: Mutex<Vec<(i64, Arc<LogSegment>)>>,
    /// A segment file was created since the last flush: its directory entry must be
    /// made durable too, or a power loss could lose the whole file.
    dir_needs_sync: AtomicBool,
    /// The lowest offset truncated to since the cleaner last asked: compaction progress
    /// above it no longer describes the data.
    lowest_truncation: Mutex<Option<i64>>,
    /// Producers' epochs, recent sequences and ongoing transactions; changed under the
    /// append lock.
    producers: Mutex<ProducerStateManager>,
    closed: AtomicBool,
}

impl Log {
    /// Opens the log in `dir` (creating it if needed), recovering it if the last
    /// shutdown was not clean.
    pub fn open(
        dir: &Path,
        topic_partition: TopicPartition,
        config: LogConfig,
        params: LoadParams,
    ) -> Result<Self> {
        let loaded = LogLoader::new(dir, &config).load(params)?;
        let mut epochs = LeaderEpochCache::load(dir);
        epochs.truncate_from_end(loaded.log_end_offset)?;
        epochs.truncate_from_start(loaded.log_start_offset)?;
        let log = Self {
            topic_partition,
            dir: RwLock::new(dir.to_path_buf()),
            config: RwLock::new(Arc::new(config)),
            segments: RwLock::new(loaded.segments),
            append_lock: Mutex::new(()),
            log_end_offset: AtomicI64::new(loaded.log_end_offset),
            log_start_offset: AtomicI64::new(loaded.log_start_offset),
            flush: FlushState::new(loaded.recovery_point),
            epochs: Mutex::new(epochs),
            pending_deletes: Mutex::new(Vec::new()),
            dir_needs_sync: AtomicBool::new(true),
            lowest_truncation: Mutex::new(None),
            producers: Mutex::new(ProducerStateManager::default()),
            closed: AtomicBool::new(false),
        };
        log.load_producer_state(&loaded.recovered_segments)?;
        Ok(log)
    }

    pub fn topic_partition(&self) -> &TopicPartition {
        &self.topic_partition
    }
    pub fn dir(&self) -> PathBuf {
        self.dir.read().clone()
    }
    pub fn config(&self) -> Arc<LogConfig> {
        Arc::clone(&self.config.read())
    }
    /// Applies new settings; they take effect from the next append, roll or retention pass.
    pub fn update_config(&self, config: LogConfig) {
        *self.config.write() = Arc::new(config);
    }

    /// The offset the next appended record gets.
    pub fn log_end_offset(&self) -> i64 {
        self.log_end_offset.load(Ordering::Acquire)
    }
    /// The first offset still readable (moved by retention and DeleteRecords).
    pub fn log_start_offset(&self) -> i64 {
        self.log_start_offset.load(Ordering::Acquire)
    }

    pub fn segment_count(&self) -> usize {
        self.segments.read().len()
    }
    /// A snapshot of the segments, oldest first.
    pub fn segments(&self) -> Vec<Arc<LogSegment>> {
        self.segments.read().values().cloned().collect()
    }
    pub fn active_segment(&self) -> Arc<LogSegment> {
        self.segments
            .read()
            .values()
            .next_back()
            .cloned()
            .expect("a log always has an active segment")
    }
    /// Bytes across all segments.
    pub fn size(&self) -> u64 {
        self.segments.read().values().map(|s| s.size()).sum()
    }

    /// The leader epoch of the record at `offset`, if known.
    pub fn epoch_for_offset(&self, offset: i64) -> Option<i32> {
        self.epochs.lock().epoch_for_offset(offset)
    }
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.lock().latest_epoch()
    }
    /// OffsetForLeaderEpoch: `(epoch, end offset)` for the largest epoch `<= epoch`.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> Option<(i32, i64)> {
        self.epochs
            .lock()
            .end_offset_for(epoch, self.log_end_offset())
    }

    /// The lowest offset the log was truncated to since the last call, if any.
    pub fn take_lowest_truncation(&self) -> Option<i64> {
        self.lowest_truncation.lock().take()
    }

    fn note_truncation(&self, offset: i64) {
        let mut lowest = self.lowest_truncation.lock();
        *lowest = Some(lowest.map_or(offset, |l| l.min(offset)));
    }

    fn ensure_open(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StorageError::LogClosed(self.topic_partition.to_string()));
        }
        Ok(())
    }

    /// Flushes everything and seals the active segment's indexes to their entries, as a
    /// clean shutdown does. The log refuses appends afterwards.
    pub fn close(&self) -> Result<()> {
        let _guard = self.append_lock.lock();
        if self.closed.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let active = self.active_segment();
        active.on_become_inactive()?;
        self.flush_to(self.log_end_offset())?;
        active.flush()?;
        self.snapshot_producer_state(self.log_end_offset())
    }

    /// Renames the log's directory (for deletion); the log must be closed first.
    pub fn rename_dir(&self, new_dir: &Path) -> Result<()> {
        let mut dir = self.dir.write();
        std::fs::rename(&*dir, new_dir).map_err(|source| StorageError::Io {
            path: dir.clone(),
            source,
        })?;
        *dir = new_dir.to_path_buf();
        self.epochs.lock().set_dir(new_dir);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
