//! `.timeindex`: sparse map from timestamp to offset.
//!
//! Entry: timestamp (int64) and relative offset (int32). An entry `(t, o)` means: the
//! largest timestamp in the segment up to and including the batch ending at offset `o`
//! is `t`. Timestamps in the file strictly increase, so a search for `t` lands on a
//! batch at or before the first record with timestamp `>= t`.

use std::path::Path;

use super::{IndexEntry, MmapIndex};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampOffset {
    pub timestamp: i64,
    pub offset: i64,
}

#[derive(Clone, Copy)]
struct Entry {
    timestamp: i64,
    relative_offset: i32,
}

impl IndexEntry for Entry {
    const SIZE: usize = 12;
    fn read(buf: &[u8]) -> Self {
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&buf[..8]);
        Self {
            timestamp: i64::from_be_bytes(ts),
            relative_offset: i32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]),
        }
    }
    fn write(&self, buf: &mut [u8]) {
        buf[..8].copy_from_slice(&self.timestamp.to_be_bytes());
        buf[8..12].copy_from_slice(&self.relative_offset.to_be_bytes());
    }
}

pub struct TimeIndex {
    base_offset: i64,
    index: MmapIndex<Entry>,
}

impl TimeIndex {
    pub fn open(
        path: &Path,
        base_offset: i64,
        max_index_size: u64,
        writable: bool,
    ) -> Result<Self> {
        Ok(Self {
            base_offset,
            index: MmapIndex::open(path, max_index_size, writable)?,
        })
    }

    fn absolute(&self, entry: Entry) -> TimestampOffset {
        TimestampOffset {
            timestamp: entry.timestamp,
            offset: self.base_offset + entry.relative_offset as i64,
        }
    }

    /// The entry with the largest timestamp less than or equal to `timestamp`, or
    /// `(-1, base_offset)` when there is none: where a search for the first record with
    /// timestamp `>= timestamp` starts scanning.
    pub fn lookup(&self, timestamp: i64) -> TimestampOffset {
        self.index
            .largest_lower_bound(timestamp, |e| e.timestamp)
            .and_then(|slot| self.index.entry(slot))
            .map(|e| self.absolute(e))
            .unwrap_or(TimestampOffset {
                timestamp: -1,
                offset: self.base_offset,
            })
    }

    /// Appends `(timestamp, offset)` if `timestamp` is larger than the last entry's:
    /// only a new maximum is worth an entry. `skip_full_check` lets a sealing segment
    /// record its final maximum even into a full index (Kafka does the same).
    pub fn maybe_append(&mut self, timestamp: i64, offset: i64, skip_full_check: bool) -> bool {
        let relative = offset - self.base_offset;
        if !(0..=i32::MAX as i64).contains(&relative) {
            return false;
        }
        if let Some(last) = self.last_entry() {
            if timestamp <= last.timestamp || offset < last.offset {
                return false;
            }
        }
        if self.index.is_full() && skip_full_check {
            let entries = self.index.entries() as u64 + 1;
            if self.index.resize(entries * Entry::SIZE as u64).is_err() {
                return false;
            }
        }
        self.index.push(Entry {
            timestamp,
            relative_offset: relative as i32,
        })
    }

    pub fn last_entry(&self) -> Option<TimestampOffset> {
        self.index.last_entry().map(|e| self.absolute(e))
    }

    /// Removes entries for offsets `>= offset`.
    pub fn truncate_to(&mut self, offset: i64) {
        let mut keep = self.index.entries();
        while keep > 0
            && self
                .index
                .entry(keep - 1)
                .is_some_and(|e| self.absolute(e).offset >= offset)
        {
            keep -= 1;
        }
        self.index.truncate_to_entries(keep);
    }

    pub fn reset(&mut self) {
        self.index.truncate_to_entries(0);
    }

    pub fn is_sane(&self) -> bool {
        let base_ok = self
            .last_entry()
            .is_none_or(|e| e.offset >= self.base_offset);
        base_ok && self.index.is_sane(|e| e.timestamp)
    }

    pub fn inner(&self) -> &MmapIndex<impl IndexEntry> {
        &self.index
    }
    pub fn inner_mut(&mut self) -> &mut MmapIndex<impl IndexEntry> {
        &mut self.index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_time_index_keeps_only_new_maxima() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = TimeIndex::open(&dir.path().join("0.timeindex"), 0, 1200, true).unwrap();
        assert!(idx.maybe_append(1000, 5, false));
        assert!(!idx.maybe_append(900, 9, false));
        assert!(!idx.maybe_append(1000, 9, false));
        assert!(idx.maybe_append(2000, 12, false));
        assert_eq!(
            idx.lookup(999),
            TimestampOffset {
                timestamp: -1,
                offset: 0
            }
        );
        assert_eq!(
            idx.lookup(1500),
            TimestampOffset {
                timestamp: 1000,
                offset: 5
            }
        );
        assert_eq!(
            idx.lookup(2000),
            TimestampOffset {
                timestamp: 2000,
                offset: 12
            }
        );
        idx.truncate_to(12);
        assert_eq!(
            idx.last_entry(),
            Some(TimestampOffset {
                timestamp: 1000,
                offset: 5
            })
        );
    }

    #[test]
    fn test_time_index_sealing_entry_fits_into_full_index() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = TimeIndex::open(&dir.path().join("0.timeindex"), 0, 12, true).unwrap();
        assert!(idx.maybe_append(1, 1, false));
        assert!(!idx.maybe_append(2, 2, false));
        assert!(idx.maybe_append(2, 2, true));
        assert_eq!(idx.inner().entries(), 2);
    }
}
