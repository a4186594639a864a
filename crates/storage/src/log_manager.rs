//! `LogManager`: every partition log under `log.dirs`, and the background work on them.
//!
//! At start-up it locks each log dir, reads the checkpoints at its root, and opens
//! every `<topic>-<partition>` directory (recovering those that need it when the dir
//! has no clean-shutdown marker), several at a time. Two threads then do the
//! background work: a scheduler (flush by `flush.ms`, checkpoints, retention, removal
//! of `.deleted` files) and the log cleaner (compaction). On shutdown every log is
//! flushed and sealed, the checkpoints are written and the marker is left behind.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::{Condvar, Mutex, RwLock};

use crate::checkpoint::{
    OffsetCheckpointFile, CLEANER_OFFSET_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT,
    RECOVERY_POINT_CHECKPOINT,
};
use crate::config::LogConfig;
use crate::error::{IoContext, Result, StorageError};
use crate::loader::LoadParams;
use crate::log::Log;
use crate::segment::now_ms;
use crate::topic_partition::TopicPartition;
use crate::{cleaner, partition_metadata};

/// Kafka's clean-shutdown marker at a log dir's root.
pub const CLEAN_SHUTDOWN_FILE: &str = ".kafka_cleanshutdown";
pub const LOCK_FILE: &str = ".lock";
/// Suffix of a partition directory whose deletion is under way.
pub const DELETE_DIR_SUFFIX: &str = "-delete";

/// Broker-level storage settings (Kafka's `log.*` server configs that are not per topic).
#[derive(Debug, Clone)]
pub struct LogManagerConfig {
    /// `log.dirs`.
    pub log_dirs: Vec<PathBuf>,
    /// The topic-level defaults, from the broker's `log.*` settings.
    pub default_log_config: LogConfig,
    /// `num.recovery.threads.per.data.dir`.
    pub recovery_threads_per_data_dir: usize,
    /// `log.flush.scheduler.interval.ms`: how often `flush.ms` is checked.
    pub flush_scheduler_interval_ms: u64,
    /// `log.flush.offset.checkpoint.interval.ms`.
    pub flush_offset_checkpoint_interval_ms: u64,
    /// `log.flush.start.offset.checkpoint.interval.ms`.
    pub flush_start_offset_checkpoint_interval_ms: u64,
    /// `log.retention.check.interval.ms`.
    pub retention_check_interval_ms: u64,
    /// `log.cleaner.enable`.
    pub cleaner_enable: bool,
    /// `log.cleaner.backoff.ms`.
    pub cleaner_backoff_ms: u64,
}

impl LogManagerConfig {
    /// Kafka's defaults for everything but the directories.
    pub fn new(log_dirs: Vec<PathBuf>) -> Self {
        Self {
            log_dirs,
            default_log_config: LogConfig::default(),
            recovery_threads_per_data_dir: 2,
            flush_scheduler_interval_ms: u64::MAX,
            flush_offset_checkpoint_interval_ms: 60_000,
            flush_start_offset_checkpoint_interval_ms: 60_000,
            retention_check_interval_ms: 300_000,
            cleaner_enable: true,
            cleaner_backoff_ms: 15_000,
        }
    }
}

/// Owns the logs of all partitions on this node. Thread-safe.
pub struct LogManager {
    config: LogManagerConfig,
    logs: RwLock<HashMap<TopicPartition, Arc<Log>>>,
    /// The `.lock` file of each log dir, held until shutdown.
    dir_locks: Mutex<Vec<File>>,
    /// Where each partition's compaction stopped (`cleaner-offset-checkpoint`).
    cleaner_checkpoints: Mutex<HashMap<TopicPartition, i64>>,
    /// Renamed partition directories waiting to be removed.
    pending_dir_deletes: Mutex<Vec<PathBuf>>,
    /// Shared with the background threads, which hold the manager itself only while
    /// working, so a manager dropped without `shutdown` is still freed.
    stop: Arc<StopSignal>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

#[derive(Default)]
struct StopSignal {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl StopSignal {
    fn stop(&self) {
        *self.stopped.lock() = true;
        self.wake.notify_all();
    }

    /// Sleeps up to `timeout`; `true` when stopped.
    fn wait(&self, timeout: Duration) -> bool {
        let mut stopped = self.stopped.lock();
        if !*stopped {
            self.wake.wait_for(&mut stopped, timeout);
        }
        *stopped
    }
}

impl Drop for LogManager {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

impl LogManager {
    /// Opens every log dir, recovering logs that were not shut down cleanly, and
    /// starts the background threads (flush, checkpoints, retention, cleaner).
    pub fn startup(config: LogManagerConfig) -> Result<Arc<Self>> {
        let mut dir_locks = Vec::new();
        let mut logs = HashMap::new();
        let mut cleaner_checkpoints = HashMap::new();
        for dir in &config.log_dirs {
            std::fs::create_dir_all(dir).at(dir)?;
            dir_locks.push(lock_dir(dir)?);
            for (tp, log) in load_dir(dir, &config)? {
                logs.insert(tp, log);
            }
            cleaner_checkpoints.extend(read_offsets(dir, CLEANER_OFFSET_CHECKPOINT));
        }
        let manager = Arc::new(Self {
            config,
            logs: RwLock::new(logs),
            dir_locks: Mutex::new(dir_locks),
            cleaner_checkpoints: Mutex::new(cleaner_checkpoints),
            pending_dir_deletes: Mutex::new(Vec::new()),
            stop: Arc::default(),
            threads: Mutex::new(Vec::new()),
        });
        // Markers go only once every log is open: a crash during loading must recover again.
        manager.checkpoint_all()?;
        for dir in &manager.config.log_dirs {
            let marker = dir.join(CLEAN_SHUTDOWN_FILE);
            if marker.exists() {
                std::fs::remove_file(&marker).at(&marker)?;
            }
        }
        manager.start_threads()?;
        tracing::info!(logs = manager.logs.read().len(), "log manager started");
        Ok(manager)
    }

    pub fn config(&self) -> &LogManagerConfig {
        &self.config
    }

    pub fn get_log(&self, tp: &TopicPartition) -> Option<Arc<Log>> {
        self.logs.read().get(tp).cloned()
    }

    pub fn all_logs(&self) -> Vec<Arc<Log>> {
        self.logs.read().values().cloned().collect()
    }

    /// The log of `tp`, created in the log dir holding the fewest partitions if it does
    /// not exist. `config` defaults to the broker's log settings; a `topic_id` is
    /// recorded in `partition.metadata`.
    pub fn get_or_create_log(
        &self,
        tp: &TopicPartition,
        topic_id: Option<uuid::Uuid>,
        config: Option<LogConfig>,
    ) -> Result<Arc<Log>> {
        if let Some(log) = self.get_log(tp) {
            return Ok(log);
        }
        let mut logs = self.logs.write();
        if let Some(log) = logs.get(tp) {
            return Ok(Arc::clone(log));
        }
        let parent = self.least_loaded_dir(&logs);
        let dir = parent.join(tp.dir_name());
        std::fs::create_dir_all(&dir).at(&dir)?;
        std::fs::File::open(&parent)
            .and_then(|d| d.sync_all())
            .at(&parent)?;
        if let Some(id) = topic_id {
            partition_metadata::write(&dir, id)?;
        }
        let config = config.unwrap_or_else(|| self.config.default_log_config.clone());
        let log = Arc::new(Log::open(&dir, tp.clone(), config, LoadParams::new_log())?);
        logs.insert(tp.clone(), Arc::clone(&log));
        tracing::info!(partition = %tp, dir = %dir.display(), "created log");
        Ok(log)
    }

    fn least_loaded_dir(&self, logs: &HashMap<TopicPartition, Arc<Log>>) -> PathBuf {
        let count = |dir: &Path| {
            logs.values()
                .filter(|l| l.dir().parent() == Some(dir))
                .count()
        };
        self.config
            .log_dirs
            .iter()
            .min_by_key(|d| count(d))
            .cloned()
            .unwrap_or_else(|| PathBuf::from("."))
    }

    /// Removes `tp`'s log: closed, its directory renamed `<tp>.<id>-delete` at once and
    /// removed in the background.
    pub fn delete_log(&self, tp: &TopicPartition) -> Result<bool> {
        let Some(log) = self.logs.write().remove(tp) else {
            return Ok(false);
        };
        log.close()?;
        let dir = log.dir();
        let renamed = dir.with_file_name(format!(
            "{}.{}{DELETE_DIR_SUFFIX}",
            tp.dir_name(),
            uuid::Uuid::new_v4().simple()
        ));
        log.rename_dir(&renamed)?;
        self.cleaner_checkpoints.lock().remove(tp);
        self.pending_dir_deletes.lock().push(renamed);
        Ok(true)
    }

    /// Applies new settings to `tp`'s log.
    pub fn update_log_config(&self, tp: &TopicPartition, config: LogConfig) -> bool {
        self.get_log(tp)
            .map(|log| log.update_config(config))
            .is_some()
    }

    /// Writes the recovery-point and log-start-offset checkpoints of every log dir.
    pub fn checkpoint_all(&self) -> Result<()> {
        self.checkpoint(RECOVERY_POINT_CHECKPOINT, |log| log.recovery_point())?;
        self.checkpoint(LOG_START_OFFSET_CHECKPOINT, |log| log.log_start_offset())?;
        let cleaner = self.cleaner_checkpoints.lock().clone();
        for dir in &self.config.log_dirs {
            let entries: Vec<_> = self
                .logs_in(dir)
                .into_iter()
                .filter_map(|log| {
                    cleaner
                        .get(log.topic_partition())
                        .map(|o| (log.topic_partition().clone(), *o))
                })
                .collect();
            OffsetCheckpointFile::new(dir, CLEANER_OFFSET_CHECKPOINT).write(&entries)?;
        }
        Ok(())
    }

    fn checkpoint(&self, name: &str, value: impl Fn(&Log) -> i64) -> Result<()> {
        for dir in &self.config.log_dirs {
            let mut entries: Vec<_> = self
                .logs_in(dir)
                .iter()
                .map(|log| (log.topic_partition().clone(), value(log)))
                .collect();
            entries.sort();
            OffsetCheckpointFile::new(dir, name).write(&entries)?;
        }
        Ok(())
    }

    fn logs_in(&self, dir: &Path) -> Vec<Arc<Log>> {
        self.logs
            .read()
            .values()
            .filter(|l| l.dir().parent() == Some(dir))
            .cloned()
            .collect()
    }

    /// One retention pass over every log, then removal of files whose delay passed.
    pub fn run_retention(&self, now_ms: i64) -> Result<usize> {
        let mut deleted = 0;
        for log in self.all_logs() {
            deleted += log.delete_old_segments(now_ms)?;
            log.delete_due_files(now_ms, false)?;
        }
        Ok(deleted)
    }

    /// One compaction pass over the compacted logs whose dirty ratio reached
    /// `min.cleanable.dirty.ratio` (every compacted log with dirty data when `force`).
    pub fn run_cleaner(
        &self,
        now_ms: i64,
        force: bool,
    ) -> Result<Vec<(TopicPartition, cleaner::CleanerStats)>> {
        let mut cleaned = Vec::new();
        for log in self.all_logs() {
            let config = log.config();
            if !config.cleanup_policy.compact {
                continue;
            }
            let tp = log.topic_partition().clone();
            let first_dirty = self.first_dirty_offset(&log);
            let due = cleaner::dirty_ratio(&log, first_dirty, now_ms)
                .is_some_and(|ratio| force || ratio >= config.min_cleanable_dirty_ratio);
            if !due {
                continue;
            }
            if let Some(result) = cleaner::clean_log(&log, first_dirty, now_ms)? {
                self.cleaner_checkpoints
                    .lock()
                    .insert(tp.clone(), result.first_dirty_offset);
                cleaned.push((tp, result.stats));
            }
        }
        if !cleaned.is_empty() {
            self.checkpoint_all()?;
        }
        Ok(cleaned)
    }

    /// Stops the background threads, flushes and seals every log, writes the
    /// checkpoints, and leaves the clean-shutdown marker in each log dir.
    pub fn shutdown(&self) -> Result<()> {
        self.stop.stop();
        for handle in self.threads.lock().drain(..) {
            let _ = handle.join();
        }
        for log in self.all_logs() {
            log.close()?;
            log.delete_due_files(i64::MAX, true)?;
        }
        self.checkpoint_all()?;
        self.remove_pending_dirs();
        for dir in &self.config.log_dirs {
            let marker = dir.join(CLEAN_SHUTDOWN_FILE);
            crate::checkpoint::write_checkpoint_raw(
                &marker,
                b"{\"version\":0,\"brokerEpoch\":-1}",
            )?;
        }
        self.dir_locks.lock().clear();
        tracing::info!("log manager shut down cleanly");
        Ok(())
    }

    fn remove_pending_dirs(&self) {
        for dir in self.pending_dir_deletes.lock().drain(..) {
            if let Err(err) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(dir = %dir.display(), %err, "could not remove deleted log dir");
            }
        }
    }

    fn start_threads(self: &Arc<Self>) -> Result<()> {
        let mut scheduler = Scheduler::new(&self.config);
        let weak = Arc::downgrade(self);
        let mut threads = self.threads.lock();
        let tick = scheduler.tick;
        threads.push(spawn(
            "fjord-log-scheduler",
            weak.clone(),
            &self.stop,
            tick,
            move |m| scheduler.run_due(m),
        )?);
        if self.config.cleaner_enable {
            let backoff = Duration::from_millis(self.config.cleaner_backoff_ms.max(10));
            threads.push(spawn(
                "fjord-log-cleaner",
                weak,
                &self.stop,
                backoff,
                |m| {
                    if let Err(err) = m.run_cleaner(now_ms(), false) {
                        tracing::error!(%err, "log cleaner pass failed");
                    }
                },
            )?);
        }
        Ok(())
    }

    /// Where compaction of `log` resumes: the checkpoint, lowered to any truncation
    /// since, unless it lies outside the log (then the log start, as Kafka resets it).
    fn first_dirty_offset(&self, log: &Log) -> i64 {
        let log_start = log.log_start_offset();
        let mut checkpoints = self.cleaner_checkpoints.lock();
        if let Some(truncated) = log.take_lowest_truncation() {
            if let Some(first_dirty) = checkpoints.get_mut(log.topic_partition()) {
                *first_dirty = (*first_dirty).min(truncated);
            }
        }
        match checkpoints.get(log.topic_partition()).copied() {
            Some(offset) if offset >= log_start && offset <= log.log_end_offset() => offset,
            Some(offset) => {
                tracing::warn!(partition = %log.topic_partition(), offset, log_start, "cleaner checkpoint outside the log; resetting to the log start");
                log_start
            }
            None => log_start,
        }
    }
}

fn spawn(
    name: &str,
    manager: Weak<LogManager>,
    stop: &Arc<StopSignal>,
    period: Duration,
    mut work: impl FnMut(&LogManager) + Send + 'static,
) -> Result<JoinHandle<()>> {
    let stop = Arc::clone(stop);
    let thread = std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            while !stop.wait(period) {
                let Some(manager) = manager.upgrade() else {
                    return;
                };
                work(&manager);
            }
        });
    thread.map_err(|source| StorageError::Io {
        path: PathBuf::from(name),
        source,
    })
}

/// The periodic tasks of the scheduler thread and when each is next due.
struct Scheduler {
    tick: Duration,
    intervals: [i64; 3],
    next_due: [i64; 3],
}

impl Scheduler {
    const FLUSH: usize = 0;
    const CHECKPOINT: usize = 1;
    const RETENTION: usize = 2;

    fn new(config: &LogManagerConfig) -> Self {
        let as_ms = |v: u64| v.min(i64::MAX as u64) as i64;
        let intervals = [
            as_ms(config.flush_scheduler_interval_ms).min(1000),
            as_ms(
                config
                    .flush_offset_checkpoint_interval_ms
                    .min(config.flush_start_offset_checkpoint_interval_ms),
            ),
            as_ms(config.retention_check_interval_ms),
        ];
        let tick = Duration::from_millis(
            intervals
                .iter()
                .copied()
                .min()
                .unwrap_or(1000)
                .clamp(10, 1000) as u64,
        );
        let now = now_ms();
        Self {
            tick,
            intervals,
            next_due: intervals.map(|i| now.saturating_add(i)),
        }
    }

    fn run_due(&mut self, manager: &LogManager) {
        let now = now_ms();
        for task in 0..self.intervals.len() {
            if now < self.next_due[task] {
                continue;
            }
            self.next_due[task] = now.saturating_add(self.intervals[task]);
            let outcome = match task {
                Self::FLUSH => manager
                    .all_logs()
                    .iter()
                    .try_for_each(|log| log.flush_if_due(now)),
                Self::CHECKPOINT => manager.checkpoint_all(),
                Self::RETENTION => manager.run_retention(now).map(|_| ()),
                _ => Ok(()),
            };
            if let Err(err) = outcome {
                tracing::error!(%err, task, "background log task failed");
            }
        }
        for log in manager.all_logs() {
            if let Err(err) = log.delete_due_files(now, false) {
                tracing::error!(%err, partition = %log.topic_partition(), "cannot remove deleted segment files");
            }
        }
        manager.remove_pending_dirs();
    }
}

fn lock_dir(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK_FILE);
    let file = File::create(&path).at(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => Err(StorageError::Io {
            path: path.clone(),
            source: std::io::Error::other(format!(
                "Failed to acquire lock on file .lock in {}. A Fjord or Kafka instance in another process is using this directory.",
                dir.display()
            )),
        }),
    }
}

fn read_offsets(dir: &Path, name: &str) -> HashMap<TopicPartition, i64> {
    match OffsetCheckpointFile::new(dir, name).read() {
        Ok(entries) => entries.into_iter().collect(),
        Err(err) => {
            tracing::warn!(%err, "ignoring unreadable checkpoint; affected logs are fully recovered");
            HashMap::new()
        }
    }
}

/// Opens every partition directory of one log dir, `recovery_threads_per_data_dir` at a time.
type OpenedLogs = Vec<(TopicPartition, Arc<Log>)>;

fn load_dir(dir: &Path, config: &LogManagerConfig) -> Result<OpenedLogs> {
    let clean = dir.join(CLEAN_SHUTDOWN_FILE).exists();
    let recovery_points = read_offsets(dir, RECOVERY_POINT_CHECKPOINT);
    let log_starts = read_offsets(dir, LOG_START_OFFSET_CHECKPOINT);
    let mut partitions = Vec::new();
    for entry in std::fs::read_dir(dir).at(dir)? {
        let entry = entry.at(dir)?;
        let path = entry.path();
        if !entry.file_type().at(&path)?.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(DELETE_DIR_SUFFIX) {
            std::fs::remove_dir_all(&path).at(&path)?;
            continue;
        }
        if let Some(tp) = TopicPartition::parse_dir_name(&name) {
            partitions.push((tp, path));
        }
    }
    if !clean && !partitions.is_empty() {
        tracing::warn!(dir = %dir.display(), "no clean shutdown marker: recovering logs past their recovery points");
    }
    let threads = config.recovery_threads_per_data_dir.max(1);
    let chunk = partitions.len().div_ceil(threads).max(1);
    let results: Vec<Result<OpenedLogs>> = std::thread::scope(|scope| {
        let handles: Vec<_> = partitions
            .chunks(chunk)
            .map(|chunk| {
                let (recovery_points, log_starts) = (&recovery_points, &log_starts);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(tp, path)| {
                            let params = LoadParams {
                                had_clean_shutdown: clean,
                                recovery_point: recovery_points.get(tp).copied().unwrap_or(0),
                                log_start_offset: log_starts.get(tp).copied().unwrap_or(0),
                            };
                            let log = Log::open(
                                path,
                                tp.clone(),
                                config.default_log_config.clone(),
                                params,
                            )?;
                            Ok((tp.clone(), Arc::new(log)))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(StorageError::LogClosed("recovery thread panicked".into()))
                })
            })
            .collect()
    });
    let mut logs = Vec::new();
    for result in results {
        logs.extend(result?);
    }
    Ok(logs)
}
