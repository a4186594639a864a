//! ListOffsets (key 2): the offset of the first record at or after a timestamp, or of
//! a log boundary named by a special timestamp ([`EARLIEST_TIMESTAMP`] and friends).

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 is Kafka 4's floor (KIP-896); 7 adds MAX_TIMESTAMP, 8 EARLIEST_LOCAL_TIMESTAMP, 9
/// LATEST_TIERED_TIMESTAMP. (10 adds a timeout for tiered storage.)
pub const VERSIONS: RangeInclusive<i16> = 1..=9;
const FLEXIBLE: i16 = 6;

/// The log end offset (the next offset to be written).
pub const LATEST_TIMESTAMP: i64 = -1;
/// The log start offset.
pub const EARLIEST_TIMESTAMP: i64 = -2;
/// The offset of the record with the largest timestamp (v7+, KIP-734).
pub const MAX_TIMESTAMP: i64 = -3;
/// The start of the local log, past what tiered storage holds (v8+, KIP-405).
pub const EARLIEST_LOCAL_TIMESTAMP: i64 = -4;
/// The last offset in tiered storage (v9+, KIP-1005).
pub const LATEST_TIERED_TIMESTAMP: i64 = -5;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOffsetsRequest {
    /// The requesting follower's broker id, -1 for a consumer.
    pub replica_id: i32,
    /// 0 READ_UNCOMMITTED, 1 READ_COMMITTED (v2+).
    pub isolation_level: i8,
    pub topics: Vec<ListOffsetsTopic>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOffsetsTopic {
    pub name: String,
    pub partitions: Vec<ListOffsetsPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOffsetsPartition {
    pub partition_index: i32,
    /// For fencing (KIP-320), -1 if unknown (v4+).
    pub current_leader_epoch: i32,
    /// A timestamp in ms, or one of the special values above.
    pub timestamp: i64,
}

impl Default for ListOffsetsPartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            current_leader_epoch: -1,
            timestamp: LATEST_TIMESTAMP,
        }
    }
}

impl Decode for ListOffsetsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            replica_id: r.i32()?,
            ..Default::default()
        };
        if version >= 2 {
            request.isolation_level = r.i8()?;
        }
        let partition_min = partition_min_size(version);
        request.topics = r.array(flexible, topic_min_size(flexible), |r| {
            let name = r.string(flexible)?.to_owned();
            let partitions = r.array(flexible, partition_min, |r| {
                let mut p = ListOffsetsPartition {
                    partition_index: r.i32()?,
                    ..Default::default()
                };
                if version >= 4 {
                    p.current_leader_epoch = r.i32()?;
                }
                p.timestamp = r.i64()?;
                r.skip_tagged_fields(flexible)?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(ListOffsetsTopic { name, partitions })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for ListOffsetsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.replica_id);
        if version >= 2 {
            w.i8(self.isolation_level);
        }
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partitions, |w, p| {
                w.i32(p.partition_index);
                if version >= 4 {
                    w.i32(p.current_leader_epoch);
                }
                w.i64(p.timestamp);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOffsetsResponse {
    /// v2+.
    pub throttle_time_ms: i32,
    pub topics: Vec<ListOffsetsTopicResponse>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOffsetsTopicResponse {
    pub name: String,
    pub partitions: Vec<ListOffsetsPartitionResponse>,
}

/// One partition's answer. The default is Kafka's for a failed look-up: timestamp,
/// offset and epoch -1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOffsetsPartitionResponse {
    pub partition_index: i32,
    pub error_code: ErrorCode,
    /// The timestamp of the record at `offset`, or -1.
    pub timestamp: i64,
    pub offset: i64,
    /// The leader epoch of the record at `offset`, or -1 (v4+).
    pub leader_epoch: i32,
}

impl Default for ListOffsetsPartitionResponse {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: ErrorCode::NONE,
            timestamp: -1,
            offset: -1,
            leader_epoch: -1,
        }
    }
}

impl Encode for ListOffsetsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 2 {
            w.i32(self.throttle_time_ms);
        }
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partitions, |w, p| {
                w.i32(p.partition_index);
                w.i16(p.error_code.0);
                w.i64(p.timestamp);
                w.i64(p.offset);
                if version >= 4 {
                    w.i32(p.leader_epoch);
                }
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for ListOffsetsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 2 {
            response.throttle_time_ms = r.i32()?;
        }
        let partition_min = partition_response_min_size(version);
        response.topics = r.array(flexible, topic_min_size(flexible), |r| {
            let name = r.string(flexible)?.to_owned();
            let partitions = r.array(flexible, partition_min, |r| {
                let mut p = ListOffsetsPartitionResponse {
                    partition_index: r.i32()?,
                    error_code: ErrorCode(r.i16()?),
                    timestamp: r.i64()?,
                    offset: r.i64()?,
                    ..Default::default()
                };
                if version >= 4 {
                    p.leader_epoch = r.i32()?;
                }
                r.skip_tagged_fields(flexible)?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(ListOffsetsTopicResponse { name, partitions })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

// The smallest encodings of array elements, which bound array lengths on decode.

/// A topic (request or response): a string, an array (and tagged fields).
fn topic_min_size(flexible: bool) -> usize {
    string_min(flexible) + array_min(flexible) + tags_min(flexible)
}

/// A request partition: int32, from v4 an int32, int64 (and tagged fields).
fn partition_min_size(version: i16) -> usize {
    12 + when(version >= 4, 4) + tags_min(version >= FLEXIBLE)
}

/// A response partition: int32, int16, two int64s, from v4 an int32 (and tagged
/// fields).
fn partition_response_min_size(version: i16) -> usize {
    22 + when(version >= 4, 4) + tags_min(version >= FLEXIBLE)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_round_trips, damage, decode_exact, decode_without_panicking, encode_to_vec,
    };

    fn sample_request(version: i16) -> ListOffsetsRequest {
        ListOffsetsRequest {
            replica_id: 2,
            isolation_level: if version >= 2 { 1 } else { 0 },
            topics: vec![
                ListOffsetsTopic {
                    name: "orders".into(),
                    partitions: vec![
                        ListOffsetsPartition {
                            partition_index: 4,
                            current_leader_epoch: if version >= 4 { 8 } else { -1 },
                            timestamp: 1_700_000_000_000,
                        },
                        ListOffsetsPartition {
                            partition_index: 5,
                            current_leader_epoch: -1,
                            timestamp: EARLIEST_TIMESTAMP,
                        },
                    ],
                },
                ListOffsetsTopic {
                    name: "empty".into(),
                    partitions: Vec::new(),
                },
            ],
        }
    }

    fn sample_response(version: i16) -> ListOffsetsResponse {
        ListOffsetsResponse {
            throttle_time_ms: if version >= 2 { 30 } else { 0 },
            topics: vec![ListOffsetsTopicResponse {
                name: "orders".into(),
                partitions: vec![
                    ListOffsetsPartitionResponse {
                        partition_index: 4,
                        error_code: ErrorCode::NONE,
                        timestamp: 1_700_000_000_123,
                        offset: 9_876,
                        leader_epoch: if version >= 4 { 8 } else { -1 },
                    },
                    ListOffsetsPartitionResponse {
                        partition_index: 5,
                        error_code: ErrorCode::OFFSET_NOT_AVAILABLE,
                        ..Default::default()
                    },
                ],
            }],
        }
    }

    #[test]
    fn test_list_offsets_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
    }

    #[test]
    fn test_list_offsets_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
    }

    #[test]
    fn test_list_offsets_request_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0xff, 0xff, 0xff, 0xff, // replica_id: -1
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, // timestamp: EARLIEST
        ];
        let request: ListOffsetsRequest = decode_exact(&bytes, 1);
        assert_eq!(
            request,
            ListOffsetsRequest {
                replica_id: -1,
                isolation_level: 0,
                topics: vec![ListOffsetsTopic {
                    name: "t".into(),
                    partitions: vec![ListOffsetsPartition {
                        partition_index: 0,
                        current_leader_epoch: -1,
                        timestamp: EARLIEST_TIMESTAMP,
                    }],
                }],
            }
        );
    }

    #[test]
    fn test_list_offsets_request_v6_golden() {
        #[rustfmt::skip]
        let bytes = [
            0xff, 0xff, 0xff, 0xff, // replica_id: -1
            0x01, // isolation_level: READ_COMMITTED
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x01, // partition_index: 1
            0x00, 0x00, 0x00, 0x04, // current_leader_epoch: 4
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // timestamp: LATEST
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // request tagged fields
        ];
        let request: ListOffsetsRequest = decode_exact(&bytes, 6);
        assert_eq!(
            request,
            ListOffsetsRequest {
                replica_id: -1,
                isolation_level: 1,
                topics: vec![ListOffsetsTopic {
                    name: "t".into(),
                    partitions: vec![ListOffsetsPartition {
                        partition_index: 1,
                        current_leader_epoch: 4,
                        timestamp: LATEST_TIMESTAMP,
                    }],
                }],
            }
        );
    }

    #[test]
    fn test_list_offsets_response_v1_golden() {
        let response = ListOffsetsResponse {
            throttle_time_ms: 0,
            topics: vec![ListOffsetsTopicResponse {
                name: "t".into(),
                partitions: vec![ListOffsetsPartitionResponse {
                    offset: 42,
                    ..Default::default()
                }],
            }],
        };
        #[rustfmt::skip]
        let expected = [
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0x00, 0x00, // error_code: NONE
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // timestamp: -1
            0, 0, 0, 0, 0, 0, 0, 42, // offset: 42
        ];
        assert_eq!(encode_to_vec(&response, 1), expected);
    }

    #[test]
    fn test_list_offsets_response_v7_golden() {
        let response = ListOffsetsResponse {
            throttle_time_ms: 0,
            topics: vec![ListOffsetsTopicResponse {
                name: "t".into(),
                partitions: vec![ListOffsetsPartitionResponse {
                    partition_index: 1,
                    error_code: ErrorCode::NONE,
                    timestamp: 1000,
                    offset: 7,
                    leader_epoch: 3,
                }],
            }],
        };
        #[rustfmt::skip]
        let expected = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x01, // partition_index: 1
            0x00, 0x00, // error_code: NONE
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // timestamp: 1000
            0, 0, 0, 0, 0, 0, 0, 7, // offset: 7
            0x00, 0x00, 0x00, 0x03, // leader_epoch: 3
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // response tagged fields
        ];
        assert_eq!(encode_to_vec(&response, 7), expected);
    }

    #[test]
    fn test_list_offsets_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let request = |topics: usize, partitions: usize| ListOffsetsRequest {
                topics: vec![
                    ListOffsetsTopic {
                        name: String::new(),
                        partitions: vec![ListOffsetsPartition::default(); partitions],
                    };
                    topics
                ],
                ..Default::default()
            };
            let empty = encode_to_vec(&request(0, 0), version).len();
            let topic = encode_to_vec(&request(1, 0), version).len();
            let partition = encode_to_vec(&request(1, 1), version).len();
            assert_eq!(topic - empty, topic_min_size(flexible), "v{version}");
            assert_eq!(partition - topic, partition_min_size(version), "v{version}");

            let response = |partitions: usize| ListOffsetsResponse {
                topics: vec![ListOffsetsTopicResponse {
                    name: String::new(),
                    partitions: vec![ListOffsetsPartitionResponse::default(); partitions],
                }],
                ..Default::default()
            };
            let topic = encode_to_vec(&response(0), version).len();
            let partition = encode_to_vec(&response(1), version).len();
            assert_eq!(
                partition - topic,
                partition_response_min_size(version),
                "v{version}"
            );
        }
    }

    proptest! {
        #[test]
        fn test_list_offsets_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<ListOffsetsRequest>(&bytes, [version]);
            decode_without_panicking::<ListOffsetsResponse>(&bytes, [version]);
        }

        #[test]
        fn test_list_offsets_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(version), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<ListOffsetsRequest>(&bytes, [version]);
                decode_without_panicking::<ListOffsetsResponse>(&bytes, [version]);
            }
        }
    }
}
