//! OffsetForLeaderEpoch (key 23): the end offset of a leader epoch, with which
//! followers and consumers detect and truncate a diverged log (KIP-101, KIP-320).
//!
//! Versions 0 and 1 (deprecated) carried no `current_leader_epoch` for fencing; they
//! are not served.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 2..=4;
const FLEXIBLE: i16 = 4;
/// First version with `replica_id`.
const REPLICA_ID: i16 = 3;

/// The `replica_id` of requests from versions without the field: Kafka's "debug
/// consumer", which may see offsets beyond the high watermark.
pub const DEFAULT_REPLICA_ID: i32 = -2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetForLeaderEpochRequest {
    /// v3+: the follower's broker id, or -1 from a consumer;
    /// [`DEFAULT_REPLICA_ID`] in older versions.
    pub replica_id: i32,
    pub topics: Vec<OffsetForLeaderTopic>,
}

impl Default for OffsetForLeaderEpochRequest {
    fn default() -> Self {
        Self {
            replica_id: DEFAULT_REPLICA_ID,
            topics: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetForLeaderTopic {
    pub topic: String,
    pub partitions: Vec<OffsetForLeaderPartition>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OffsetForLeaderPartition {
    pub partition: i32,
    /// The requester's idea of the current leader epoch, for fencing: larger than the
    /// broker's is UNKNOWN_LEADER_EPOCH, smaller is FENCED_LEADER_EPOCH; -1 skips the
    /// check.
    pub current_leader_epoch: i32,
    /// The epoch whose end offset is wanted.
    pub leader_epoch: i32,
}

impl Decode for OffsetForLeaderEpochRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let replica_id = if version >= REPLICA_ID {
            r.i32()?
        } else {
            DEFAULT_REPLICA_ID
        };
        // Each topic: string, array (and tagged fields).
        let topic_min = string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let topics = r.array(flexible, topic_min, |r| {
            let topic = r.string(flexible)?.to_owned();
            // Each partition: three int32s (and tagged fields).
            let partitions = r.array(flexible, 3 * 4 + tags_min(flexible), |r| {
                let partition = OffsetForLeaderPartition {
                    partition: r.i32()?,
                    current_leader_epoch: r.i32()?,
                    leader_epoch: r.i32()?,
                };
                r.skip_tagged_fields(flexible)?;
                Ok(partition)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(OffsetForLeaderTopic { topic, partitions })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self { replica_id, topics })
    }
}

impl Encode for OffsetForLeaderEpochRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= REPLICA_ID {
            w.i32(self.replica_id);
        }
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.topic);
            w.array(flexible, &topic.partitions, |w, partition| {
                w.i32(partition.partition);
                w.i32(partition.current_leader_epoch);
                w.i32(partition.leader_epoch);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetForLeaderEpochResponse {
    pub throttle_time_ms: i32,
    pub topics: Vec<OffsetForLeaderTopicResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetForLeaderTopicResult {
    pub topic: String,
    pub partitions: Vec<EpochEndOffset>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochEndOffset {
    pub error_code: ErrorCode,
    pub partition: i32,
    /// The largest epoch not above the requested one; -1 if unknown.
    pub leader_epoch: i32,
    /// The end offset of that epoch: the start offset of the next epoch, or the log end
    /// offset for the current epoch; -1 if unknown.
    pub end_offset: i64,
}

impl Encode for OffsetForLeaderEpochResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.topic);
            w.array(flexible, &topic.partitions, |w, partition| {
                w.i16(partition.error_code.0);
                w.i32(partition.partition);
                w.i32(partition.leader_epoch);
                w.i64(partition.end_offset);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for OffsetForLeaderEpochResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        // Each topic: string, array (and tagged fields).
        let topic_min = string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let topics = r.array(flexible, topic_min, |r| {
            let topic = r.string(flexible)?.to_owned();
            // Each partition: int16, int32, int32, int64 (and tagged fields).
            let partitions = r.array(flexible, 2 + 4 + 4 + 8 + tags_min(flexible), |r| {
                let partition = EpochEndOffset {
                    error_code: ErrorCode(r.i16()?),
                    partition: r.i32()?,
                    leader_epoch: r.i32()?,
                    end_offset: r.i64()?,
                };
                r.skip_tagged_fields(flexible)?;
                Ok(partition)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(OffsetForLeaderTopicResult { topic, partitions })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            topics,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{assert_golden, assert_round_trips, decode_without_panicking};

    fn request(version: i16) -> OffsetForLeaderEpochRequest {
        OffsetForLeaderEpochRequest {
            replica_id: if version >= REPLICA_ID {
                3
            } else {
                DEFAULT_REPLICA_ID
            },
            topics: vec![
                OffsetForLeaderTopic {
                    topic: "orders".into(),
                    partitions: vec![
                        OffsetForLeaderPartition {
                            partition: 1,
                            current_leader_epoch: 9,
                            leader_epoch: 7,
                        },
                        OffsetForLeaderPartition {
                            partition: 4,
                            current_leader_epoch: -1,
                            leader_epoch: 2,
                        },
                    ],
                },
                OffsetForLeaderTopic {
                    topic: "audit".into(),
                    partitions: vec![],
                },
            ],
        }
    }

    fn response() -> OffsetForLeaderEpochResponse {
        OffsetForLeaderEpochResponse {
            throttle_time_ms: 40,
            topics: vec![
                OffsetForLeaderTopicResult {
                    topic: "orders".into(),
                    partitions: vec![
                        EpochEndOffset {
                            error_code: ErrorCode::NONE,
                            partition: 1,
                            leader_epoch: 7,
                            end_offset: 1_234_567,
                        },
                        EpochEndOffset {
                            error_code: ErrorCode::FENCED_LEADER_EPOCH,
                            partition: 4,
                            leader_epoch: -1,
                            end_offset: -1,
                        },
                    ],
                },
                OffsetForLeaderTopicResult {
                    topic: "audit".into(),
                    partitions: vec![],
                },
            ],
        }
    }

    #[test]
    fn test_offset_for_leader_epoch_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&request(version), [version]);
        }
    }

    #[test]
    fn test_offset_for_leader_epoch_response_round_trips_in_every_version() {
        assert_round_trips(&response(), VERSIONS);
    }

    #[test]
    fn test_offset_for_leader_epoch_request_v2_golden_bytes() {
        // No replica_id before v3: it reads as the debug consumer.
        let bytes = [
            0, 0, 0, 1, // topics: 1
            0, 1, b't', // topic
            0, 0, 0, 1, // partitions: 1
            0, 0, 0, 0, // partition
            0, 0, 0, 5, // current_leader_epoch
            0, 0, 0, 4, // leader_epoch
        ];
        let expected = OffsetForLeaderEpochRequest {
            replica_id: -2,
            topics: vec![OffsetForLeaderTopic {
                topic: "t".into(),
                partitions: vec![OffsetForLeaderPartition {
                    partition: 0,
                    current_leader_epoch: 5,
                    leader_epoch: 4,
                }],
            }],
        };
        assert_golden(&expected, 2, &bytes);
    }

    #[test]
    fn test_offset_for_leader_epoch_request_v4_golden_bytes() {
        let bytes = [
            0xff, 0xff, 0xff, 0xff, // replica_id: -1 (consumer)
            2,    // topics: 1 (compact: n+1)
            2, b't', // topic
            2,    // partitions: 1
            0, 0, 0, 3, // partition
            0xff, 0xff, 0xff, 0xff, // current_leader_epoch: -1
            0, 0, 0, 4, // leader_epoch
            0, // partition tagged fields
            0, // topic tagged fields
            0, // top-level tagged fields
        ];
        let expected = OffsetForLeaderEpochRequest {
            replica_id: -1,
            topics: vec![OffsetForLeaderTopic {
                topic: "t".into(),
                partitions: vec![OffsetForLeaderPartition {
                    partition: 3,
                    current_leader_epoch: -1,
                    leader_epoch: 4,
                }],
            }],
        };
        assert_golden(&expected, 4, &bytes);
    }

    #[test]
    fn test_offset_for_leader_epoch_response_v3_golden_bytes() {
        let bytes = [
            0, 0, 0, 0, // throttle_time_ms
            0, 0, 0, 1, // topics: 1
            0, 1, b't', // topic
            0, 0, 0, 1, // partitions: 1
            0, 0, // error_code
            0, 0, 0, 2, // partition
            0, 0, 0, 6, // leader_epoch
            0, 0, 0, 0, 0, 0, 0, 100, // end_offset
        ];
        let expected = OffsetForLeaderEpochResponse {
            throttle_time_ms: 0,
            topics: vec![OffsetForLeaderTopicResult {
                topic: "t".into(),
                partitions: vec![EpochEndOffset {
                    error_code: ErrorCode::NONE,
                    partition: 2,
                    leader_epoch: 6,
                    end_offset: 100,
                }],
            }],
        };
        assert_golden(&expected, 3, &bytes);
    }

    proptest! {
        #[test]
        fn test_offset_for_leader_epoch_decoders_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<OffsetForLeaderEpochRequest>(&bytes, [version]);
            decode_without_panicking::<OffsetForLeaderEpochResponse>(&bytes, [version]);
        }
    }
}
