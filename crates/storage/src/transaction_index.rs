//! `.txnindex`: the aborted transactions whose ABORT marker lies in a segment, in the
//! layout of Kafka's `TransactionIndex`, so that a `read_committed` fetch can tell its
//! consumer which producers' records to drop.
//!
//! ```text
//! entry (34 bytes, big-endian):
//!   version int16 (0), producer_id int64, first_offset int64, last_offset int64,
//!   last_stable_offset int64
//! ```
//!
//! `first_offset` is the transaction's first offset, `last_offset` the offset of its ABORT
//! marker, `last_stable_offset` the partition's LSO once the transaction was complete.
//! Entries are in marker order. The file is created by the first entry: a segment
//! without aborted transactions has none, and a missing file is an empty index.
//!
//! Entries are few (one per aborted transaction), so the index keeps them in memory as
//! well; the file is appended to and otherwise only read when the segment is opened.
//! Not thread-safe on its own; a segment keeps it behind a lock.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result, StorageError};

pub const TXN_INDEX_FILE_SUFFIX: &str = ".txnindex";
/// Bytes per entry.
pub const ENTRY_SIZE: usize = 2 + 8 + 8 + 8 + 8;
const VERSION: i16 = 0;

/// One aborted transaction as the index stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbortedTxnEntry {
    pub producer_id: i64,
    pub first_offset: i64,
    /// The offset of the ABORT marker.
    pub last_offset: i64,
    /// The last stable offset once the transaction was complete.
    pub last_stable_offset: i64,
}

/// An aborted transaction as a fetch response lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AbortedTxn {
    pub producer_id: i64,
    pub first_offset: i64,
}

impl From<AbortedTxnEntry> for AbortedTxn {
    fn from(entry: AbortedTxnEntry) -> Self {
        Self {
            producer_id: entry.producer_id,
            first_offset: entry.first_offset,
        }
    }
}

impl AbortedTxnEntry {
    pub fn encode(&self) -> [u8; ENTRY_SIZE] {
        let mut buf = [0u8; ENTRY_SIZE];
        buf[0..2].copy_from_slice(&VERSION.to_be_bytes());
        buf[2..10].copy_from_slice(&self.producer_id.to_be_bytes());
        buf[10..18].copy_from_slice(&self.first_offset.to_be_bytes());
        buf[18..26].copy_from_slice(&self.last_offset.to_be_bytes());
        buf[26..34].copy_from_slice(&self.last_stable_offset.to_be_bytes());
        buf
    }

    /// Decodes one entry; `None` for a version this code does not know.
    pub fn decode(buf: &[u8; ENTRY_SIZE]) -> Option<Self> {
        let i64_at = |at: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[at..at + 8]);
            i64::from_be_bytes(b)
        };
        (i16::from_be_bytes([buf[0], buf[1]]) == VERSION).then(|| Self {
            producer_id: i64_at(2),
            first_offset: i64_at(10),
            last_offset: i64_at(18),
            last_stable_offset: i64_at(26),
        })
    }

    /// Whether the transaction overlaps the offsets `[start, upper)`.
    pub fn overlaps(&self, start: i64, upper: i64) -> bool {
        self.last_offset >= start && self.first_offset < upper
    }
}

/// The entries of the file at `path` (none if it does not exist), and whether the file
/// was well formed: whole entries of a known version. Used by tools as well.
pub fn read_entries(path: &Path) -> Result<(Vec<AbortedTxnEntry>, bool)> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), true)),
        Err(err) => return Err(err).at(path),
    };
    let mut entries = Vec::with_capacity(bytes.len() / ENTRY_SIZE);
    let mut well_formed = bytes.len() % ENTRY_SIZE == 0;
    for chunk in bytes.chunks_exact(ENTRY_SIZE) {
        let Ok(raw) = <&[u8; ENTRY_SIZE]>::try_from(chunk) else {
            unreachable!("chunks_exact yields whole entries")
        };
        match AbortedTxnEntry::decode(raw) {
            Some(entry) => entries.push(entry),
            None => {
                well_formed = false;
                break;
            }
        }
    }
    Ok((entries, well_formed))
}

pub struct TransactionIndex {
    path: PathBuf,
    base_offset: i64,
    /// Open once the file exists and has been written through this index.
    file: Option<File>,
    entries: Vec<AbortedTxnEntry>,
    /// Whether the file passed its checks when opened (see [`TransactionIndex::is_sane`]).
    sane_at_open: bool,
}

impl TransactionIndex {
    /// Reads the index at `path` if it exists; it is not created until an entry comes.
    pub fn open(path: &Path, base_offset: i64) -> Result<Self> {
        let (entries, well_formed) = read_entries(path)?;
        let ordered = entries
            .windows(2)
            .all(|w| w[0].last_offset < w[1].last_offset);
        let in_segment = entries.iter().all(|e| e.last_offset >= base_offset);
        Ok(Self {
            path: path.to_path_buf(),
            base_offset,
            file: None,
            entries,
            sane_at_open: well_formed && ordered && in_segment,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn entries(&self) -> &[AbortedTxnEntry] {
        &self.entries
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether the file held whole entries of version 0, with increasing markers at or
    /// above the segment's base offset. Kafka checks the last; a torn entry fails too.
    pub fn is_sane(&self) -> bool {
        self.sane_at_open
    }

    /// Appends an entry, creating the file if needed; returns `true` if it did (its
    /// directory entry then has to be synced). Markers must come in offset order.
    pub fn append(&mut self, entry: AbortedTxnEntry) -> Result<bool> {
        if let Some(last) = self.entries.last() {
            if entry.last_offset <= last.last_offset {
                return Err(StorageError::InvalidRecord(format!(
                    "aborted transaction ending at {} appended after one ending at {} in {}",
                    entry.last_offset,
                    last.last_offset,
                    self.path.display()
                )));
            }
        }
        let created = self.file.is_none() && !self.path.exists();
        let position = (self.entries.len() * ENTRY_SIZE) as u64;
        let file = self.writable_file()?;
        file.write_all_at(&entry.encode(), position)
            .at(&self.path)?;
        self.entries.push(entry);
        Ok(created)
    }

    /// The file, opened for writing and cut to its valid entries on first use.
    fn writable_file(&mut self) -> Result<&File> {
        if self.file.is_none() {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&self.path)
                .at(&self.path)?;
            file.set_len((self.entries.len() * ENTRY_SIZE) as u64)
                .at(&self.path)?;
            self.file = Some(file);
        }
        match &self.file {
            Some(file) => Ok(file),
            None => unreachable!("opened above"),
        }
    }

    /// Entries overlapping `[start, upper)` (Kafka's `collectAbortedTxns`), and whether
    /// the search is complete: an entry whose last stable offset reaches `upper` proves
    /// that every transaction starting below `upper` ended in this segment or earlier.
    pub fn collect(&self, start: i64, upper: i64) -> (Vec<AbortedTxnEntry>, bool) {
        let mut found = Vec::new();
        for entry in &self.entries {
            if entry.overlaps(start, upper) {
                found.push(*entry);
            }
            if entry.last_stable_offset >= upper {
                return (found, true);
            }
        }
        (found, false)
    }

    /// Removes the entries whose marker is at or above `offset`.
    pub fn truncate_to(&mut self, offset: i64) -> Result<()> {
        let keep = self.entries.partition_point(|e| e.last_offset < offset);
        if keep == self.entries.len() {
            return Ok(());
        }
        self.entries.truncate(keep);
        let len = (keep * ENTRY_SIZE) as u64;
        self.writable_file()?.set_len(len).at(&self.path)
    }

    /// Makes `entries` the index's content: rewrites the file (atomically, through a
    /// `.tmp` file) unless it already holds exactly them; removes it when empty. Returns
    /// `true` if a file was created.
    pub fn replace(&mut self, entries: Vec<AbortedTxnEntry>) -> Result<bool> {
        if entries == self.entries && self.sane_at_open {
            return Ok(false);
        }
        self.file = None;
        self.sane_at_open = true;
        if entries.is_empty() {
            self.entries.clear();
            remove_if_exists(&self.path)?;
            return Ok(false);
        }
        let existed = self.path.exists();
        let tmp = PathBuf::from(format!("{}.tmp", self.path.display()));
        let mut file = File::create(&tmp).at(&tmp)?;
        let bytes: Vec<u8> = entries.iter().flat_map(|e| e.encode()).collect();
        file.write_all(&bytes).at(&tmp)?;
        file.sync_data().at(&tmp)?;
        std::fs::rename(&tmp, &self.path).at(&tmp)?;
        self.entries = entries;
        Ok(!existed)
    }

    /// Removes every entry.
    pub fn reset(&mut self) -> Result<()> {
        self.replace(Vec::new()).map(|_| ())
    }

    pub fn flush(&self) -> Result<()> {
        match &self.file {
            Some(file) => file.sync_data().at(&self.path),
            None => Ok(()),
        }
    }

    /// Renames the file (if it exists) to `path`; the index follows it.
    pub fn rename_to(&mut self, path: PathBuf) -> Result<()> {
        match std::fs::rename(&self.path, &path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err).at(&self.path)
            }
            _ => {}
        }
        self.path = path;
        Ok(())
    }

    pub fn delete(&mut self) -> Result<()> {
        self.file = None;
        remove_if_exists(&self.path)
    }

    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }
}

fn remove_if_exists(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err).at(path),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(producer_id: i64, first: i64, last: i64, lso: i64) -> AbortedTxnEntry {
        AbortedTxnEntry {
            producer_id,
            first_offset: first,
            last_offset: last,
            last_stable_offset: lso,
        }
    }

    #[test]
    fn test_txn_index_is_created_lazily_and_keeps_kafka_layout() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000010.txnindex");
        let mut index = TransactionIndex::open(&path, 10).unwrap();
        assert!(index.is_empty() && index.is_sane());
        assert!(!path.exists(), "no file until the first entry");
        assert!(index.append(entry(7, 10, 15, 16)).unwrap());
        assert!(!index.append(entry(8, 12, 20, 21)).unwrap());
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 2 * ENTRY_SIZE);
        assert_eq!(&bytes[..2], &[0, 0], "version 0");
        assert_eq!(&bytes[2..10], &7i64.to_be_bytes());
        assert_eq!(&bytes[26..34], &16i64.to_be_bytes());
        assert!(
            index.append(entry(9, 11, 20, 21)).is_err(),
            "markers must increase"
        );

        let reopened = TransactionIndex::open(&path, 10).unwrap();
        assert!(reopened.is_sane());
        assert_eq!(
            reopened.entries(),
            &[entry(7, 10, 15, 16), entry(8, 12, 20, 21)]
        );
    }

    #[test]
    fn test_txn_index_collect_truncate_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.txnindex");
        let mut index = TransactionIndex::open(&path, 0).unwrap();
        index.append(entry(1, 0, 5, 6)).unwrap();
        index.append(entry(2, 3, 9, 10)).unwrap();
        index.append(entry(3, 12, 30, 40)).unwrap();
        let (found, complete) = index.collect(6, 10);
        assert_eq!(found, vec![entry(2, 3, 9, 10)]);
        assert!(complete, "the entry at 9 has an LSO of 10");
        let (found, complete) = index.collect(0, 100);
        assert_eq!(found.len(), 3);
        assert!(!complete, "a later segment may hold more");

        index.truncate_to(9).unwrap();
        assert_eq!(index.entries(), &[entry(1, 0, 5, 6)]);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), ENTRY_SIZE as u64);
        index.append(entry(4, 7, 8, 9)).unwrap();
        assert_eq!(
            TransactionIndex::open(&path, 0).unwrap().entries(),
            &[entry(1, 0, 5, 6), entry(4, 7, 8, 9)]
        );

        // A torn tail or an entry below the base offset fail the sanity check.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(&[0, 0, 1]);
        std::fs::write(&path, &bytes).unwrap();
        assert!(!TransactionIndex::open(&path, 0).unwrap().is_sane());
        bytes.truncate(2 * ENTRY_SIZE);
        std::fs::write(&path, &bytes).unwrap();
        assert!(!TransactionIndex::open(&path, 6).unwrap().is_sane());

        // Replacing rewrites only when the content differs; empty removes the file.
        let mut index = TransactionIndex::open(&path, 0).unwrap();
        assert!(!index.replace(index.entries().to_vec()).unwrap());
        index.replace(vec![entry(5, 1, 2, 3)]).unwrap();
        assert_eq!(
            read_entries(&path).unwrap(),
            (vec![entry(5, 1, 2, 3)], true)
        );
        index.reset().unwrap();
        assert!(!path.exists());
    }
}
