//! Sparse, memory-mapped index files: `.index` (offset → position) and `.timeindex`
//! (timestamp → offset).
//!
//! Both are arrays of fixed-size big-endian entries, preallocated to
//! `segment.index.bytes` while their segment is active and trimmed to their entries
//! when it is sealed. The search is written once here ([`MmapIndex::largest_lower_bound`]);
//! [`OffsetIndex`] and [`TimeIndex`] only define their entry layout.
//!
//! Indexes are an accelerator, never the source of truth: recovery rebuilds any index
//! that is missing or fails its sanity check from the `.log` file.
//!
//! Not thread-safe on its own; a segment keeps its indexes behind a lock.

mod offset_index;
mod time_index;

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use memmap2::MmapMut;

use crate::error::{IoContext, Result};

pub use offset_index::{OffsetIndex, OffsetPosition};
pub use time_index::{TimeIndex, TimestampOffset};

/// The layout of one index entry.
pub trait IndexEntry: Copy {
    const SIZE: usize;
    fn read(buf: &[u8]) -> Self;
    fn write(&self, buf: &mut [u8]);
}

/// A preallocated, memory-mapped file of `E` entries.
pub struct MmapIndex<E: IndexEntry> {
    path: PathBuf,
    file: File,
    /// `None` while the file is empty: a zero-length file cannot be mapped.
    mmap: Option<MmapMut>,
    entries: usize,
    max_entries: usize,
    /// Whether the file held a whole number of entries when opened: a torn or foreign
    /// file fails the sanity check even after resizing has squared its length.
    whole_entries_at_open: bool,
    _entry: std::marker::PhantomData<E>,
}

impl<E: IndexEntry> MmapIndex<E> {
    /// Opens (or creates) the index at `path`. An existing file keeps its entries (its
    /// length decides how many); a writable index is then grown to `max_index_size` so
    /// that appends need no remapping.
    pub fn open(path: &Path, max_index_size: u64, writable: bool) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .at(path)?;
        let len = file.metadata().at(path)?.len();
        let entries = (len / E::SIZE as u64) as usize;
        let mut index = Self {
            path: path.to_path_buf(),
            file,
            mmap: None,
            entries,
            max_entries: entries,
            whole_entries_at_open: len % E::SIZE as u64 == 0,
            _entry: std::marker::PhantomData,
        };
        let target = if writable {
            max_index_size.max(len)
        } else {
            len
        };
        index.resize(target)?;
        Ok(index)
    }

    /// Resizes the file (and the mapping) to the largest multiple of the entry size
    /// not above `new_size`, keeping the entries that still fit.
    pub fn resize(&mut self, new_size: u64) -> Result<()> {
        let rounded = new_size / E::SIZE as u64 * E::SIZE as u64;
        self.mmap = None;
        self.file.set_len(rounded).at(&self.path)?;
        self.max_entries = (rounded / E::SIZE as u64) as usize;
        self.entries = self.entries.min(self.max_entries);
        if rounded > 0 {
            // SAFETY: the file is owned by this index and only ever changed through it;
            // other processes touching a broker's log dir are outside our contract (the
            // log dir is locked at start-up).
            let mmap = unsafe { MmapMut::map_mut(&self.file) }.at(&self.path)?;
            self.mmap = Some(mmap);
        }
        Ok(())
    }

    /// Shrinks the file to exactly its entries: done when a segment is sealed.
    pub fn trim_to_valid_size(&mut self) -> Result<()> {
        self.resize((self.entries * E::SIZE) as u64)
    }

    pub fn entries(&self) -> usize {
        self.entries
    }
    pub fn is_full(&self) -> bool {
        self.entries >= self.max_entries
    }
    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn set_path(&mut self, path: PathBuf) {
        self.path = path;
    }
    /// Bytes the entries occupy (not the preallocated length).
    pub fn size_in_bytes(&self) -> u64 {
        (self.entries * E::SIZE) as u64
    }

    pub fn entry(&self, slot: usize) -> Option<E> {
        if slot >= self.entries {
            return None;
        }
        let mmap = self.mmap.as_ref()?;
        Some(E::read(&mmap[slot * E::SIZE..(slot + 1) * E::SIZE]))
    }

    pub fn last_entry(&self) -> Option<E> {
        self.entries
            .checked_sub(1)
            .and_then(|slot| self.entry(slot))
    }

    /// Appends an entry; `false` when the index is full.
    pub fn push(&mut self, entry: E) -> bool {
        if self.is_full() {
            return false;
        }
        let Some(mmap) = self.mmap.as_mut() else {
            return false;
        };
        let at = self.entries * E::SIZE;
        entry.write(&mut mmap[at..at + E::SIZE]);
        self.entries += 1;
        true
    }

    /// Keeps the first `entries` entries.
    pub fn truncate_to_entries(&mut self, entries: usize) {
        self.entries = self.entries.min(entries);
    }

    /// The slot of the last entry whose key is `<= target`, given that keys are
    /// non-decreasing along the file; `None` when every key is greater (or the index is
    /// empty).
    pub fn largest_lower_bound(&self, target: i64, key: impl Fn(&E) -> i64) -> Option<usize> {
        let (mut lo, mut hi) = (0usize, self.entries);
        // Invariant: keys in [0, lo) are <= target, keys in [hi, entries) are > target.
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let entry = self.entry(mid)?;
            if key(&entry) <= target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo.checked_sub(1)
    }

    /// Writes dirty pages to disk.
    pub fn flush(&self) -> Result<()> {
        if let Some(mmap) = &self.mmap {
            mmap.flush().at(&self.path)?;
        }
        Ok(())
    }

    /// `true` when the file held a whole number of entries and the entries' keys
    /// strictly increase: what an index written by us always satisfies.
    pub fn is_sane(&self, key: impl Fn(&E) -> i64) -> bool {
        if !self.whole_entries_at_open {
            return false;
        }
        let mut previous = None;
        for slot in 0..self.entries {
            let Some(entry) = self.entry(slot) else {
                return false;
            };
            let k = key(&entry);
            if previous.is_some_and(|p| k <= p) {
                return false;
            }
            previous = Some(k);
        }
        true
    }
}
