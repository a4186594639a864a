//! OffsetDelete (key 47): removes a group's committed offsets for some partitions
//! (`kafka-consumer-groups --delete-offsets`), e.g. after the group stopped consuming
//! a topic, so they no longer hold the topic's lag or block its deletion.
//!
//! The only version is not flexible: classic strings and arrays, no tagged fields.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// A single version (KIP-496).
pub const VERSIONS: RangeInclusive<i16> = 0..=0;
/// Kafka's `flexibleVersions` is "none".
const FLEXIBLE: bool = false;

/// The coordinator refuses (GROUP_SUBSCRIBED_TO_TOPIC) to delete offsets of a topic the
/// group is still subscribed to, so this only cleans up after consumers moved on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetDeleteRequest {
    pub group_id: String,
    pub topics: Vec<OffsetDeleteRequestTopic>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetDeleteRequestTopic {
    pub name: String,
    /// Kafka's schema has an array of one-field structs here; without tagged fields
    /// that is the same bytes as an int32 array.
    pub partition_indexes: Vec<i32>,
}

impl Decode for OffsetDeleteRequest {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        let group_id = r.string(FLEXIBLE)?.to_owned();
        // Each topic: string, int32 array; each partition a single int32.
        let topics = r.array(FLEXIBLE, topic_min_size(), |r| {
            Ok(OffsetDeleteRequestTopic {
                name: r.string(FLEXIBLE)?.to_owned(),
                partition_indexes: r.array(FLEXIBLE, 4, |r| r.i32())?,
            })
        })?;
        Ok(Self { group_id, topics })
    }
}

impl Encode for OffsetDeleteRequest {
    fn encode(&self, w: &mut Writer, _version: i16) {
        w.string(FLEXIBLE, &self.group_id);
        w.array(FLEXIBLE, &self.topics, |w, topic| {
            w.string(FLEXIBLE, &topic.name);
            w.array(FLEXIBLE, &topic.partition_indexes, |w, p| w.i32(*p));
        });
    }
}

/// A group-level failure (GROUP_ID_NOT_FOUND, NOT_COORDINATOR) goes in `error_code`
/// with no topics; otherwise each partition says whether its offset went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetDeleteResponse {
    pub error_code: ErrorCode,
    pub throttle_time_ms: i32,
    pub topics: Vec<OffsetDeleteResponseTopic>,
}

impl Default for OffsetDeleteResponse {
    fn default() -> Self {
        Self {
            error_code: ErrorCode::NONE,
            throttle_time_ms: 0,
            topics: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetDeleteResponseTopic {
    pub name: String,
    pub partitions: Vec<OffsetDeleteResponsePartition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetDeleteResponsePartition {
    pub partition_index: i32,
    pub error_code: ErrorCode,
}

impl Encode for OffsetDeleteResponse {
    fn encode(&self, w: &mut Writer, _version: i16) {
        w.i16(self.error_code.0);
        w.i32(self.throttle_time_ms);
        w.array(FLEXIBLE, &self.topics, |w, topic| {
            w.string(FLEXIBLE, &topic.name);
            w.array(FLEXIBLE, &topic.partitions, |w, p| {
                w.i32(p.partition_index);
                w.i16(p.error_code.0);
            });
        });
    }
}

impl Decode for OffsetDeleteResponse {
    fn decode(r: &mut Reader<'_>, _version: i16) -> Result<Self, DecodeError> {
        let error_code = ErrorCode(r.i16()?);
        let throttle_time_ms = r.i32()?;
        // Each topic: string, array; each partition: int32, int16.
        let topics = r.array(FLEXIBLE, topic_min_size(), |r| {
            let name = r.string(FLEXIBLE)?.to_owned();
            let partitions = r.array(FLEXIBLE, 4 + 2, |r| {
                Ok(OffsetDeleteResponsePartition {
                    partition_index: r.i32()?,
                    error_code: ErrorCode(r.i16()?),
                })
            })?;
            Ok(OffsetDeleteResponseTopic { name, partitions })
        })?;
        Ok(Self {
            error_code,
            throttle_time_ms,
            topics,
        })
    }
}

/// A topic (request or response): a string and an array.
fn topic_min_size() -> usize {
    string_min(FLEXIBLE) + array_min(FLEXIBLE)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_without_panicking, encode_to_vec,
    };

    fn sample_request() -> OffsetDeleteRequest {
        OffsetDeleteRequest {
            group_id: "billing".into(),
            topics: vec![
                OffsetDeleteRequestTopic {
                    name: "orders".into(),
                    partition_indexes: vec![0, 2, 5],
                },
                OffsetDeleteRequestTopic {
                    name: "legacy".into(),
                    partition_indexes: Vec::new(),
                },
            ],
        }
    }

    fn sample_response() -> OffsetDeleteResponse {
        OffsetDeleteResponse {
            error_code: ErrorCode::NONE,
            throttle_time_ms: 12,
            topics: vec![OffsetDeleteResponseTopic {
                name: "orders".into(),
                partitions: vec![
                    OffsetDeleteResponsePartition {
                        partition_index: 0,
                        error_code: ErrorCode::NONE,
                    },
                    OffsetDeleteResponsePartition {
                        partition_index: 2,
                        error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    },
                ],
            }],
        }
    }

    #[test]
    fn test_offset_delete_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(), [version]);
            assert_round_trips(&OffsetDeleteRequest::default(), [version]);
            assert_round_trips(&sample_response(), [version]);
            let failed = OffsetDeleteResponse {
                error_code: ErrorCode::GROUP_ID_NOT_FOUND,
                ..Default::default()
            };
            assert_round_trips(&failed, [version]);
        }
    }

    #[test]
    fn test_offset_delete_request_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x01, b'g', // group_id: "g"
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x02, // partitions: 2
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0x00, 0x00, 0x00, 0x03, // partition_index: 3
        ];
        let request = OffsetDeleteRequest {
            group_id: "g".into(),
            topics: vec![OffsetDeleteRequestTopic {
                name: "t".into(),
                partition_indexes: vec![0, 3],
            }],
        };
        assert_golden(&request, 0, &bytes);
    }

    #[test]
    fn test_offset_delete_response_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, // error_code: NONE
            0x00, 0x00, 0x00, 0x07, // throttle_time_ms: 7
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x01, // partition_index: 1
            0x00, 0x03, // error_code: UNKNOWN_TOPIC_OR_PARTITION
        ];
        let response = OffsetDeleteResponse {
            error_code: ErrorCode::NONE,
            throttle_time_ms: 7,
            topics: vec![OffsetDeleteResponseTopic {
                name: "t".into(),
                partitions: vec![OffsetDeleteResponsePartition {
                    partition_index: 1,
                    error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                }],
            }],
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_offset_delete_group_error_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x45, // error_code: GROUP_ID_NOT_FOUND (69)
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, 0x00, 0x00, // topics: 0
        ];
        let response = OffsetDeleteResponse {
            error_code: ErrorCode::GROUP_ID_NOT_FOUND,
            ..Default::default()
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_offset_delete_min_sizes_match_the_smallest_encodings() {
        let request = |topics: usize| OffsetDeleteRequest {
            group_id: String::new(),
            topics: vec![OffsetDeleteRequestTopic::default(); topics],
        };
        let topic = encode_to_vec(&request(1), 0).len() - encode_to_vec(&request(0), 0).len();
        assert_eq!(topic, topic_min_size());
        let response = |partitions: usize| OffsetDeleteResponse {
            topics: vec![OffsetDeleteResponseTopic {
                name: String::new(),
                partitions: vec![
                    OffsetDeleteResponsePartition {
                        partition_index: 0,
                        error_code: ErrorCode::NONE,
                    };
                    partitions
                ],
            }],
            ..Default::default()
        };
        let partition = encode_to_vec(&response(1), 0).len() - encode_to_vec(&response(0), 0).len();
        assert_eq!(partition, 4 + 2);
    }

    proptest! {
        #[test]
        fn test_offset_delete_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<OffsetDeleteRequest>(&bytes, [version]);
            decode_without_panicking::<OffsetDeleteResponse>(&bytes, [version]);
        }

        #[test]
        fn test_offset_delete_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(), version),
                encode_to_vec(&sample_response(), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<OffsetDeleteRequest>(&bytes, [version]);
                decode_without_panicking::<OffsetDeleteResponse>(&bytes, [version]);
            }
        }
    }
}
