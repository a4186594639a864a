//! DescribeProducers (key 61): a partition leader's active idempotent and
//! transactional producers (KIP-664); what `kafka-transactions describe-producers`
//! and `find-hanging` use.
//!
//! Every version is flexible. Note that the producer epoch is an int32 here, unlike
//! everywhere else.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// Only version 0 exists.
pub const VERSIONS: RangeInclusive<i16> = 0..=0;
const FLEXIBLE: i16 = 0;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeProducersRequest {
    pub topics: Vec<TopicRequest>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicRequest {
    pub name: String,
    pub partition_indexes: Vec<i32>,
}

impl TopicRequest {
    /// The smallest encoding: an empty compact string, an empty array, no tagged
    /// fields.
    const MIN_SIZE: usize = string_min(true) + array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            name: r.string(flexible)?.to_owned(),
            partition_indexes: r.array(flexible, 4, |r| r.i32())?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.array(flexible, &self.partition_indexes, |w, p| w.i32(*p));
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeProducersRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let request = Self {
            topics: r.array(flexible, TopicRequest::MIN_SIZE, |r| {
                TopicRequest::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for DescribeProducersRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeProducersResponse {
    pub throttle_time_ms: i32,
    pub topics: Vec<TopicResponse>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicResponse {
    pub name: String,
    pub partitions: Vec<PartitionResponse>,
}

/// One requested partition: its producers, or why they could not be listed
/// (NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionResponse {
    pub partition_index: i32,
    pub error_code: ErrorCode,
    pub error_message: Option<String>,
    pub active_producers: Vec<ProducerState>,
}

impl Default for PartitionResponse {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: ErrorCode::NONE,
            error_message: None,
            active_producers: Vec::new(),
        }
    }
}

/// What the partition's log knows of one producer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerState {
    pub producer_id: i64,
    /// An int32 on this API's wire, though epochs are int16 elsewhere.
    pub producer_epoch: i32,
    /// The sequence number of the producer's last record, -1 if none.
    pub last_sequence: i32,
    /// The timestamp of the producer's last record, -1 if none.
    pub last_timestamp: i64,
    /// The coordinator epoch of the producer's last transaction marker.
    pub coordinator_epoch: i32,
    /// The first offset of the producer's open transaction, -1 if none is open.
    pub current_txn_start_offset: i64,
}

impl Default for ProducerState {
    fn default() -> Self {
        Self {
            producer_id: 0,
            producer_epoch: 0,
            last_sequence: -1,
            last_timestamp: -1,
            coordinator_epoch: 0,
            current_txn_start_offset: -1,
        }
    }
}

impl ProducerState {
    /// The smallest (and only) encoding: int64, two int32s, int64, int32, int64, no
    /// tagged fields.
    const MIN_SIZE: usize = 8 + 4 + 4 + 8 + 4 + 8 + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let state = Self {
            producer_id: r.i64()?,
            producer_epoch: r.i32()?,
            last_sequence: r.i32()?,
            last_timestamp: r.i64()?,
            coordinator_epoch: r.i32()?,
            current_txn_start_offset: r.i64()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(state)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i64(self.producer_id);
        w.i32(self.producer_epoch);
        w.i32(self.last_sequence);
        w.i64(self.last_timestamp);
        w.i32(self.coordinator_epoch);
        w.i64(self.current_txn_start_offset);
        w.empty_tagged_fields(flexible);
    }
}

impl PartitionResponse {
    /// The smallest encoding: an int32, an int16, a null compact string, an empty
    /// array, no tagged fields.
    const MIN_SIZE: usize = 4 + 2 + string_min(true) + array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let partition = Self {
            partition_index: r.i32()?,
            error_code: ErrorCode(r.i16()?),
            error_message: r.nullable_string(flexible)?.map(str::to_owned),
            active_producers: r.array(flexible, ProducerState::MIN_SIZE, |r| {
                ProducerState::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(partition)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i32(self.partition_index);
        w.i16(self.error_code.0);
        w.nullable_string(flexible, self.error_message.as_deref());
        w.array(flexible, &self.active_producers, |w, producer| {
            producer.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

impl TopicResponse {
    /// The smallest encoding: an empty compact string, an empty array, no tagged
    /// fields.
    const MIN_SIZE: usize = string_min(true) + array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            name: r.string(flexible)?.to_owned(),
            partitions: r.array(flexible, PartitionResponse::MIN_SIZE, |r| {
                PartitionResponse::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.array(flexible, &self.partitions, |w, p| p.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

impl Encode for DescribeProducersResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeProducersResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            throttle_time_ms: r.i32()?,
            topics: r.array(flexible, TopicResponse::MIN_SIZE, |r| {
                TopicResponse::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_exact, decode_without_panicking,
        encode_to_vec, written_len,
    };

    fn sample_request() -> DescribeProducersRequest {
        DescribeProducersRequest {
            topics: vec![
                TopicRequest {
                    name: "orders".into(),
                    partition_indexes: vec![0, 3],
                },
                TopicRequest {
                    name: "empty".into(),
                    partition_indexes: Vec::new(),
                },
            ],
        }
    }

    fn sample_response() -> DescribeProducersResponse {
        DescribeProducersResponse {
            throttle_time_ms: 25,
            topics: vec![TopicResponse {
                name: "orders".into(),
                partitions: vec![
                    PartitionResponse {
                        partition_index: 0,
                        error_code: ErrorCode::NONE,
                        error_message: None,
                        active_producers: vec![
                            ProducerState {
                                producer_id: 4_321,
                                producer_epoch: 12,
                                last_sequence: 99,
                                last_timestamp: 1_700_000_000_000,
                                coordinator_epoch: 5,
                                current_txn_start_offset: 1_200,
                            },
                            ProducerState {
                                producer_id: 9_000,
                                ..Default::default()
                            },
                        ],
                    },
                    PartitionResponse {
                        partition_index: 3,
                        error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
                        error_message: Some("not the leader".into()),
                        active_producers: Vec::new(),
                    },
                ],
            }],
        }
    }

    #[test]
    fn test_describe_producers_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(), [version]);
            assert_round_trips(&DescribeProducersRequest::default(), [version]);
            assert_round_trips(&sample_response(), [version]);
            assert_round_trips(&DescribeProducersResponse::default(), [version]);
        }
    }

    #[test]
    fn test_describe_producers_request_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x03, // partition_indexes: 2
            0x00, 0x00, 0x00, 0x00, // 0
            0x00, 0x00, 0x00, 0x02, // 2
            0x00, // topic tagged fields
            0x00, // request tagged fields
        ];
        let request = DescribeProducersRequest {
            topics: vec![TopicRequest {
                name: "t".into(),
                partition_indexes: vec![0, 2],
            }],
        };
        assert_golden(&request, 0, &bytes);
    }

    #[test]
    fn test_describe_producers_response_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0x00, 0x00, // error_code: NONE
            0x00, // error_message: null
            0x02, // active_producers: 1
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x00, 0x00, 0x03, // producer_epoch: 3 (int32)
            0x00, 0x00, 0x00, 0x09, // last_sequence: 9
            0, 0, 0, 0, 0, 0, 0x07, 0xd0, // last_timestamp: 2000
            0x00, 0x00, 0x00, 0x01, // coordinator_epoch: 1
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // current_txn_start_offset: -1
            0x00, // producer tagged fields
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // response tagged fields
        ];
        let response = DescribeProducersResponse {
            throttle_time_ms: 0,
            topics: vec![TopicResponse {
                name: "t".into(),
                partitions: vec![PartitionResponse {
                    partition_index: 2,
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    active_producers: vec![ProducerState {
                        producer_id: 1000,
                        producer_epoch: 3,
                        last_sequence: 9,
                        last_timestamp: 2000,
                        coordinator_epoch: 1,
                        current_txn_start_offset: -1,
                    }],
                }],
            }],
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_describe_producers_decoder_skips_unknown_tagged_fields() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x02, // topics: 1
            0x02, b't', // name: "t"
            0x01, // partitions: 0
            0x01, // one tagged field in the topic
            0x04, 0x03, 0x01, 0x02, 0x03, // tag 4, three bytes
            0x00, // response tagged fields
        ];
        let response: DescribeProducersResponse = decode_exact(&bytes, 0);
        assert_eq!(
            response,
            DescribeProducersResponse {
                throttle_time_ms: 0,
                topics: vec![TopicResponse {
                    name: "t".into(),
                    partitions: Vec::new(),
                }],
            }
        );
    }

    #[test]
    fn test_describe_producers_min_sizes_match_the_smallest_encodings() {
        let sizes = [
            (
                written_len(|w| TopicRequest::default().write(w, true)),
                TopicRequest::MIN_SIZE,
            ),
            (
                written_len(|w| TopicResponse::default().write(w, true)),
                TopicResponse::MIN_SIZE,
            ),
            (
                written_len(|w| PartitionResponse::default().write(w, true)),
                PartitionResponse::MIN_SIZE,
            ),
            (
                written_len(|w| ProducerState::default().write(w, true)),
                ProducerState::MIN_SIZE,
            ),
        ];
        for (written, min) in sizes {
            assert_eq!(written, min);
        }
    }

    proptest! {
        #[test]
        fn test_describe_producers_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<DescribeProducersRequest>(&bytes, [version]);
            decode_without_panicking::<DescribeProducersResponse>(&bytes, [version]);
        }

        #[test]
        fn test_describe_producers_decode_never_panics_on_damaged_messages(
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
                decode_without_panicking::<DescribeProducersRequest>(&bytes, [version]);
                decode_without_panicking::<DescribeProducersResponse>(&bytes, [version]);
            }
        }
    }
}
