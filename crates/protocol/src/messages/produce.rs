//! Produce (key 0): append record batches to partition logs.
//!
//! The request is generic over how a partition's records are held, so one type serves
//! both ends of the wire:
//!
//! - the broker decodes a `ProduceRequest<FrameRange>` (the default parameter): each
//!   record set is a range of the frame it arrived in, validated and appended in place
//!   without a copy;
//! - a client or a test builds a `ProduceRequest<Vec<u8>>` (or any `R: AsRef<[u8]>`,
//!   `&[u8]` included) and encodes that.
//!
//! [`ProduceRequest::map_records`] turns one form into the other, e.g.
//! `request.map_records(|range| frame[range].to_vec())`.
//!
//! Versions 10+ add KIP-951 leader discovery to the response: the new leader of a
//! partition answered with NOT_LEADER_OR_FOLLOWER (tagged field 0 of the partition) and
//! the endpoints of those leaders (tagged field 0 of the response).

use std::ops::RangeInclusive;

use super::fetch::{LeaderIdAndEpoch, NodeEndpoint};
use crate::codec::min_size::{array_min, bytes_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, FrameRange, Reader, Writer};
use crate::ErrorCode;

/// 3 is Kafka 4's floor (KIP-896); 11 adds TRANSACTION_ABORTABLE (KIP-890).
pub const VERSIONS: RangeInclusive<i16> = 3..=11;
const FLEXIBLE: i16 = 9;
/// First version with the KIP-951 leader-discovery tagged fields.
const LEADER_DISCOVERY: i16 = 10;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProduceRequest<R = FrameRange> {
    /// Null unless the producer is transactional.
    pub transactional_id: Option<String>,
    /// 0 (no response at all), 1 (the leader) or -1 (every in-sync replica).
    pub acks: i16,
    pub timeout_ms: i32,
    pub topic_data: Vec<TopicProduceData<R>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicProduceData<R = FrameRange> {
    pub name: String,
    pub partition_data: Vec<PartitionProduceData<R>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartitionProduceData<R = FrameRange> {
    pub index: i32,
    /// The record batches; `None` when the field is null.
    pub records: Option<R>,
}

impl<R> ProduceRequest<R> {
    /// The same request with every record set converted by `f`, in order.
    pub fn map_records<S>(self, mut f: impl FnMut(R) -> S) -> ProduceRequest<S> {
        let topic_data = self
            .topic_data
            .into_iter()
            .map(|topic| TopicProduceData {
                name: topic.name,
                partition_data: topic
                    .partition_data
                    .into_iter()
                    .map(|partition| PartitionProduceData {
                        index: partition.index,
                        records: partition.records.map(&mut f),
                    })
                    .collect(),
            })
            .collect();
        ProduceRequest {
            transactional_id: self.transactional_id,
            acks: self.acks,
            timeout_ms: self.timeout_ms,
            topic_data,
        }
    }
}

impl Decode for ProduceRequest<FrameRange> {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let transactional_id = r.nullable_string(flexible)?.map(str::to_owned);
        let acks = r.i16()?;
        let timeout_ms = r.i32()?;
        let topic_data = r.array(flexible, topic_min_size(flexible), |r| {
            let name = r.string(flexible)?.to_owned();
            let partition_data = r.array(flexible, partition_min_size(flexible), |r| {
                let index = r.i32()?;
                let records = r.nullable_bytes_range(flexible)?;
                r.skip_tagged_fields(flexible)?;
                Ok(PartitionProduceData { index, records })
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(TopicProduceData {
                name,
                partition_data,
            })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            transactional_id,
            acks,
            timeout_ms,
            topic_data,
        })
    }
}

impl<R: AsRef<[u8]>> Encode for ProduceRequest<R> {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.nullable_string(flexible, self.transactional_id.as_deref());
        w.i16(self.acks);
        w.i32(self.timeout_ms);
        w.array(flexible, &self.topic_data, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partition_data, |w, partition| {
                w.i32(partition.index);
                w.nullable_bytes(flexible, partition.records.as_ref().map(AsRef::as_ref));
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProduceResponse {
    pub responses: Vec<TopicProduceResponse>,
    pub throttle_time_ms: i32,
    /// Endpoints of the leaders named in `current_leader` fields (v10+, tagged field 0;
    /// written only when non-empty).
    pub node_endpoints: Vec<NodeEndpoint>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicProduceResponse {
    pub name: String,
    pub partition_responses: Vec<PartitionProduceResponse>,
}

/// One partition's result. The default is Kafka's answer for a failed append: offsets
/// and times -1, no error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionProduceResponse {
    pub index: i32,
    pub error_code: ErrorCode,
    /// The offset given to the first record appended.
    pub base_offset: i64,
    /// The broker's append time if the topic uses LogAppendTime, else -1.
    pub log_append_time_ms: i64,
    pub log_start_offset: i64,
    /// Records that made the broker reject the batch (v8+).
    pub record_errors: Vec<BatchIndexAndErrorMessage>,
    /// The common cause of `record_errors` (v8+).
    pub error_message: Option<String>,
    /// The partition's leader, when this broker is no longer it (v10+, tagged field 0).
    pub current_leader: Option<LeaderIdAndEpoch>,
}

impl Default for PartitionProduceResponse {
    fn default() -> Self {
        Self {
            index: 0,
            error_code: ErrorCode::NONE,
            base_offset: -1,
            log_append_time_ms: -1,
            log_start_offset: -1,
            record_errors: Vec::new(),
            error_message: None,
            current_leader: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchIndexAndErrorMessage {
    /// The index of the offending record within its batch.
    pub batch_index: i32,
    pub batch_index_error_message: Option<String>,
}

impl Encode for ProduceResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.responses, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partition_responses, |w, p| {
                w.i32(p.index);
                w.i16(p.error_code.0);
                w.i64(p.base_offset);
                w.i64(p.log_append_time_ms);
                if version >= 5 {
                    w.i64(p.log_start_offset);
                }
                if version >= 8 {
                    w.array(flexible, &p.record_errors, |w, e| {
                        w.i32(e.batch_index);
                        w.nullable_string(flexible, e.batch_index_error_message.as_deref());
                        w.empty_tagged_fields(flexible);
                    });
                    w.nullable_string(flexible, p.error_message.as_deref());
                }
                if flexible {
                    let leader = p.current_leader.filter(|_| version >= LEADER_DISCOVERY);
                    w.unsigned_varint(u32::from(leader.is_some()));
                    if let Some(leader) = leader {
                        leader.encode_tagged(w, 0);
                    }
                }
            });
            w.empty_tagged_fields(flexible);
        });
        w.i32(self.throttle_time_ms);
        if flexible {
            let endpoints = version >= LEADER_DISCOVERY && !self.node_endpoints.is_empty();
            w.unsigned_varint(u32::from(endpoints));
            if endpoints {
                NodeEndpoint::encode_tagged(&self.node_endpoints, w, 0);
            }
        }
    }
}

impl Decode for ProduceResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let partition_min = partition_response_min_size(version);
        let responses = r.array(flexible, topic_min_size(flexible), |r| {
            let name = r.string(flexible)?.to_owned();
            let partition_responses = r.array(flexible, partition_min, |r| {
                let mut p = PartitionProduceResponse {
                    index: r.i32()?,
                    error_code: ErrorCode(r.i16()?),
                    base_offset: r.i64()?,
                    log_append_time_ms: r.i64()?,
                    ..Default::default()
                };
                if version >= 5 {
                    p.log_start_offset = r.i64()?;
                }
                if version >= 8 {
                    p.record_errors = r.array(flexible, record_error_min_size(flexible), |r| {
                        let batch_index = r.i32()?;
                        let message = r.nullable_string(flexible)?.map(str::to_owned);
                        r.skip_tagged_fields(flexible)?;
                        Ok(BatchIndexAndErrorMessage {
                            batch_index,
                            batch_index_error_message: message,
                        })
                    })?;
                    p.error_message = r.nullable_string(flexible)?.map(str::to_owned);
                }
                r.tagged_fields(flexible, |tag, r| {
                    if tag == 0 && version >= LEADER_DISCOVERY {
                        p.current_leader = Some(LeaderIdAndEpoch::decode_tagged(r)?);
                        return Ok(true);
                    }
                    Ok(false)
                })?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(TopicProduceResponse {
                name,
                partition_responses,
            })
        })?;
        let throttle_time_ms = r.i32()?;
        let mut node_endpoints = Vec::new();
        r.tagged_fields(flexible, |tag, r| {
            if tag == 0 && version >= LEADER_DISCOVERY {
                node_endpoints = NodeEndpoint::decode_tagged(r)?;
                return Ok(true);
            }
            Ok(false)
        })?;
        Ok(Self {
            responses,
            throttle_time_ms,
            node_endpoints,
        })
    }
}

// The smallest encodings of array elements, which bound array lengths on decode.

/// A topic (request or response): a string, an array (and tagged fields).
fn topic_min_size(flexible: bool) -> usize {
    string_min(flexible) + array_min(flexible) + tags_min(flexible)
}

/// A request partition: an int32, bytes (and tagged fields).
fn partition_min_size(flexible: bool) -> usize {
    4 + bytes_min(flexible) + tags_min(flexible)
}

/// A response partition: an int32, an int16, two int64s, from v5 a third, from v8 an
/// array and a nullable string (and tagged fields).
fn partition_response_min_size(version: i16) -> usize {
    let flexible = version >= FLEXIBLE;
    let since_v8 = array_min(flexible) + string_min(flexible);
    22 + when(version >= 5, 8) + when(version >= 8, since_v8) + tags_min(flexible)
}

/// A record error: an int32, a nullable string (and tagged fields).
fn record_error_min_size(flexible: bool) -> usize {
    4 + string_min(flexible) + tags_min(flexible)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_round_trips, damage, decode_exact, decode_without_panicking, encode_to_vec,
    };

    /// Every field exists in every supported version.
    fn sample_request() -> ProduceRequest<Vec<u8>> {
        ProduceRequest {
            transactional_id: Some("txn-1".into()),
            acks: -1,
            timeout_ms: 30_000,
            topic_data: vec![
                TopicProduceData {
                    name: "orders".into(),
                    partition_data: vec![
                        PartitionProduceData {
                            index: 3,
                            records: Some(vec![1, 2, 3, 4, 5]),
                        },
                        PartitionProduceData {
                            index: 4,
                            records: None,
                        },
                    ],
                },
                TopicProduceData {
                    name: "audit".into(),
                    partition_data: vec![PartitionProduceData {
                        index: 0,
                        records: Some(Vec::new()),
                    }],
                },
            ],
        }
    }

    fn sample_response(version: i16) -> ProduceResponse {
        let since = |v: i16, value: i64| if version >= v { value } else { -1 };
        let partition = PartitionProduceResponse {
            index: 7,
            error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
            base_offset: 1_234,
            log_append_time_ms: 1_700_000_000_000,
            log_start_offset: since(5, 99),
            record_errors: if version >= 8 {
                vec![
                    BatchIndexAndErrorMessage {
                        batch_index: 2,
                        batch_index_error_message: Some("bad key".into()),
                    },
                    BatchIndexAndErrorMessage {
                        batch_index: 5,
                        batch_index_error_message: None,
                    },
                ]
            } else {
                Vec::new()
            },
            error_message: (version >= 8).then(|| "invalid record".into()),
            current_leader: (version >= 10).then_some(LeaderIdAndEpoch {
                leader_id: 2,
                leader_epoch: 17,
            }),
        };
        ProduceResponse {
            responses: vec![TopicProduceResponse {
                name: "orders".into(),
                partition_responses: vec![
                    partition,
                    PartitionProduceResponse {
                        index: 8,
                        base_offset: 5,
                        error_code: ErrorCode::NONE,
                        ..Default::default()
                    },
                ],
            }],
            throttle_time_ms: 250,
            node_endpoints: if version >= 10 {
                vec![NodeEndpoint {
                    node_id: 2,
                    host: "broker-2".into(),
                    port: 9092,
                    rack: Some("rack-b".into()),
                }]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn test_produce_request_round_trips_in_every_version() {
        for version in VERSIONS {
            let request = sample_request();
            let bytes = encode_to_vec(&request, version);
            let decoded: ProduceRequest = decode_exact(&bytes, version);
            assert_eq!(
                decoded.map_records(|range| bytes[range].to_vec()),
                request,
                "v{version}"
            );
        }
    }

    #[test]
    fn test_produce_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
    }

    #[test]
    fn test_produce_response_drops_fields_newer_than_the_version() {
        // Written at v7, a v10 response loses its v8+ fields; written at v4, also v5's.
        for version in [4, 7] {
            let bytes = encode_to_vec(&sample_response(10), version);
            let decoded = ProduceResponse::decode(&mut Reader::new(&bytes), version).unwrap();
            assert_eq!(decoded, sample_response(version));
        }
    }

    #[test]
    fn test_produce_request_v3_golden_records_are_frame_ranges() {
        let body = [
            0xff, 0xff, // transactional_id: null
            0xff, 0xff, // acks: -1
            0x00, 0x00, 0x03, 0xe8, // timeout_ms: 1000
            0x00, 0x00, 0x00, 0x01, // topic_data: 1 topic
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partition_data: 1 partition
            0x00, 0x00, 0x00, 0x02, // index: 2
            0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc, // records: 3 bytes
        ];
        // Four bytes stand in for the request header: ranges are relative to the frame.
        let mut frame = vec![9, 9, 9, 9];
        frame.extend_from_slice(&body);
        let mut r = Reader::at(&frame, 4);
        let request = ProduceRequest::decode(&mut r, 3).unwrap();
        r.finish().unwrap();
        assert_eq!(
            request,
            ProduceRequest {
                transactional_id: None,
                acks: -1,
                timeout_ms: 1000,
                topic_data: vec![TopicProduceData {
                    name: "t".into(),
                    partition_data: vec![PartitionProduceData {
                        index: 2,
                        records: Some(31..34),
                    }],
                }],
            }
        );
        assert_eq!(&frame[31..34], &[0xaa, 0xbb, 0xcc]);
    }

    #[test]
    fn test_produce_request_v9_golden_skips_unknown_tagged_fields() {
        let bytes = [
            0x03, b't', b'x', // transactional_id: "tx" (compact)
            0x00, 0x01, // acks: 1
            0x00, 0x00, 0x01, 0xf4, // timeout_ms: 500
            0x02, // topic_data: 1 topic
            0x02, b't', // name: "t"
            0x02, // partition_data: 1 partition
            0x00, 0x00, 0x00, 0x00, // index: 0
            0x00, // records: null
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x01, 0x05, 0x02, 0xde, 0xad, // one unknown tagged field (tag 5, 2 bytes)
        ];
        let request: ProduceRequest = decode_exact(&bytes, 9);
        assert_eq!(
            request,
            ProduceRequest {
                transactional_id: Some("tx".into()),
                acks: 1,
                timeout_ms: 500,
                topic_data: vec![TopicProduceData {
                    name: "t".into(),
                    partition_data: vec![PartitionProduceData {
                        index: 0,
                        records: None,
                    }],
                }],
            }
        );
    }

    #[test]
    fn test_produce_response_v5_golden() {
        let response = ProduceResponse {
            responses: vec![TopicProduceResponse {
                name: "t".into(),
                partition_responses: vec![PartitionProduceResponse {
                    index: 1,
                    error_code: ErrorCode::NONE,
                    base_offset: 42,
                    log_append_time_ms: -1,
                    log_start_offset: 7,
                    ..Default::default()
                }],
            }],
            throttle_time_ms: 0,
            node_endpoints: Vec::new(),
        };
        #[rustfmt::skip]
        let expected = [
            0x00, 0x00, 0x00, 0x01, // responses: 1 topic
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partition_responses: 1 partition
            0x00, 0x00, 0x00, 0x01, // index: 1
            0x00, 0x00, // error_code: NONE
            0, 0, 0, 0, 0, 0, 0, 42, // base_offset: 42
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // log_append_time_ms: -1
            0, 0, 0, 0, 0, 0, 0, 7, // log_start_offset: 7
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
        ];
        assert_eq!(encode_to_vec(&response, 5), expected);
    }

    #[test]
    fn test_produce_response_v10_golden_with_leader_discovery() {
        let response = ProduceResponse {
            responses: vec![TopicProduceResponse {
                name: "t".into(),
                partition_responses: vec![PartitionProduceResponse {
                    index: 1,
                    error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
                    current_leader: Some(LeaderIdAndEpoch {
                        leader_id: 3,
                        leader_epoch: 5,
                    }),
                    ..Default::default()
                }],
            }],
            throttle_time_ms: 0,
            node_endpoints: vec![NodeEndpoint {
                node_id: 3,
                host: "h".into(),
                port: 9092,
                rack: None,
            }],
        };
        #[rustfmt::skip]
        let expected = [
            0x02, // responses: 1 topic (compact)
            0x02, b't', // name: "t"
            0x02, // partition_responses: 1 partition
            0x00, 0x00, 0x00, 0x01, // index: 1
            0x00, 0x06, // error_code: NOT_LEADER_OR_FOLLOWER
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // base_offset: -1
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // log_append_time_ms: -1
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // log_start_offset: -1
            0x01, // record_errors: empty
            0x00, // error_message: null
            0x01, // one tagged field:
            0x00, 0x09, // tag 0 (current_leader), 9 bytes
            0x00, 0x00, 0x00, 0x03, // leader_id: 3
            0x00, 0x00, 0x00, 0x05, // leader_epoch: 5
            0x00, // its tagged fields
            0x00, // topic tagged fields
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x01, // one tagged field:
            0x00, 0x0d, // tag 0 (node_endpoints), 13 bytes
            0x02, // 1 endpoint
            0x00, 0x00, 0x00, 0x03, // node_id: 3
            0x02, b'h', // host: "h"
            0x00, 0x00, 0x23, 0x84, // port: 9092
            0x00, // rack: null
            0x00, // its tagged fields
        ];
        assert_eq!(encode_to_vec(&response, 10), expected);
    }

    #[test]
    fn test_produce_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let request = |topics: usize, partitions: usize| ProduceRequest::<Vec<u8>> {
                topic_data: vec![
                    TopicProduceData {
                        name: String::new(),
                        partition_data: vec![PartitionProduceData::default(); partitions],
                    };
                    topics
                ],
                ..Default::default()
            };
            let empty = encode_to_vec(&request(0, 0), version).len();
            let topic = encode_to_vec(&request(1, 0), version).len();
            let partition = encode_to_vec(&request(1, 1), version).len();
            assert_eq!(topic - empty, topic_min_size(flexible), "v{version}");
            assert_eq!(
                partition - topic,
                partition_min_size(flexible),
                "v{version}"
            );

            let response = |partitions: usize, errors: usize| ProduceResponse {
                responses: vec![TopicProduceResponse {
                    name: String::new(),
                    partition_responses: vec![
                        PartitionProduceResponse {
                            record_errors: vec![BatchIndexAndErrorMessage::default(); errors],
                            ..Default::default()
                        };
                        partitions
                    ],
                }],
                ..Default::default()
            };
            let topic = encode_to_vec(&response(0, 0), version).len();
            let partition = encode_to_vec(&response(1, 0), version).len();
            assert_eq!(
                partition - topic,
                partition_response_min_size(version),
                "v{version}"
            );
            if version >= 8 {
                let error = encode_to_vec(&response(1, 1), version).len();
                assert_eq!(
                    error - partition,
                    record_error_min_size(flexible),
                    "v{version}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn test_produce_request_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<ProduceRequest>(&bytes, [version]);
            decode_without_panicking::<ProduceResponse>(&bytes, [version]);
        }

        #[test]
        fn test_produce_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<ProduceRequest>(&bytes, [version]);
                decode_without_panicking::<ProduceResponse>(&bytes, [version]);
            }
        }
    }
}
