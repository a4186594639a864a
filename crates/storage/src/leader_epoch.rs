//! The leader epoch cache: which leader epoch started at which offset, persisted as
//! the partition's `leader-epoch-checkpoint` (KIP-101). Followers use it to truncate
//! to the right offset after a leader change (OffsetForLeaderEpoch).

use std::path::{Path, PathBuf};

use crate::checkpoint::{read_checkpoint, write_checkpoint, LEADER_EPOCH_CHECKPOINT};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: i64,
}

/// Not thread-safe; the log keeps it behind a lock.
pub struct LeaderEpochCache {
    path: PathBuf,
    entries: Vec<EpochEntry>,
}

impl LeaderEpochCache {
    /// Loads the checkpoint in `dir`; a damaged file is logged and treated as empty
    /// (the epochs are rebuilt from the batches appended from now on).
    pub fn load(dir: &Path) -> Self {
        let path = dir.join(LEADER_EPOCH_CHECKPOINT);
        let entries = match read_checkpoint(&path) {
            Ok(lines) => lines.iter().filter_map(|line| parse_entry(line)).collect(),
            Err(err) => {
                tracing::warn!(%err, "ignoring unreadable leader epoch checkpoint");
                Vec::new()
            }
        };
        Self { path, entries }
    }

    pub fn set_dir(&mut self, dir: &Path) {
        self.path = dir.join(LEADER_EPOCH_CHECKPOINT);
    }

    pub fn entries(&self) -> &[EpochEntry] {
        &self.entries
    }

    pub fn latest_epoch(&self) -> Option<i32> {
        self.entries.last().map(|e| e.epoch)
    }

    /// Records that `epoch` starts at `start_offset` if it is newer than the latest.
    pub fn assign(&mut self, epoch: i32, start_offset: i64) -> Result<()> {
        if epoch < 0 || self.latest_epoch().is_some_and(|latest| epoch <= latest) {
            return Ok(());
        }
        self.entries.retain(|e| e.start_offset < start_offset);
        self.entries.push(EpochEntry {
            epoch,
            start_offset,
        });
        self.flush()
    }

    /// The epoch of the record at `offset`.
    pub fn epoch_for_offset(&self, offset: i64) -> Option<i32> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.start_offset <= offset)
            .map(|e| e.epoch)
    }

    /// For OffsetForLeaderEpoch: the largest epoch `<= requested` and the offset where
    /// the next epoch starts (or `log_end_offset` for the latest epoch).
    pub fn end_offset_for(&self, requested: i32, log_end_offset: i64) -> Option<(i32, i64)> {
        let slot = self.entries.iter().rposition(|e| e.epoch <= requested)?;
        let end = self
            .entries
            .get(slot + 1)
            .map_or(log_end_offset, |next| next.start_offset);
        Some((self.entries[slot].epoch, end))
    }

    /// Drops epochs that start at or after `end_offset` (log truncated to it).
    pub fn truncate_from_end(&mut self, end_offset: i64) -> Result<()> {
        let before = self.entries.len();
        self.entries.retain(|e| e.start_offset < end_offset);
        if self.entries.len() != before {
            self.flush()?;
        }
        Ok(())
    }

    /// The log now starts at `start_offset`: earlier epochs are dropped and the one
    /// covering it is moved to start there.
    pub fn truncate_from_start(&mut self, start_offset: i64) -> Result<()> {
        let Some(keep_from) = self
            .entries
            .iter()
            .rposition(|e| e.start_offset <= start_offset)
        else {
            return Ok(());
        };
        if keep_from == 0 && self.entries[0].start_offset == start_offset {
            return Ok(());
        }
        self.entries.drain(..keep_from);
        self.entries[0].start_offset = start_offset;
        self.flush()
    }

    fn flush(&self) -> Result<()> {
        let lines: Vec<String> = self
            .entries
            .iter()
            .map(|e| format!("{} {}", e.epoch, e.start_offset))
            .collect();
        write_checkpoint(&self.path, &lines)
    }
}

fn parse_entry(line: &str) -> Option<EpochEntry> {
    let mut parts = line.split_whitespace();
    Some(EpochEntry {
        epoch: parts.next()?.parse().ok()?,
        start_offset: parts.next()?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_leader_epoch_cache_assign_persist_and_truncate() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = LeaderEpochCache::load(dir.path());
        cache.assign(0, 0).unwrap();
        cache.assign(0, 5).unwrap();
        cache.assign(3, 10).unwrap();
        cache.assign(5, 20).unwrap();
        let text = std::fs::read_to_string(dir.path().join(LEADER_EPOCH_CHECKPOINT)).unwrap();
        assert_eq!(text, "0\n3\n0 0\n3 10\n5 20\n");
        assert_eq!(cache.epoch_for_offset(15), Some(3));
        assert_eq!(cache.end_offset_for(4, 30), Some((3, 20)));
        assert_eq!(cache.end_offset_for(5, 30), Some((5, 30)));
        cache.truncate_from_end(20).unwrap();
        cache.truncate_from_start(12).unwrap();
        let reloaded = LeaderEpochCache::load(dir.path());
        assert_eq!(
            reloaded.entries(),
            &[EpochEntry {
                epoch: 3,
                start_offset: 12
            }]
        );
    }
}
