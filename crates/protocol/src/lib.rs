//! Kafka's wire formats, without I/O.
//!
//! This crate owns the byte layouts that travel between clients, brokers and disk:
//! v2 record batches (a zero-copy header view, CRC32C, offset rebasing), the records
//! inside them (varint-encoded), and the compression codecs a batch may use. It must
//! not do I/O, spawn tasks or know about topics and partitions: the storage engine and
//! the broker build on it, never the other way round.

pub mod compression;
pub mod record_batch;
pub mod records;
pub mod varint;

pub use compression::{CompressionError, CompressionType};
pub use record_batch::{BatchError, RecordBatch, RecordBatchMut, RECORD_BATCH_OVERHEAD};
