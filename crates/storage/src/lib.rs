//! The partition log, in Kafka's on-disk layout.
//!
//! This crate owns everything under `log.dirs`: a partition's segments (`.log`,
//! `.index`, `.timeindex`, `.txnindex`), producer snapshots, its `partition.metadata`
//! and `leader-epoch-checkpoint`, the checkpoint files at each log dir's root, recovery after an unclean stop,
//! retention and compaction. Batches are stored byte-for-byte as produced; only the
//! base offset (and the leader epoch) is rewritten in place.
//!
//! It must not do networking or know about requests, clients or replication: callers
//! (the broker) hand it validated-or-not batch bytes and get offsets and file ranges
//! back. It uses plain threads for its background work and no async runtime, so the
//! append path is a `pwrite` plus some index arithmetic.

pub mod checkpoint;
pub mod cleaner;
pub mod config;
pub mod error;
pub mod file_records;
pub mod index;
pub mod leader_epoch;
pub mod loader;
pub mod log;
pub mod log_manager;
pub mod partition_metadata;
pub mod producer_snapshot;
pub mod producer_state;
pub mod segment;
pub mod topic_partition;
pub mod transaction_index;

pub use config::{CleanupPolicy, LogConfig, TimestampType};
pub use error::{Result, StorageError};
pub use file_records::FileSlice;
pub use loader::LoadParams;
pub use log::{AppendOrigin, Log, LogAppendInfo, LogReadInfo};
pub use log_manager::{LogManager, LogManagerConfig};
pub use topic_partition::TopicPartition;
pub use transaction_index::{AbortedTxn, AbortedTxnEntry};
