//! Request and response bodies, one module per API, named after Kafka's messages.
//!
//! Each request decodes from a [`crate::codec::Reader`] at a version and keeps byte
//! fields as ranges of the frame; each response encodes to a [`crate::codec::Writer`].
//! The supported version range of each API is its `VERSIONS` constant: what
//! ApiVersions advertises, and nothing more.

pub mod api_versions;
