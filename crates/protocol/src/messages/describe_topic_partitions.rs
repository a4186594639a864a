//! DescribeTopicPartitions (key 75): topic and partition metadata in pages, with
//! eligible leader replicas (KIP-966); what `kafka-topics --describe` uses.
//!
//! The cursors are nullable structs: in this (flexible) encoding an int8 comes first,
//! -1 for null and 1 for present (a reader takes any negative value as null, like
//! Kafka's), followed by the struct and its tagged fields.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 0..=0;
const FLEXIBLE: i16 = 0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeTopicPartitionsRequest {
    pub topics: Vec<TopicRequest>,
    /// The most partitions to return, over all topics (Kafka's default 2000).
    pub response_partition_limit: i32,
    /// Where to start: a topic and a partition index in it; `None` for the beginning.
    pub cursor: Option<Cursor>,
}

impl Default for DescribeTopicPartitionsRequest {
    fn default() -> Self {
        Self {
            topics: Vec::new(),
            response_partition_limit: 2000,
            cursor: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicRequest {
    pub name: String,
}

impl TopicRequest {
    /// The smallest encoding: an empty compact string, no tagged fields.
    const MIN_SIZE: usize = string_min(true) + tags_min(true);
}

/// A position in the listing: in the request, where to start; in the response, where
/// the next page starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    pub topic_name: String,
    pub partition_index: i32,
}

impl Cursor {
    fn read_nullable(r: &mut Reader<'_>, flexible: bool) -> Result<Option<Self>, DecodeError> {
        if r.i8()? < 0 {
            return Ok(None);
        }
        let cursor = Self {
            topic_name: r.string(flexible)?.to_owned(),
            partition_index: r.i32()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(Some(cursor))
    }

    fn write_nullable(cursor: Option<&Self>, w: &mut Writer, flexible: bool) {
        let Some(cursor) = cursor else {
            w.i8(-1);
            return;
        };
        w.i8(1);
        w.string(flexible, &cursor.topic_name);
        w.i32(cursor.partition_index);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeTopicPartitionsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let topics = r.array(flexible, TopicRequest::MIN_SIZE, |r| {
            let topic = TopicRequest {
                name: r.string(flexible)?.to_owned(),
            };
            r.skip_tagged_fields(flexible)?;
            Ok(topic)
        })?;
        let response_partition_limit = r.i32()?;
        let cursor = Cursor::read_nullable(r, flexible)?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            topics,
            response_partition_limit,
            cursor,
        })
    }
}

impl Encode for DescribeTopicPartitionsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.empty_tagged_fields(flexible);
        });
        w.i32(self.response_partition_limit);
        Cursor::write_nullable(self.cursor.as_ref(), w, flexible);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeTopicPartitionsResponse {
    pub throttle_time_ms: i32,
    pub topics: Vec<DescribeTopicPartitionsResponseTopic>,
    /// Where the next page starts; `None` when this was the last.
    pub next_cursor: Option<Cursor>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeTopicPartitionsResponseTopic {
    pub error_code: ErrorCode,
    pub name: Option<String>,
    pub topic_id: [u8; 16],
    pub is_internal: bool,
    pub partitions: Vec<DescribeTopicPartitionsResponsePartition>,
    /// `i32::MIN` when not requested.
    pub topic_authorized_operations: i32,
}

impl DescribeTopicPartitionsResponseTopic {
    /// The smallest encoding: error code, null name, uuid, bool, empty array, int32,
    /// no tagged fields.
    const MIN_SIZE: usize = 2 + string_min(true) + 16 + 1 + array_min(true) + 4 + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            error_code: ErrorCode(r.i16()?),
            name: r.nullable_string(flexible)?.map(str::to_owned),
            topic_id: r.uuid()?,
            is_internal: r.bool()?,
            partitions: r.array(
                flexible,
                DescribeTopicPartitionsResponsePartition::MIN_SIZE,
                |r| DescribeTopicPartitionsResponsePartition::read(r, flexible),
            )?,
            topic_authorized_operations: r.i32()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i16(self.error_code.0);
        w.nullable_string(flexible, self.name.as_deref());
        w.uuid(&self.topic_id);
        w.bool(self.is_internal);
        w.array(flexible, &self.partitions, |w, partition| {
            partition.write(w, flexible)
        });
        w.i32(self.topic_authorized_operations);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeTopicPartitionsResponsePartition {
    pub error_code: ErrorCode,
    pub partition_index: i32,
    pub leader_id: i32,
    /// -1 when unknown.
    pub leader_epoch: i32,
    pub replica_nodes: Vec<i32>,
    pub isr_nodes: Vec<i32>,
    /// Replicas that may be elected though not in the ISR (KIP-966); null by default.
    pub eligible_leader_replicas: Option<Vec<i32>>,
    pub last_known_elr: Option<Vec<i32>>,
    pub offline_replicas: Vec<i32>,
}

impl DescribeTopicPartitionsResponsePartition {
    /// The smallest encoding: error code, three int32s, five empty or null compact
    /// arrays, no tagged fields.
    const MIN_SIZE: usize = 2 + 4 + 4 + 4 + 5 * array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let partition = Self {
            error_code: ErrorCode(r.i16()?),
            partition_index: r.i32()?,
            leader_id: r.i32()?,
            leader_epoch: r.i32()?,
            replica_nodes: r.array(flexible, 4, |r| r.i32())?,
            isr_nodes: r.array(flexible, 4, |r| r.i32())?,
            eligible_leader_replicas: r.nullable_array(flexible, 4, |r| r.i32())?,
            last_known_elr: r.nullable_array(flexible, 4, |r| r.i32())?,
            offline_replicas: r.array(flexible, 4, |r| r.i32())?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(partition)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i16(self.error_code.0);
        w.i32(self.partition_index);
        w.i32(self.leader_id);
        w.i32(self.leader_epoch);
        w.array(flexible, &self.replica_nodes, |w, id| w.i32(*id));
        w.array(flexible, &self.isr_nodes, |w, id| w.i32(*id));
        write_nullable_ids(w, flexible, self.eligible_leader_replicas.as_deref());
        write_nullable_ids(w, flexible, self.last_known_elr.as_deref());
        w.array(flexible, &self.offline_replicas, |w, id| w.i32(*id));
        w.empty_tagged_fields(flexible);
    }
}

fn write_nullable_ids(w: &mut Writer, flexible: bool, ids: Option<&[i32]>) {
    match ids {
        Some(ids) => w.array(flexible, ids, |w, id| w.i32(*id)),
        None => w.array_len(flexible, None),
    }
}

impl Decode for DescribeTopicPartitionsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        let topics = r.array(
            flexible,
            DescribeTopicPartitionsResponseTopic::MIN_SIZE,
            |r| DescribeTopicPartitionsResponseTopic::read(r, flexible),
        )?;
        let next_cursor = Cursor::read_nullable(r, flexible)?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            topics,
            next_cursor,
        })
    }
}

impl Encode for DescribeTopicPartitionsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        Cursor::write_nullable(self.next_cursor.as_ref(), w, flexible);
        w.empty_tagged_fields(flexible);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_without_panicking, encode_to_vec,
        written_len,
    };

    fn sample_request() -> DescribeTopicPartitionsRequest {
        DescribeTopicPartitionsRequest {
            topics: vec![
                TopicRequest {
                    name: "orders".to_owned(),
                },
                TopicRequest {
                    name: "payments".to_owned(),
                },
            ],
            response_partition_limit: 50,
            cursor: Some(Cursor {
                topic_name: "orders".to_owned(),
                partition_index: 12,
            }),
        }
    }

    fn sample_response() -> DescribeTopicPartitionsResponse {
        DescribeTopicPartitionsResponse {
            throttle_time_ms: 5,
            topics: vec![
                DescribeTopicPartitionsResponseTopic {
                    error_code: ErrorCode::NONE,
                    name: Some("orders".to_owned()),
                    topic_id: [4; 16],
                    is_internal: true,
                    partitions: vec![DescribeTopicPartitionsResponsePartition {
                        error_code: ErrorCode::LEADER_NOT_AVAILABLE,
                        partition_index: 12,
                        leader_id: 2,
                        leader_epoch: 8,
                        replica_nodes: vec![1, 2, 3],
                        isr_nodes: vec![2],
                        eligible_leader_replicas: Some(vec![1]),
                        last_known_elr: Some(vec![3]),
                        offline_replicas: vec![3],
                    }],
                    topic_authorized_operations: 0x0f8,
                },
                DescribeTopicPartitionsResponseTopic {
                    error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    name: None,
                    topic_id: [0; 16],
                    is_internal: false,
                    partitions: vec![],
                    topic_authorized_operations: i32::MIN,
                },
            ],
            next_cursor: Some(Cursor {
                topic_name: "payments".to_owned(),
                partition_index: 3,
            }),
        }
    }

    #[test]
    fn test_describe_topic_partitions_request_round_trips_in_every_version() {
        assert_round_trips(&sample_request(), VERSIONS);
        assert_round_trips(&DescribeTopicPartitionsRequest::default(), VERSIONS);
    }

    #[test]
    fn test_describe_topic_partitions_response_round_trips_in_every_version() {
        assert_round_trips(&sample_response(), VERSIONS);
        assert_round_trips(&DescribeTopicPartitionsResponse::default(), VERSIONS);
    }

    #[test]
    fn test_describe_topic_partitions_request_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            2,                      // 1 topic
            2, b't', 0,             // name "t", no tagged fields
            0, 0, 0x07, 0xd0,       // response_partition_limit 2000
            1,                      // cursor present
            2, b't', 0, 0, 0, 3, 0, // topic_name "t", partition_index 3, no tagged fields
            0,                      // no tagged fields
        ];
        let request = DescribeTopicPartitionsRequest {
            topics: vec![TopicRequest {
                name: "t".to_owned(),
            }],
            response_partition_limit: 2000,
            cursor: Some(Cursor {
                topic_name: "t".to_owned(),
                partition_index: 3,
            }),
        };
        assert_golden(&request, 0, &bytes);
        // A null cursor is a single -1 byte.
        let null_cursor = [1, 0, 0, 0, 1, 0xff, 0];
        let request =
            DescribeTopicPartitionsRequest::decode(&mut Reader::new(&null_cursor), 0).unwrap();
        assert_eq!(request.cursor, None);
        assert_eq!(request.response_partition_limit, 1);
    }

    #[test]
    fn test_describe_topic_partitions_response_golden_bytes() {
        #[rustfmt::skip]
        let mut bytes = vec![
            0, 0, 0, 0,             // throttle_time_ms
            2,                      // 1 topic
            0, 0,                   // error_code NONE
            2, b't',                // name "t"
        ];
        bytes.extend([0x5a; 16]); // topic_id
        #[rustfmt::skip]
        bytes.extend([
            0,                      // is_internal
            2,                      // 1 partition
            0, 0,                   // error_code NONE
            0, 0, 0, 0,             // partition_index 0
            0, 0, 0, 1,             // leader_id 1
            0, 0, 0, 4,             // leader_epoch 4
            3, 0, 0, 0, 1, 0, 0, 0, 2, // replica_nodes [1, 2]
            2, 0, 0, 0, 1,          // isr_nodes [1]
            0,                      // eligible_leader_replicas null
            1,                      // last_known_elr empty
            1,                      // offline_replicas empty
            0,                      // no tagged fields
            0x80, 0, 0, 0,          // topic_authorized_operations i32::MIN
            0,                      // no tagged fields
            0xff,                   // next_cursor null
            0,                      // no tagged fields
        ]);
        let response = DescribeTopicPartitionsResponse {
            throttle_time_ms: 0,
            topics: vec![DescribeTopicPartitionsResponseTopic {
                error_code: ErrorCode::NONE,
                name: Some("t".to_owned()),
                topic_id: [0x5a; 16],
                is_internal: false,
                partitions: vec![DescribeTopicPartitionsResponsePartition {
                    error_code: ErrorCode::NONE,
                    partition_index: 0,
                    leader_id: 1,
                    leader_epoch: 4,
                    replica_nodes: vec![1, 2],
                    isr_nodes: vec![1],
                    eligible_leader_replicas: None,
                    last_known_elr: Some(vec![]),
                    offline_replicas: vec![],
                }],
                topic_authorized_operations: i32::MIN,
            }],
            next_cursor: None,
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_describe_topic_partitions_min_sizes_match_the_smallest_encodings() {
        let partition = DescribeTopicPartitionsResponsePartition {
            error_code: ErrorCode::NONE,
            partition_index: 0,
            leader_id: 0,
            leader_epoch: 0,
            replica_nodes: vec![],
            isr_nodes: vec![],
            eligible_leader_replicas: None,
            last_known_elr: None,
            offline_replicas: vec![],
        };
        assert_eq!(
            written_len(|w| partition.write(w, true)),
            DescribeTopicPartitionsResponsePartition::MIN_SIZE
        );
        let topic = DescribeTopicPartitionsResponseTopic {
            error_code: ErrorCode::NONE,
            name: None,
            topic_id: [0; 16],
            is_internal: false,
            partitions: vec![],
            topic_authorized_operations: 0,
        };
        assert_eq!(
            written_len(|w| topic.write(w, true)),
            DescribeTopicPartitionsResponseTopic::MIN_SIZE
        );
        let request = DescribeTopicPartitionsRequest {
            topics: vec![TopicRequest::default()],
            ..DescribeTopicPartitionsRequest::default()
        };
        // The array's 1-byte length, the topic, int32, null cursor, tagged fields.
        assert_eq!(
            encode_to_vec(&request, 0).len(),
            1 + TopicRequest::MIN_SIZE + 4 + 1 + 1
        );
    }

    proptest! {
        #[test]
        fn test_describe_topic_partitions_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            for version in VERSIONS {
                decode_without_panicking::<DescribeTopicPartitionsRequest>(&bytes, [version]);
                decode_without_panicking::<DescribeTopicPartitionsResponse>(&bytes, [version]);
            }
        }

        #[test]
        fn test_describe_topic_partitions_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<DescribeTopicPartitionsRequest>(&bytes, [version]);
                decode_without_panicking::<DescribeTopicPartitionsResponse>(&bytes, [version]);
            }
        }
    }
}
