//! `FileRecords`: the `.log` file of a segment, a sequence of record batches.
//!
//! One writer appends (the log's append lock serialises it) while any number of readers
//! read the bytes below [`FileRecords::size`] with positional reads; a reader never sees
//! a half-written batch because `size` moves only after the write returns.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use fjord_protocol::record_batch::{batch_size_from_prefix, RecordBatch, LOG_OVERHEAD};
use fjord_protocol::RECORD_BATCH_OVERHEAD;
use parking_lot::Mutex;

use crate::error::{IoContext, Result};

/// Header fields of one batch in a file, read without loading its records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchPosition {
    pub position: u64,
    pub size: u64,
    pub base_offset: i64,
    pub last_offset: i64,
    pub max_timestamp: i64,
    pub partition_leader_epoch: i32,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub is_transactional: bool,
    pub is_control: bool,
}

impl BatchPosition {
    pub fn next_offset(&self) -> i64 {
        self.last_offset + 1
    }
    pub fn end(&self) -> u64 {
        self.position + self.size
    }
}

/// A byte range of a log file holding whole batches: what a fetch sends. The file
/// handle stays valid even if the segment is deleted or renamed meanwhile.
#[derive(Clone)]
pub struct FileSlice {
    pub file: Arc<File>,
    pub position: u64,
    pub len: u64,
}

impl FileSlice {
    /// Copies the range into memory (tests, tools; the broker sends it from the file).
    pub fn read_to_vec(&self) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; self.len as usize];
        self.file.read_exact_at(&mut buf, self.position)?;
        Ok(buf)
    }
}

impl std::fmt::Debug for FileSlice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileSlice")
            .field("position", &self.position)
            .field("len", &self.len)
            .finish()
    }
}

pub struct FileRecords {
    path: Mutex<PathBuf>,
    file: Arc<File>,
    size: AtomicU64,
}

impl FileRecords {
    pub fn open(path: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .at(path)?;
        let size = file.metadata().at(path)?.len();
        Ok(Self {
            path: Mutex::new(path.to_path_buf()),
            file: Arc::new(file),
            size: AtomicU64::new(size),
        })
    }

    pub fn path(&self) -> PathBuf {
        self.path.lock().clone()
    }
    pub fn set_path(&self, path: PathBuf) {
        *self.path.lock() = path;
    }
    pub fn file(&self) -> &Arc<File> {
        &self.file
    }

    /// Bytes of whole batches in the file.
    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    /// Appends `bytes` at the end and returns the position they start at. Callers
    /// serialise appends.
    pub fn append(&self, bytes: &[u8]) -> Result<u64> {
        let position = self.size();
        self.file.write_all_at(bytes, position).at(&self.path())?;
        self.size
            .store(position + bytes.len() as u64, Ordering::Release);
        Ok(position)
    }

    pub fn read_at(&self, buf: &mut [u8], position: u64) -> Result<()> {
        self.file.read_exact_at(buf, position).at(&self.path())
    }

    /// Reads the header of the batch at `position`, or `None` at the end of the file
    /// or before a batch that does not fit in what has been written.
    pub fn batch_at(&self, position: u64) -> Result<Option<BatchPosition>> {
        self.batch_at_within(position, self.size())
    }

    fn batch_at_within(&self, position: u64, end: u64) -> Result<Option<BatchPosition>> {
        if position + RECORD_BATCH_OVERHEAD as u64 > end {
            return Ok(None);
        }
        let mut header = [0u8; RECORD_BATCH_OVERHEAD];
        self.read_at(&mut header, position)?;
        let Ok(view) = RecordBatch::parse_header(&header) else {
            return Ok(None);
        };
        let size = batch_size_from_prefix(&header[..LOG_OVERHEAD]).unwrap_or(usize::MAX) as u64;
        if position.saturating_add(size) > end {
            return Ok(None);
        }
        Ok(Some(BatchPosition {
            position,
            size,
            base_offset: view.base_offset(),
            last_offset: view.last_offset(),
            max_timestamp: view.max_timestamp(),
            partition_leader_epoch: view.partition_leader_epoch(),
            producer_id: view.producer_id(),
            producer_epoch: view.producer_epoch(),
            base_sequence: view.base_sequence(),
            is_transactional: view.is_transactional(),
            is_control: view.is_control(),
        }))
    }

    /// Walks batches from `start` (a batch boundary) and returns the first whose last
    /// offset is `>= target`.
    pub fn search_for_offset(&self, target: i64, start: u64) -> Result<Option<BatchPosition>> {
        let mut position = start;
        while let Some(batch) = self.batch_at(position)? {
            if batch.last_offset >= target {
                return Ok(Some(batch));
            }
            position = batch.end();
        }
        Ok(None)
    }

    /// Walks batches from `start` and returns the first whose max timestamp is
    /// `>= timestamp`.
    pub fn search_for_timestamp(
        &self,
        timestamp: i64,
        start: u64,
    ) -> Result<Option<BatchPosition>> {
        let mut position = start;
        while let Some(batch) = self.batch_at(position)? {
            if batch.max_timestamp >= timestamp {
                return Ok(Some(batch));
            }
            position = batch.end();
        }
        Ok(None)
    }

    /// Reads the whole batch described by `batch`.
    pub fn read_batch(&self, batch: &BatchPosition) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; batch.size as usize];
        self.read_at(&mut buf, batch.position)?;
        Ok(buf)
    }

    /// Cuts the file to `size` bytes.
    pub fn truncate_to(&self, size: u64) -> Result<()> {
        let path = self.path();
        self.file.set_len(size).at(&path)?;
        self.size.store(size, Ordering::Release);
        Ok(())
    }

    /// `fdatasync`: the appended bytes (and the file length) are durable on return.
    pub fn flush(&self) -> Result<()> {
        self.file.sync_data().at(&self.path())
    }

    pub fn slice(&self, position: u64, len: u64) -> FileSlice {
        FileSlice {
            file: Arc::clone(&self.file),
            position,
            len,
        }
    }
}

/// Validates one batch read from disk during recovery: length, magic, CRC.
pub fn validate_stored_batch(
    bytes: &[u8],
) -> std::result::Result<RecordBatch<'_>, fjord_protocol::BatchError> {
    let batch = RecordBatch::parse_exact(bytes)?;
    batch.validate()?;
    Ok(batch)
}
