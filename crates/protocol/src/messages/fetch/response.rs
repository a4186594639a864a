//! The Fetch response: each partition's records (possibly spliced from a log file),
//! offsets and errors, and the KIP-951 leader hints.

use super::{
    decode_topic_ref, encode_topic_ref, topic_min_size, LeaderIdAndEpoch, NodeEndpoint, FLEXIBLE,
};
use crate::codec::min_size::{array_min, bytes_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

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

// The smallest encodings of array elements, which bound array lengths on decode.

/// A response partition: int32, int16, two int64s, from v5 a third, a nullable array,
/// from v11 an int32, nullable bytes (and tagged fields).
fn partition_data_min_size(version: i16) -> usize {
    let flexible = version >= FLEXIBLE;
    22 + when(version >= 5, 8)
        + array_min(flexible)
        + when(version >= 11, 4)
        + bytes_min(flexible)
        + tags_min(flexible)
}

/// An aborted transaction: two int64s (and tagged fields).
fn aborted_transaction_min_size(flexible: bool) -> usize {
    8 + 8 + tags_min(flexible)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_round_trips, damage, decode_exact, decode_without_panicking, encode_to_vec,
    };
    use crate::codec::ResponsePart;
    use crate::messages::fetch::{FetchRequest, NODE_ENDPOINT_MIN_SIZE, TOPIC_IDS, VERSIONS};

    const TOPIC_ID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

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

    #[test]
    fn test_fetch_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
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
        assert_eq!(encode_to_vec(&response, 4), expected);
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
        let decoded: FetchResponse = decode_exact(&wire, 12);
        let mut expected = response;
        expected.responses[0].partitions[0].records = FetchRecords::Bytes(b"FILE".to_vec());
        assert_eq!(decoded, expected);
    }

    #[test]
    fn test_fetch_response_skips_unknown_tagged_fields() {
        let mut response = sample_response(16);
        response.node_endpoints.clear();
        let mut bytes = encode_to_vec(&response, 16);
        // The last byte is the empty top-level tagged-field section: make it hold one
        // unknown field (tag 9, three bytes).
        *bytes.last_mut().unwrap() = 1;
        bytes.extend([9, 3, 0xaa, 0xbb, 0xcc]);
        assert_eq!(decode_exact::<FetchResponse>(&bytes, 16), response);
    }

    #[test]
    fn test_fetch_response_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
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
            let topic = encode_to_vec(&response(0, 0, 0), version).len();
            let partition = encode_to_vec(&response(1, 0, 0), version).len();
            let aborted = encode_to_vec(&response(1, 1, 0), version).len();
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
                let one = encode_to_vec(&response(0, 0, 1), version).len();
                let two = encode_to_vec(&response(0, 0, 2), version).len();
                assert_eq!(two - one, NODE_ENDPOINT_MIN_SIZE);
            }
        }
    }

    proptest! {
        #[test]
        fn test_fetch_response_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<FetchResponse>(&bytes, [version]);
        }

        /// A damaged response is also fed to the request decoder.
        #[test]
        fn test_fetch_response_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let bytes = damage(encode_to_vec(&sample_response(version), version), at, byte, cut);
            decode_without_panicking::<FetchRequest>(&bytes, [version]);
            decode_without_panicking::<FetchResponse>(&bytes, [version]);
        }
    }
}
