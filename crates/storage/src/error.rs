//! The storage engine's errors. The broker maps them to Kafka error codes in one place.

use std::path::PathBuf;

use fjord_protocol::BatchError;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// An I/O failure on a log dir. Kafka marks the dir offline (KAFKA_STORAGE_ERROR).
    #[error("I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A produced batch failed validation (CORRUPT_MESSAGE / INVALID_RECORD).
    #[error("invalid record batch: {0}")]
    InvalidBatch(#[from] BatchError),
    /// A produced batch is larger than `max.message.bytes` (MESSAGE_TOO_LARGE).
    #[error("record batch of {size} bytes exceeds max.message.bytes {max}")]
    RecordTooLarge { size: usize, max: usize },
    /// An empty append, or a batch set that is not a whole number of batches.
    #[error("invalid append: {0}")]
    InvalidRecord(String),
    /// A read or truncation point outside `[log_start_offset, log_end_offset]`.
    #[error("offset {offset} is out of range [{log_start}, {log_end}]")]
    OffsetOutOfRange {
        offset: i64,
        log_start: i64,
        log_end: i64,
    },
    /// A record inside a batch could not be decoded (compaction, time look-ups, dump).
    #[error("invalid record: {0}")]
    Records(#[from] fjord_protocol::records::RecordError),
    /// An idempotent producer's batch out of sequence or from a fenced epoch.
    #[error("{0}")]
    Producer(#[from] crate::producer_state::ProducerStateError),
    /// The log was closed or deleted while the caller held it.
    #[error("log {0} is closed")]
    LogClosed(String),
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Attaches the path to an `io::Error`: the one place where I/O errors become ours.
pub(crate) trait IoContext<T> {
    fn at(self, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|source| StorageError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}
