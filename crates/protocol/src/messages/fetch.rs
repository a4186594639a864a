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

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::varint::size_of_unsigned_varint;
use crate::ErrorCode;

/// 4 is Kafka 4's floor (KIP-896); 16 adds node endpoints (KIP-951). (17 adds the
/// follower's directory id, KIP-853.)
pub const VERSIONS: RangeInclusive<i16> = 4..=16;
const FLEXIBLE: i16 = 12;
/// First version naming topics by id (KIP-516).
const TOPIC_IDS: i16 = 13;
/// First version carrying the replica id in the ReplicaState tagged field (KIP-903).
const REPLICA_STATE: i16 = 15;

/// `replica_id` of a consumer (anything but a follower).
pub const CONSUMER_REPLICA_ID: i32 = -1;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchRequest {
    /// The cluster id if the sender knows it (v12+, tagged field 0).
    pub cluster_id: Option<String>,
    /// The follower's broker id, or [`CONSUMER_REPLICA_ID`]. A plain field up to v14;
    /// from v15 part of the ReplicaState tagged field (tag 1) with `replica_epoch`,
    /// written only when either differs from -1.
    pub replica_id: i32,
    /// The follower's broker epoch, or -1 (v15+).
    pub replica_epoch: i64,
    pub max_wait_ms: i32,
    pub min_bytes: i32,
    pub max_bytes: i32,
    /// 0 READ_UNCOMMITTED, 1 READ_COMMITTED.
    pub isolation_level: i8,
    /// The fetch session (KIP-227): 0 for none (v7+).
    pub session_id: i32,
    /// -1 for a full fetch without a session (v7+).
    pub session_epoch: i32,
    pub topics: Vec<FetchTopic>,
    /// Partitions an incremental fetch drops from its session (v7+).
    pub forgotten_topics_data: Vec<ForgottenTopic>,
    /// The consumer's rack, for follower fetching (v11+).
    pub rack_id: String,
}

/// Kafka's defaults: no session, no limit, a consumer.
impl Default for FetchRequest {
    fn default() -> Self {
        Self {
            cluster_id: None,
            replica_id: CONSUMER_REPLICA_ID,
            replica_epoch: -1,
            max_wait_ms: 0,
            min_bytes: 0,
            max_bytes: i32::MAX,
            isolation_level: 0,
            session_id: 0,
            session_epoch: -1,
            topics: Vec::new(),
            forgotten_topics_data: Vec::new(),
            rack_id: String::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchTopic {
    /// v4-12.
    pub topic: String,
    /// v13+.
    pub topic_id: [u8; 16],
    pub partitions: Vec<FetchPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchPartition {
    pub partition: i32,
    /// For fencing (KIP-320), -1 if unknown (v9+).
    pub current_leader_epoch: i32,
    pub fetch_offset: i64,
    /// The epoch of the last record fetched, for divergence checks, -1 if none (v12+).
    pub last_fetched_epoch: i32,
    /// The follower's log start offset; -1 from consumers (v5+).
    pub log_start_offset: i64,
    pub partition_max_bytes: i32,
}

impl Default for FetchPartition {
    fn default() -> Self {
        Self {
            partition: 0,
            current_leader_epoch: -1,
            fetch_offset: 0,
            last_fetched_epoch: -1,
            log_start_offset: -1,
            partition_max_bytes: 0,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgottenTopic {
    /// v7-12.
    pub topic: String,
    /// v13+.
    pub topic_id: [u8; 16],
    pub partitions: Vec<i32>,
}

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

impl Decode for FetchRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        if version < REPLICA_STATE {
            request.replica_id = r.i32()?;
        }
        request.max_wait_ms = r.i32()?;
        request.min_bytes = r.i32()?;
        request.max_bytes = r.i32()?;
        request.isolation_level = r.i8()?;
        if version >= 7 {
            request.session_id = r.i32()?;
            request.session_epoch = r.i32()?;
        }
        let partition_min = fetch_partition_min_size(version);
        request.topics = r.array(flexible, topic_min_size(version), |r| {
            let (topic, topic_id) = decode_topic_ref(r, version)?;
            let partitions = r.array(flexible, partition_min, |r| {
                let mut p = FetchPartition {
                    partition: r.i32()?,
                    ..Default::default()
                };
                if version >= 9 {
                    p.current_leader_epoch = r.i32()?;
                }
                p.fetch_offset = r.i64()?;
                if version >= 12 {
                    p.last_fetched_epoch = r.i32()?;
                }
                if version >= 5 {
                    p.log_start_offset = r.i64()?;
                }
                p.partition_max_bytes = r.i32()?;
                r.skip_tagged_fields(flexible)?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(FetchTopic {
                topic,
                topic_id,
                partitions,
            })
        })?;
        if version >= 7 {
            request.forgotten_topics_data = r.array(flexible, topic_min_size(version), |r| {
                let (topic, topic_id) = decode_topic_ref(r, version)?;
                let partitions = r.array(flexible, 4, Reader::i32)?;
                r.skip_tagged_fields(flexible)?;
                Ok(ForgottenTopic {
                    topic,
                    topic_id,
                    partitions,
                })
            })?;
        }
        if version >= 11 {
            request.rack_id = r.string(flexible)?.to_owned();
        }
        r.tagged_fields(flexible, |tag, r| {
            match tag {
                0 => request.cluster_id = r.nullable_string(true)?.map(str::to_owned),
                1 if version >= REPLICA_STATE => {
                    request.replica_id = r.i32()?;
                    request.replica_epoch = r.i64()?;
                    r.skip_tagged_fields(true)?;
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        Ok(request)
    }
}

impl Encode for FetchRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version < REPLICA_STATE {
            w.i32(self.replica_id);
        }
        w.i32(self.max_wait_ms);
        w.i32(self.min_bytes);
        w.i32(self.max_bytes);
        w.i8(self.isolation_level);
        if version >= 7 {
            w.i32(self.session_id);
            w.i32(self.session_epoch);
        }
        w.array(flexible, &self.topics, |w, topic| {
            encode_topic_ref(w, version, &topic.topic, &topic.topic_id);
            w.array(flexible, &topic.partitions, |w, p| {
                w.i32(p.partition);
                if version >= 9 {
                    w.i32(p.current_leader_epoch);
                }
                w.i64(p.fetch_offset);
                if version >= 12 {
                    w.i32(p.last_fetched_epoch);
                }
                if version >= 5 {
                    w.i64(p.log_start_offset);
                }
                w.i32(p.partition_max_bytes);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        if version >= 7 {
            w.array(flexible, &self.forgotten_topics_data, |w, topic| {
                encode_topic_ref(w, version, &topic.topic, &topic.topic_id);
                w.array(flexible, &topic.partitions, |w, p| w.i32(*p));
                w.empty_tagged_fields(flexible);
            });
        }
        if version >= 11 {
            w.string(flexible, &self.rack_id);
        }
        if flexible {
            let cluster_id = self.cluster_id.as_deref();
            let replica_state = version >= REPLICA_STATE
                && (self.replica_id != CONSUMER_REPLICA_ID || self.replica_epoch != -1);
            w.unsigned_varint(u32::from(cluster_id.is_some()) + u32::from(replica_state));
            if let Some(cluster_id) = cluster_id {
                w.unsigned_varint(0);
                w.unsigned_varint(compact_string_size(Some(cluster_id)) as u32);
                w.nullable_string(true, Some(cluster_id));
            }
            if replica_state {
                // int32, int64 and an empty tagged-field section.
                w.unsigned_varint(1);
                w.unsigned_varint(13);
                w.i32(self.replica_id);
                w.i64(self.replica_epoch);
                w.unsigned_varint(0);
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchResponse {
    pub throttle_time_ms: i32,
    /// A top-level error, e.g. a fetch-session error (v7+).
    pub error_code: ErrorCode,
    /// The fetch session id, 0 if none (v7+).
    pub session_id: i32,
    pub responses: Vec<FetchableTopicResponse>,
    /// Endpoints of the leaders named in `current_leader` fields (v16+, tagged field
    /// 0; written only when non-empty).
    pub node_endpoints: Vec<NodeEndpoint>,
}

impl Default for FetchResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            session_id: 0,
            responses: Vec::new(),
            node_endpoints: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchableTopicResponse {
    /// v4-12.
    pub topic: String,
    /// v13+.
    pub topic_id: [u8; 16],
    pub partitions: Vec<PartitionData>,
}

/// One partition's data. The default is Kafka's answer for a partition it could not
/// read: offsets -1, no aborted-transaction list, empty records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionData {
    pub partition_index: i32,
    pub error_code: ErrorCode,
    pub high_watermark: i64,
    pub last_stable_offset: i64,
    /// v5+.
    pub log_start_offset: i64,
    /// Where the follower's log diverges from the leader's (v12+, tagged field 0).
    pub diverging_epoch: Option<EpochEndOffset>,
    /// The partition's leader, when this broker is no longer it (v12+, tagged field 1).
    pub current_leader: Option<LeaderIdAndEpoch>,
    /// The snapshot to fetch instead, below the log start (v12+, tagged field 2).
    pub snapshot_id: Option<SnapshotId>,
    /// Aborted transactions in the returned range, for READ_COMMITTED; `None` is
    /// written as null.
    pub aborted_transactions: Option<Vec<AbortedTransaction>>,
    /// The replica the consumer should fetch from instead, or -1 (v11+).
    pub preferred_read_replica: i32,
    pub records: FetchRecords,
}

impl Default for PartitionData {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: ErrorCode::NONE,
            high_watermark: -1,
            last_stable_offset: -1,
            log_start_offset: -1,
            diverging_epoch: None,
            current_leader: None,
            snapshot_id: None,
            aborted_transactions: None,
            preferred_read_replica: -1,
            records: FetchRecords::default(),
        }
    }
}

/// A partition's records in a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchRecords {
    /// A null records field. (Kafka sends empty records rather than null.)
    Null,
    /// Bytes in memory (and what decoding yields).
    Bytes(Vec<u8>),
    /// `len` bytes the broker splices in from a log file; see the module docs.
    File { len: usize },
}

/// Empty records, as Kafka answers a partition with nothing to return.
impl Default for FetchRecords {
    fn default() -> Self {
        Self::Bytes(Vec::new())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEndOffset {
    pub epoch: i32,
    pub end_offset: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotId {
    pub end_offset: i64,
    pub epoch: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbortedTransaction {
    pub producer_id: i64,
    /// The first offset of the aborted transaction.
    pub first_offset: i64,
}

impl Encode for FetchResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        if version >= 7 {
            w.i16(self.error_code.0);
            w.i32(self.session_id);
        }
        w.array(flexible, &self.responses, |w, topic| {
            encode_topic_ref(w, version, &topic.topic, &topic.topic_id);
            w.array(flexible, &topic.partitions, |w, p| {
                w.i32(p.partition_index);
                w.i16(p.error_code.0);
                w.i64(p.high_watermark);
                w.i64(p.last_stable_offset);
                if version >= 5 {
                    w.i64(p.log_start_offset);
                }
                match &p.aborted_transactions {
                    None => w.array_len(flexible, None),
                    Some(transactions) => w.array(flexible, transactions, |w, t| {
                        w.i64(t.producer_id);
                        w.i64(t.first_offset);
                        w.empty_tagged_fields(flexible);
                    }),
                }
                if version >= 11 {
                    w.i32(p.preferred_read_replica);
                }
                match &p.records {
                    FetchRecords::Null => w.nullable_bytes(flexible, None),
                    FetchRecords::Bytes(bytes) => w.nullable_bytes(flexible, Some(bytes)),
                    FetchRecords::File { len } => w.file_records(flexible, Some(*len)),
                }
                if flexible {
                    encode_partition_tagged_fields(w, p);
                }
            });
            w.empty_tagged_fields(flexible);
        });
        if flexible {
            let endpoints = version >= 16 && !self.node_endpoints.is_empty();
            w.unsigned_varint(u32::from(endpoints));
            if endpoints {
                NodeEndpoint::encode_tagged(&self.node_endpoints, w, 0);
            }
        }
    }
}

fn encode_partition_tagged_fields(w: &mut Writer, p: &PartitionData) {
    let count = u32::from(p.diverging_epoch.is_some())
        + u32::from(p.current_leader.is_some())
        + u32::from(p.snapshot_id.is_some());
    w.unsigned_varint(count);
    // Each struct: its fields and an empty tagged-field section.
    if let Some(diverging) = p.diverging_epoch {
        w.unsigned_varint(0);
        w.unsigned_varint(13);
        w.i32(diverging.epoch);
        w.i64(diverging.end_offset);
        w.unsigned_varint(0);
    }
    if let Some(leader) = p.current_leader {
        leader.encode_tagged(w, 1);
    }
    if let Some(snapshot) = p.snapshot_id {
        w.unsigned_varint(2);
        w.unsigned_varint(13);
        w.i64(snapshot.end_offset);
        w.i32(snapshot.epoch);
        w.unsigned_varint(0);
    }
}

impl Decode for FetchResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self {
            throttle_time_ms: r.i32()?,
            ..Default::default()
        };
        if version >= 7 {
            response.error_code = ErrorCode(r.i16()?);
            response.session_id = r.i32()?;
        }
        let partition_min = partition_data_min_size(version);
        let aborted_min = aborted_transaction_min_size(flexible);
        response.responses = r.array(flexible, topic_min_size(version), |r| {
            let (topic, topic_id) = decode_topic_ref(r, version)?;
            let partitions = r.array(flexible, partition_min, |r| {
                let mut p = PartitionData {
                    partition_index: r.i32()?,
                    error_code: ErrorCode(r.i16()?),
                    high_watermark: r.i64()?,
                    last_stable_offset: r.i64()?,
                    ..Default::default()
                };
                if version >= 5 {
                    p.log_start_offset = r.i64()?;
                }
                p.aborted_transactions = r.nullable_array(flexible, aborted_min, |r| {
                    let transaction = AbortedTransaction {
                        producer_id: r.i64()?,
                        first_offset: r.i64()?,
                    };
                    r.skip_tagged_fields(flexible)?;
                    Ok(transaction)
                })?;
                if version >= 11 {
                    p.preferred_read_replica = r.i32()?;
                }
                p.records = match r.nullable_bytes(flexible)? {
                    None => FetchRecords::Null,
                    Some(bytes) => FetchRecords::Bytes(bytes.to_vec()),
                };
                r.tagged_fields(flexible, |tag, r| {
                    match tag {
                        0 => {
                            p.diverging_epoch = Some(EpochEndOffset {
                                epoch: r.i32()?,
                                end_offset: r.i64()?,
                            });
                            r.skip_tagged_fields(true)?;
                        }
                        1 => p.current_leader = Some(LeaderIdAndEpoch::decode_tagged(r)?),
                        2 => {
                            p.snapshot_id = Some(SnapshotId {
                                end_offset: r.i64()?,
                                epoch: r.i32()?,
                            });
                            r.skip_tagged_fields(true)?;
                        }
                        _ => return Ok(false),
                    }
                    Ok(true)
                })?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(FetchableTopicResponse {
                topic,
                topic_id,
                partitions,
            })
        })?;
        r.tagged_fields(flexible, |tag, r| {
            if tag == 0 && version >= 16 {
                response.node_endpoints = NodeEndpoint::decode_tagged(r)?;
                return Ok(true);
            }
            Ok(false)
        })?;
        Ok(response)
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
    match (version >= TOPIC_IDS, version >= FLEXIBLE) {
        (true, _) => 16 + 1 + 1,
        (false, true) => 1 + 1 + 1,
        (false, false) => 2 + 4,
    }
}

/// A request partition: int32, int64, int32, from v5 an int64, from v9 an int32, from
/// v12 another (and tagged fields).
fn fetch_partition_min_size(version: i16) -> usize {
    16 + if version >= 5 { 8 } else { 0 }
        + if version >= 9 { 4 } else { 0 }
        + if version >= FLEXIBLE { 4 + 1 } else { 0 }
}

/// A response partition: int32, int16, two int64s, from v5 a third, a nullable array,
/// from v11 an int32, nullable bytes (and tagged fields).
fn partition_data_min_size(version: i16) -> usize {
    let arrays_and_tags = if version >= FLEXIBLE {
        1 + 1 + 1
    } else {
        4 + 4
    };
    22 + if version >= 5 { 8 } else { 0 } + if version >= 11 { 4 } else { 0 } + arrays_and_tags
}

/// An aborted transaction: two int64s (and tagged fields).
fn aborted_transaction_min_size(flexible: bool) -> usize {
    16 + usize::from(flexible)
}

/// A node endpoint (flexible only): int32, string, int32, nullable string, tagged
/// fields.
const NODE_ENDPOINT_MIN_SIZE: usize = 4 + 1 + 4 + 1 + 1;

/// Bytes a compact (flexible) nullable string takes.
fn compact_string_size(s: Option<&str>) -> usize {
    match s {
        None => 1,
        Some(s) => size_of_unsigned_varint(s.len() as u32 + 1) + s.len(),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::ResponsePart;

    const TOPIC_ID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    fn sample_request(version: i16) -> FetchRequest {
        let by_name = version < TOPIC_IDS;
        FetchRequest {
            cluster_id: (version >= FLEXIBLE).then(|| "fjord-cluster".into()),
            replica_id: 3,
            replica_epoch: if version >= REPLICA_STATE { 42 } else { -1 },
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: 52_428_800,
            isolation_level: 1,
            session_id: if version >= 7 { 77 } else { 0 },
            session_epoch: if version >= 7 { 4 } else { -1 },
            topics: vec![FetchTopic {
                topic: if by_name {
                    "orders".into()
                } else {
                    String::new()
                },
                topic_id: if by_name { [0; 16] } else { TOPIC_ID },
                partitions: vec![
                    FetchPartition {
                        partition: 2,
                        current_leader_epoch: if version >= 9 { 6 } else { -1 },
                        fetch_offset: 1_000,
                        last_fetched_epoch: if version >= 12 { 5 } else { -1 },
                        log_start_offset: if version >= 5 { 10 } else { -1 },
                        partition_max_bytes: 1_048_576,
                    },
                    FetchPartition {
                        partition: 3,
                        fetch_offset: 7,
                        partition_max_bytes: 4096,
                        ..Default::default()
                    },
                ],
            }],
            forgotten_topics_data: if version >= 7 {
                vec![ForgottenTopic {
                    topic: if by_name { "old".into() } else { String::new() },
                    topic_id: if by_name { [0; 16] } else { [0xee; 16] },
                    partitions: vec![0, 5],
                }]
            } else {
                Vec::new()
            },
            rack_id: if version >= 11 {
                "rack-a".into()
            } else {
                String::new()
            },
        }
    }

    fn sample_response(version: i16) -> FetchResponse {
        let by_name = version < TOPIC_IDS;
        let flexible = version >= FLEXIBLE;
        FetchResponse {
            throttle_time_ms: 100,
            error_code: if version >= 7 {
                ErrorCode::INVALID_FETCH_SESSION_EPOCH
            } else {
                ErrorCode::NONE
            },
            session_id: if version >= 7 { 77 } else { 0 },
            responses: vec![FetchableTopicResponse {
                topic: if by_name {
                    "orders".into()
                } else {
                    String::new()
                },
                topic_id: if by_name { [0; 16] } else { TOPIC_ID },
                partitions: vec![
                    PartitionData {
                        partition_index: 2,
                        error_code: ErrorCode::FENCED_LEADER_EPOCH,
                        high_watermark: 500,
                        last_stable_offset: 450,
                        log_start_offset: if version >= 5 { 10 } else { -1 },
                        diverging_epoch: flexible.then_some(EpochEndOffset {
                            epoch: 4,
                            end_offset: 300,
                        }),
                        current_leader: flexible.then_some(LeaderIdAndEpoch {
                            leader_id: 1,
                            leader_epoch: 9,
                        }),
                        snapshot_id: flexible.then_some(SnapshotId {
                            end_offset: 250,
                            epoch: 3,
                        }),
                        aborted_transactions: Some(vec![AbortedTransaction {
                            producer_id: 4_000,
                            first_offset: 420,
                        }]),
                        preferred_read_replica: if version >= 11 { 2 } else { -1 },
                        records: FetchRecords::Bytes(vec![0xde, 0xad, 0xbe, 0xef]),
                    },
                    PartitionData {
                        partition_index: 3,
                        high_watermark: 0,
                        records: FetchRecords::Null,
                        ..Default::default()
                    },
                ],
            }],
            node_endpoints: if version >= 16 {
                vec![NodeEndpoint {
                    node_id: 1,
                    host: "broker-1.example".into(),
                    port: 9093,
                    rack: None,
                }]
            } else {
                Vec::new()
            },
        }
    }

    fn encode(value: &impl Encode, version: i16) -> Vec<u8> {
        let mut w = Writer::new();
        value.encode(&mut w, version);
        w.into()
    }

    fn round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(value: &T, version: i16) {
        let bytes = encode(value, version);
        let mut r = Reader::new(&bytes);
        assert_eq!(&T::decode(&mut r, version).unwrap(), value, "v{version}");
        r.finish().unwrap();
    }

    #[test]
    fn test_fetch_request_round_trips_in_every_version() {
        for version in VERSIONS {
            round_trip(&sample_request(version), version);
        }
    }

    #[test]
    fn test_fetch_response_round_trips_in_every_version() {
        for version in VERSIONS {
            round_trip(&sample_response(version), version);
        }
    }

    #[test]
    fn test_fetch_request_consumer_sends_no_replica_state_from_v15() {
        let request = FetchRequest {
            max_wait_ms: 1,
            ..Default::default()
        };
        let bytes = encode(&request, 15);
        // max_wait_ms, min_bytes, max_bytes, isolation_level, session id and epoch,
        // empty topics, empty forgotten topics, empty rack id, no tagged fields.
        assert_eq!(bytes.len(), 4 + 4 + 4 + 1 + 4 + 4 + 1 + 1 + 1 + 1);
        round_trip(&request, 15);
    }

    #[test]
    fn test_fetch_request_v4_golden() {
        #[rustfmt::skip]
        let bytes = [
            0xff, 0xff, 0xff, 0xff, // replica_id: -1
            0x00, 0x00, 0x01, 0xf4, // max_wait_ms: 500
            0x00, 0x00, 0x00, 0x01, // min_bytes: 1
            0x00, 0x10, 0x00, 0x00, // max_bytes: 1 MiB
            0x01, // isolation_level: READ_COMMITTED
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // topic: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition: 0
            0, 0, 0, 0, 0, 0, 0, 100, // fetch_offset: 100
            0x00, 0x01, 0x00, 0x00, // partition_max_bytes: 64 KiB
        ];
        let mut r = Reader::new(&bytes);
        let request = FetchRequest::decode(&mut r, 4).unwrap();
        r.finish().unwrap();
        assert_eq!(
            request,
            FetchRequest {
                replica_id: -1,
                max_wait_ms: 500,
                min_bytes: 1,
                max_bytes: 1 << 20,
                isolation_level: 1,
                topics: vec![FetchTopic {
                    topic: "t".into(),
                    topic_id: [0; 16],
                    partitions: vec![FetchPartition {
                        partition: 0,
                        fetch_offset: 100,
                        partition_max_bytes: 1 << 16,
                        ..Default::default()
                    }],
                }],
                ..Default::default()
            }
        );
    }

    #[test]
    fn test_fetch_request_v15_golden_with_topic_ids_and_replica_state() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x01, 0xf4, // max_wait_ms: 500
            0x00, 0x00, 0x00, 0x01, // min_bytes: 1
            0x7f, 0xff, 0xff, 0xff, // max_bytes: i32::MAX
            0x00, // isolation_level: READ_UNCOMMITTED
            0x00, 0x00, 0x00, 0x00, // session_id: 0
            0xff, 0xff, 0xff, 0xff, // session_epoch: -1
            0x02, // topics: 1 (compact)
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, // topic_id
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x01, // partition: 1
            0x00, 0x00, 0x00, 0x03, // current_leader_epoch: 3
            0, 0, 0, 0, 0, 0, 0, 10, // fetch_offset: 10
            0x00, 0x00, 0x00, 0x02, // last_fetched_epoch: 2
            0, 0, 0, 0, 0, 0, 0, 0, // log_start_offset: 0
            0x00, 0x10, 0x00, 0x00, // partition_max_bytes: 1 MiB
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x02, // forgotten_topics_data: 1
            0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
            0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, // topic_id
            0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x05, // partitions: [4, 5]
            0x00, // forgotten topic tagged fields
            0x02, b'r', // rack_id: "r"
            0x02, // two tagged fields:
            0x00, 0x02, 0x02, b'c', // tag 0 (cluster_id), 2 bytes: "c"
            0x01, 0x0d, // tag 1 (replica_state), 13 bytes:
            0x00, 0x00, 0x00, 0x02, // replica_id: 2
            0, 0, 0, 0, 0, 0, 0, 7, // replica_epoch: 7
            0x00, // its tagged fields
        ];
        let expected = FetchRequest {
            cluster_id: Some("c".into()),
            replica_id: 2,
            replica_epoch: 7,
            max_wait_ms: 500,
            min_bytes: 1,
            max_bytes: i32::MAX,
            isolation_level: 0,
            session_id: 0,
            session_epoch: -1,
            topics: vec![FetchTopic {
                topic: String::new(),
                topic_id: TOPIC_ID,
                partitions: vec![FetchPartition {
                    partition: 1,
                    current_leader_epoch: 3,
                    fetch_offset: 10,
                    last_fetched_epoch: 2,
                    log_start_offset: 0,
                    partition_max_bytes: 1 << 20,
                }],
            }],
            forgotten_topics_data: vec![ForgottenTopic {
                topic: String::new(),
                topic_id: [0x11; 16],
                partitions: vec![4, 5],
            }],
            rack_id: "r".into(),
        };
        let mut r = Reader::new(&bytes);
        assert_eq!(FetchRequest::decode(&mut r, 15).unwrap(), expected);
        r.finish().unwrap();
        assert_eq!(encode(&expected, 15), bytes);
    }

    #[test]
    fn test_fetch_response_v4_golden() {
        let response = FetchResponse {
            responses: vec![FetchableTopicResponse {
                topic: "t".into(),
                topic_id: [0; 16],
                partitions: vec![PartitionData {
                    partition_index: 0,
                    high_watermark: 5,
                    last_stable_offset: 5,
                    records: FetchRecords::Bytes(vec![1, 2, 3]),
                    ..Default::default()
                }],
            }],
            ..Default::default()
        };
        #[rustfmt::skip]
        let expected = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, 0x00, 0x01, // responses: 1
            0x00, 0x01, b't', // topic: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0x00, 0x00, // error_code: NONE
            0, 0, 0, 0, 0, 0, 0, 5, // high_watermark: 5
            0, 0, 0, 0, 0, 0, 0, 5, // last_stable_offset: 5
            0xff, 0xff, 0xff, 0xff, // aborted_transactions: null
            0x00, 0x00, 0x00, 0x03, 1, 2, 3, // records: 3 bytes
        ];
        assert_eq!(encode(&response, 4), expected);
    }

    #[test]
    fn test_fetch_response_v12_golden_splices_file_records() {
        let response = FetchResponse {
            session_id: 10,
            responses: vec![FetchableTopicResponse {
                topic: "t".into(),
                topic_id: [0; 16],
                partitions: vec![PartitionData {
                    partition_index: 0,
                    high_watermark: 5,
                    last_stable_offset: 5,
                    log_start_offset: 0,
                    diverging_epoch: Some(EpochEndOffset {
                        epoch: 2,
                        end_offset: 3,
                    }),
                    aborted_transactions: Some(vec![AbortedTransaction {
                        producer_id: 9,
                        first_offset: 1,
                    }]),
                    records: FetchRecords::File { len: 4 },
                    ..Default::default()
                }],
            }],
            ..Default::default()
        };
        #[rustfmt::skip]
        let head = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, // error_code: NONE
            0x00, 0x00, 0x00, 0x0a, // session_id: 10
            0x02, // responses: 1 (compact)
            0x02, b't', // topic: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0x00, 0x00, // error_code: NONE
            0, 0, 0, 0, 0, 0, 0, 5, // high_watermark: 5
            0, 0, 0, 0, 0, 0, 0, 5, // last_stable_offset: 5
            0, 0, 0, 0, 0, 0, 0, 0, // log_start_offset: 0
            0x02, // aborted_transactions: 1
            0, 0, 0, 0, 0, 0, 0, 9, // producer_id: 9
            0, 0, 0, 0, 0, 0, 0, 1, // first_offset: 1
            0x00, // its tagged fields
            0xff, 0xff, 0xff, 0xff, // preferred_read_replica: -1
            0x05, // records: 4 bytes, from the file
        ];
        #[rustfmt::skip]
        let tail = [
            0x01, // one tagged field:
            0x00, 0x0d, // tag 0 (diverging_epoch), 13 bytes
            0x00, 0x00, 0x00, 0x02, // epoch: 2
            0, 0, 0, 0, 0, 0, 0, 3, // end_offset: 3
            0x00, // its tagged fields
            0x00, // topic tagged fields
            0x00, // response tagged fields
        ];
        let mut w = Writer::new();
        response.encode(&mut w, 12);
        let body = w.finish([b"FILE".as_slice()]);
        assert_eq!(body.len, head.len() + 4 + tail.len());
        match body.parts.as_slice() {
            [ResponsePart::Bytes(a), ResponsePart::File(f), ResponsePart::Bytes(b)] => {
                assert_eq!(a.as_slice(), head);
                assert_eq!(*f, b"FILE");
                assert_eq!(b.as_slice(), tail);
            }
            _ => panic!("expected bytes, file, bytes"),
        }

        // A client reading the spliced stream sees the file's bytes as records.
        let wire = [&head[..], b"FILE", &tail[..]].concat();
        let mut r = Reader::new(&wire);
        let decoded = FetchResponse::decode(&mut r, 12).unwrap();
        r.finish().unwrap();
        let mut expected = response;
        expected.responses[0].partitions[0].records = FetchRecords::Bytes(b"FILE".to_vec());
        assert_eq!(decoded, expected);
    }

    #[test]
    fn test_fetch_response_skips_unknown_tagged_fields() {
        let mut response = sample_response(16);
        response.node_endpoints.clear();
        let mut bytes = encode(&response, 16);
        // The last byte is the empty top-level tagged-field section: make it hold one
        // unknown field (tag 9, three bytes).
        *bytes.last_mut().unwrap() = 1;
        bytes.extend([9, 3, 0xaa, 0xbb, 0xcc]);
        let mut r = Reader::new(&bytes);
        assert_eq!(FetchResponse::decode(&mut r, 16).unwrap(), response);
        r.finish().unwrap();
    }

    #[test]
    fn test_fetch_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let request = |topics: usize, partitions: usize, forgotten: usize| FetchRequest {
                topics: vec![
                    FetchTopic {
                        partitions: vec![FetchPartition::default(); partitions],
                        ..Default::default()
                    };
                    topics
                ],
                forgotten_topics_data: vec![ForgottenTopic::default(); forgotten],
                ..Default::default()
            };
            let empty = encode(&request(0, 0, 0), version).len();
            let topic = encode(&request(1, 0, 0), version).len();
            let partition = encode(&request(1, 1, 0), version).len();
            assert_eq!(topic - empty, topic_min_size(version), "v{version}");
            assert_eq!(
                partition - topic,
                fetch_partition_min_size(version),
                "v{version}"
            );
            if version >= 7 {
                let forgotten = encode(&request(0, 0, 1), version).len();
                assert_eq!(forgotten - empty, topic_min_size(version), "v{version}");
            }

            let response = |partitions: usize, aborted: usize, endpoints: usize| {
                let partition = PartitionData {
                    aborted_transactions: Some(vec![
                        AbortedTransaction {
                            producer_id: 0,
                            first_offset: 0,
                        };
                        aborted
                    ]),
                    records: FetchRecords::Null,
                    ..Default::default()
                };
                FetchResponse {
                    responses: vec![FetchableTopicResponse {
                        partitions: vec![partition; partitions],
                        ..Default::default()
                    }],
                    node_endpoints: vec![
                        NodeEndpoint {
                            node_id: 0,
                            host: String::new(),
                            port: 0,
                            rack: None,
                        };
                        endpoints
                    ],
                    ..Default::default()
                }
            };
            let topic = encode(&response(0, 0, 0), version).len();
            let partition = encode(&response(1, 0, 0), version).len();
            let aborted = encode(&response(1, 1, 0), version).len();
            assert_eq!(
                partition - topic,
                partition_data_min_size(version),
                "v{version}"
            );
            assert_eq!(
                aborted - partition,
                aborted_transaction_min_size(flexible),
                "v{version}"
            );
            if version >= 16 {
                // The first endpoint also adds the tagged field's header and the
                // array's length; the second adds only itself.
                let one = encode(&response(0, 0, 1), version).len();
                let two = encode(&response(0, 0, 2), version).len();
                assert_eq!(two - one, NODE_ENDPOINT_MIN_SIZE);
            }
        }
    }

    proptest! {
        #[test]
        fn test_fetch_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            let _ = FetchRequest::decode(&mut Reader::new(&bytes), version);
            let _ = FetchResponse::decode(&mut Reader::new(&bytes), version);
        }

        #[test]
        fn test_fetch_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for mut bytes in [
                encode(&sample_request(version), version),
                encode(&sample_response(version), version),
            ] {
                let i = at.index(bytes.len());
                bytes[i] = byte;
                bytes.truncate(cut.index(bytes.len() + 1));
                let _ = FetchRequest::decode(&mut Reader::new(&bytes), version);
                let _ = FetchResponse::decode(&mut Reader::new(&bytes), version);
            }
        }
    }
}
