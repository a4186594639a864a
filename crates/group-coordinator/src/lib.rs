//! The group coordinator: consumer groups and their committed offsets.
//!
//! It owns the group state machines (the classic JoinGroup/SyncGroup protocol and
//! KIP-848's consumer protocol with its server-side assignors), the
//! committed offsets, and their records in `__consumer_offsets` — Kafka's own key and
//! value schemas, appended before any change is acknowledged and replayed when this
//! node becomes a partition's leader. Each partition of `__consumer_offsets` is a
//! [`shard::Shard`] with its own lock, so groups on different partitions never wait
//! for each other.
//!
//! It must not decode wire requests (the broker's handlers translate them), open logs
//! (the broker hands it the partitions it leads) or compute assignments for classic
//! groups (their leader does, client side).

pub mod classic;
pub mod config;
pub mod consumer;
pub mod context;
pub mod coordinator;
pub mod journal;
pub mod offsets;
pub mod records;
pub mod shard;
#[cfg(test)]
mod test_support;

pub use config::GroupConfig;
pub use coordinator::GroupCoordinator;
