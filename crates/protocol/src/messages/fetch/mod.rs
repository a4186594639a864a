//! Fetch (key 1): read record batches from partition logs, for consumers and followers.
//!
//! Versions 13+ name topics by id instead of by name; both fields are kept, as in
//! Kafka's generated code, and each version reads and writes only its own (the other
//! keeps its default: `""` or the all-zero id).
//!
//! A response's records usually stay in a segment file: [`FetchRecords::File`] writes
//! only the length prefix (through [`Writer::file_records`]) and leaves a splice. After
//! encoding, the broker calls [`Writer::finish`] with one file slice per `File` record
//! set, in the order they appear in the response (topics in order, partitions in
//! order within a topic), each exactly `len` bytes long; the network layer then sends
//! those slices straight from the files. Decoding a response (our client, tests) always
//! yields [`FetchRecords::Bytes`] or [`FetchRecords::Null`].
//!
//! This module also holds the KIP-951 leader-discovery types, [`LeaderIdAndEpoch`] and
//! [`NodeEndpoint`], which Produce responses carry too.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{DecodeError, Reader, Writer};
use crate::varint::size_of_unsigned_varint;

mod request;
mod response;

pub use request::{FetchPartition, FetchRequest, FetchTopic, ForgottenTopic, CONSUMER_REPLICA_ID};
pub use response::{
    AbortedTransaction, EpochEndOffset, FetchRecords, FetchResponse, FetchableTopicResponse,
    PartitionData, SnapshotId,
};

/// 4 is Kafka 4's floor (KIP-896); 16 adds node endpoints (KIP-951). (17 adds the
/// follower's directory id, KIP-853.)
pub const VERSIONS: RangeInclusive<i16> = 4..=16;
const FLEXIBLE: i16 = 12;
/// First version naming topics by id (KIP-516).
const TOPIC_IDS: i16 = 13;
/// First version carrying the replica id in the ReplicaState tagged field (KIP-903).
const REPLICA_STATE: i16 = 15;

fn encode_topic_ref(w: &mut Writer, version: i16, name: &str, id: &[u8; 16]) {
    if version >= TOPIC_IDS {
        w.uuid(id);
    } else {
        w.string(version >= FLEXIBLE, name);
    }
}

fn decode_topic_ref(r: &mut Reader<'_>, version: i16) -> Result<(String, [u8; 16]), DecodeError> {
    if version >= TOPIC_IDS {
        Ok((String::new(), r.uuid()?))
    } else {
        Ok((r.string(version >= FLEXIBLE)?.to_owned(), [0; 16]))
    }
}

/// A partition's leader and its epoch (KIP-951), as a tagged field of Fetch (v12+) and
/// Produce (v10+) responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaderIdAndEpoch {
    /// -1 if unknown.
    pub leader_id: i32,
    /// -1 if unknown.
    pub leader_epoch: i32,
}

impl LeaderIdAndEpoch {
    /// Writes the struct as tagged field `tag`: two int32s and an empty tagged-field
    /// section, 9 bytes.
    pub(crate) fn encode_tagged(&self, w: &mut Writer, tag: u32) {
        w.unsigned_varint(tag);
        w.unsigned_varint(9);
        w.i32(self.leader_id);
        w.i32(self.leader_epoch);
        w.unsigned_varint(0);
    }

    /// Reads the struct from a tagged field's bounded reader.
    pub(crate) fn decode_tagged(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let leader = Self {
            leader_id: r.i32()?,
            leader_epoch: r.i32()?,
        };
        r.skip_tagged_fields(true)?;
        Ok(leader)
    }
}

/// A broker's address (KIP-951), so a client can reach a new leader without a Metadata
/// round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEndpoint {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

impl NodeEndpoint {
    /// Writes `endpoints` as tagged field `tag` (a compact array of flexible structs).
    pub(crate) fn encode_tagged(endpoints: &[NodeEndpoint], w: &mut Writer, tag: u32) {
        let size = size_of_unsigned_varint(endpoints.len() as u32 + 1)
            + endpoints
                .iter()
                .map(|e| {
                    4 + compact_string_size(Some(&e.host))
                        + 4
                        + compact_string_size(e.rack.as_deref())
                        + 1
                })
                .sum::<usize>();
        w.unsigned_varint(tag);
        w.unsigned_varint(size as u32);
        w.array(true, endpoints, |w, e| {
            w.i32(e.node_id);
            w.string(true, &e.host);
            w.i32(e.port);
            w.nullable_string(true, e.rack.as_deref());
            w.empty_tagged_fields(true);
        });
    }

    /// Reads the array from a tagged field's bounded reader.
    pub(crate) fn decode_tagged(r: &mut Reader<'_>) -> Result<Vec<Self>, DecodeError> {
        r.array(true, NODE_ENDPOINT_MIN_SIZE, |r| {
            let endpoint = Self {
                node_id: r.i32()?,
                host: r.string(true)?.to_owned(),
                port: r.i32()?,
                rack: r.nullable_string(true)?.map(str::to_owned),
            };
            r.skip_tagged_fields(true)?;
            Ok(endpoint)
        })
    }
}

// The smallest encodings of array elements, which bound array lengths on decode.

/// A topic (request, forgotten or response): a name or an id, an array (and tagged
/// fields).
fn topic_min_size(version: i16) -> usize {
    let flexible = version >= FLEXIBLE;
    let topic_ref = if version >= TOPIC_IDS {
        16
    } else {
        string_min(flexible)
    };
    topic_ref + array_min(flexible) + tags_min(flexible)
}

/// A node endpoint (flexible only): int32, string, int32, nullable string, tagged
/// fields.
const NODE_ENDPOINT_MIN_SIZE: usize = 4 + string_min(true) + 4 + string_min(true) + tags_min(true);

/// Bytes a compact (flexible) nullable string takes.
fn compact_string_size(s: Option<&str>) -> usize {
    match s {
        None => 1,
        Some(s) => size_of_unsigned_varint(s.len() as u32 + 1) + s.len(),
    }
}
