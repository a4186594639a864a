//! `.index`: sparse map from offset to the file position of the batch holding it.
//!
//! Entry: relative offset (int32, from the segment's base offset) and position (int32).
//! An entry `(o, p)` means: the batch starting at byte `p` has last offset `o`.

use std::path::Path;

use super::{IndexEntry, MmapIndex};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetPosition {
    pub offset: i64,
    pub position: u32,
}

#[derive(Clone, Copy)]
struct Entry {
    relative_offset: i32,
    position: u32,
}

impl IndexEntry for Entry {
    const SIZE: usize = 8;
    fn read(buf: &[u8]) -> Self {
        Self {
            relative_offset: i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]),
            position: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        }
    }
    fn write(&self, buf: &mut [u8]) {
        buf[..4].copy_from_slice(&self.relative_offset.to_be_bytes());
        buf[4..8].copy_from_slice(&self.position.to_be_bytes());
    }
}

pub struct OffsetIndex {
    base_offset: i64,
    index: MmapIndex<Entry>,
}

impl OffsetIndex {
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

    fn absolute(&self, entry: Entry) -> OffsetPosition {
        OffsetPosition {
            offset: self.base_offset + entry.relative_offset as i64,
            position: entry.position,
        }
    }

    /// The entry with the largest offset less than or equal to `target`, or the start of
    /// the segment when there is none. Scanning the log from the returned position finds
    /// the batch holding `target`.
    pub fn lookup(&self, target: i64) -> OffsetPosition {
        let relative = target - self.base_offset;
        self.index
            .largest_lower_bound(relative, |e| e.relative_offset as i64)
            .and_then(|slot| self.index.entry(slot))
            .map(|e| self.absolute(e))
            .unwrap_or(OffsetPosition {
                offset: self.base_offset,
                position: 0,
            })
    }

    /// The entry with the largest position less than or equal to `position`: the start
    /// of a batch at or before that byte.
    pub fn lookup_by_position(&self, position: u32) -> Option<OffsetPosition> {
        self.index
            .largest_lower_bound(position as i64, |e| e.position as i64)
            .and_then(|slot| self.index.entry(slot))
            .map(|e| self.absolute(e))
    }

    /// Appends `(offset, position)`. Offsets must increase; an entry that does not is
    /// ignored rather than corrupting the search order.
    pub fn append(&mut self, offset: i64, position: u32) -> bool {
        let relative = offset - self.base_offset;
        if !(0..=i32::MAX as i64).contains(&relative) {
            return false;
        }
        if self.last_entry().is_some_and(|last| last.offset >= offset) {
            return false;
        }
        self.index.push(Entry {
            relative_offset: relative as i32,
            position,
        })
    }

    pub fn last_entry(&self) -> Option<OffsetPosition> {
        self.index.last_entry().map(|e| self.absolute(e))
    }

    /// Removes entries for offsets `>= offset`.
    pub fn truncate_to(&mut self, offset: i64) {
        let keep = match self
            .index
            .largest_lower_bound(offset - self.base_offset - 1, |e| e.relative_offset as i64)
        {
            Some(slot) => slot + 1,
            None => 0,
        };
        self.index.truncate_to_entries(keep);
    }

    pub fn reset(&mut self) {
        self.index.truncate_to_entries(0);
    }

    pub fn is_sane(&self) -> bool {
        let base_ok = self
            .last_entry()
            .is_none_or(|e| e.offset >= self.base_offset);
        base_ok && self.index.is_sane(|e| e.relative_offset as i64)
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
    use proptest::prelude::*;

    fn index(dir: &tempfile::TempDir, base: i64) -> OffsetIndex {
        OffsetIndex::open(&dir.path().join("0.index"), base, 4096, true).unwrap()
    }

    #[test]
    fn test_offset_index_lookup_before_first_entry_returns_segment_start() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = index(&dir, 100);
        assert!(idx.append(110, 4000));
        assert_eq!(
            idx.lookup(105),
            OffsetPosition {
                offset: 100,
                position: 0
            }
        );
        assert_eq!(
            idx.lookup(110),
            OffsetPosition {
                offset: 110,
                position: 4000
            }
        );
        assert_eq!(
            idx.lookup(999),
            OffsetPosition {
                offset: 110,
                position: 4000
            }
        );
    }

    #[test]
    fn test_offset_index_rejects_non_increasing_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = index(&dir, 0);
        assert!(idx.append(10, 100));
        assert!(!idx.append(10, 200));
        assert!(!idx.append(5, 300));
        assert_eq!(idx.inner().entries(), 1);
    }

    #[test]
    fn test_offset_index_full_after_preallocated_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut idx = OffsetIndex::open(&dir.path().join("0.index"), 0, 24, true).unwrap();
        assert!(idx.append(1, 1) && idx.append(2, 2) && idx.append(3, 3));
        assert!(!idx.append(4, 4));
        assert!(idx.inner().is_full());
    }

    #[test]
    fn test_offset_index_trim_then_reopen_keeps_entries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.index");
        let mut idx = OffsetIndex::open(&path, 50, 4096, true).unwrap();
        idx.append(60, 10);
        idx.append(70, 20);
        idx.inner_mut().trim_to_valid_size().unwrap();
        drop(idx);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 16);
        let idx = OffsetIndex::open(&path, 50, 4096, false).unwrap();
        assert_eq!(
            idx.last_entry(),
            Some(OffsetPosition {
                offset: 70,
                position: 20
            })
        );
        assert!(idx.is_sane());
    }

    #[test]
    fn test_offset_index_zeroed_preallocated_file_is_not_sane() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("0.index");
        std::fs::write(&path, vec![0u8; 64]).unwrap();
        let idx = OffsetIndex::open(&path, 0, 4096, false).unwrap();
        assert!(!idx.is_sane());
    }

    proptest! {
        #[test]
        fn test_offset_index_lookup_matches_linear_scan(
            gaps in proptest::collection::vec(1i64..50, 0..200),
            target in 0i64..10_000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut idx = index(&dir, 0);
            let mut entries = Vec::new();
            let (mut offset, mut pos) = (0i64, 0u32);
            for gap in gaps {
                offset += gap;
                pos += gap as u32 * 10;
                prop_assert!(idx.append(offset, pos));
                entries.push(OffsetPosition { offset, position: pos });
            }
            let expected = entries.iter().rev().find(|e| e.offset <= target).copied()
                .unwrap_or(OffsetPosition { offset: 0, position: 0 });
            prop_assert_eq!(idx.lookup(target), expected);
            let by_pos = entries.iter().rev().find(|e| e.position as i64 <= target).copied();
            prop_assert_eq!(idx.lookup_by_position(target as u32), by_pos);
            idx.truncate_to(target);
            prop_assert!(idx.last_entry().is_none_or(|e| e.offset < target));
            let kept = entries.iter().filter(|e| e.offset < target).count();
            prop_assert_eq!(idx.inner().entries(), kept);
        }
    }
}
