//! Request and response bodies, one module per API, named after Kafka's messages.
//!
//! Each request decodes from a [`crate::codec::Reader`] at a version and keeps byte
//! fields as ranges of the frame; each response encodes to a [`crate::codec::Writer`].
//! The supported version range of each API is its `VERSIONS` constant: what
//! ApiVersions advertises, and nothing more.

pub mod api_versions;
pub mod metadata;
pub mod describe_configs;
pub mod alter_configs;
pub mod incremental_alter_configs;
pub mod delete_records;
pub mod offset_for_leader_epoch;
pub mod describe_log_dirs;
