//! Kafka's wire formats, without I/O.
//!
//! This crate owns the byte layouts that travel between clients, brokers and disk: the
//! request/response codec (bounded against hostile lengths), the API keys, error codes
//! and message bodies, v2 record batches (a zero-copy header view, CRC32C, offset
//! rebasing), the records inside them, and the compression codecs a batch may use. It must
//! not do I/O, spawn tasks or know about topics and partitions: the storage engine and
//! the broker build on it, never the other way round.

pub mod api_key;
pub mod codec;
pub mod compression;
pub mod coordinator_partition;
pub mod error_code;
pub mod header;
pub mod messages;
pub mod record_batch;
pub mod records;
pub mod varint;

pub use api_key::ApiKey;
pub use compression::{CompressionError, CompressionType};
pub use error_code::ErrorCode;
pub use record_batch::{BatchError, RecordBatch, RecordBatchMut, RECORD_BATCH_OVERHEAD};
