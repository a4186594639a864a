//! DeleteRecords (key 21): advances partitions' log start offsets, making the records
//! below them unreadable (and their segments deletable).

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 0..=2;
const FLEXIBLE: i16 = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteRecordsRequest {
    pub topics: Vec<DeleteRecordsTopic>,
    /// How long to wait for the followers to move their log start offsets too.
    pub timeout_ms: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteRecordsTopic {
    pub name: String,
    pub partitions: Vec<DeleteRecordsPartition>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteRecordsPartition {
    pub partition_index: i32,
    /// The new log start offset: records below it are deleted. -1 means the high
    /// watermark.
    pub offset: i64,
}

impl Decode for DeleteRecordsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        // Each topic: string, array (and tagged fields).
        let topic_min = string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let topics = r.array(flexible, topic_min, |r| {
            let name = r.string(flexible)?.to_owned();
            // Each partition: int32, int64 (and tagged fields).
            let partitions = r.array(flexible, 4 + 8 + tags_min(flexible), |r| {
                let partition = DeleteRecordsPartition {
                    partition_index: r.i32()?,
                    offset: r.i64()?,
                };
                r.skip_tagged_fields(flexible)?;
                Ok(partition)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(DeleteRecordsTopic { name, partitions })
        })?;
        let timeout_ms = r.i32()?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self { topics, timeout_ms })
    }
}

impl Encode for DeleteRecordsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partitions, |w, partition| {
                w.i32(partition.partition_index);
                w.i64(partition.offset);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.i32(self.timeout_ms);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRecordsResponse {
    pub throttle_time_ms: i32,
    pub topics: Vec<DeleteRecordsTopicResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRecordsTopicResult {
    pub name: String,
    pub partitions: Vec<DeleteRecordsPartitionResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteRecordsPartitionResult {
    pub partition_index: i32,
    /// The partition's low watermark (smallest log start offset among its replicas)
    /// after the deletion; -1 on error.
    pub low_watermark: i64,
    pub error_code: ErrorCode,
}

impl Encode for DeleteRecordsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partitions, |w, partition| {
                w.i32(partition.partition_index);
                w.i64(partition.low_watermark);
                w.i16(partition.error_code.0);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DeleteRecordsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        // Each topic: string, array (and tagged fields).
        let topic_min = string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let topics = r.array(flexible, topic_min, |r| {
            let name = r.string(flexible)?.to_owned();
            // Each partition: int32, int64, int16 (and tagged fields).
            let partitions = r.array(flexible, 4 + 8 + 2 + tags_min(flexible), |r| {
                let partition = DeleteRecordsPartitionResult {
                    partition_index: r.i32()?,
                    low_watermark: r.i64()?,
                    error_code: ErrorCode(r.i16()?),
                };
                r.skip_tagged_fields(flexible)?;
                Ok(partition)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(DeleteRecordsTopicResult { name, partitions })
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

    fn request() -> DeleteRecordsRequest {
        DeleteRecordsRequest {
            topics: vec![
                DeleteRecordsTopic {
                    name: "orders".into(),
                    partitions: vec![
                        DeleteRecordsPartition {
                            partition_index: 0,
                            offset: 1_000,
                        },
                        DeleteRecordsPartition {
                            partition_index: 7,
                            offset: -1,
                        },
                    ],
                },
                DeleteRecordsTopic {
                    name: "audit".into(),
                    partitions: vec![DeleteRecordsPartition {
                        partition_index: 3,
                        offset: i64::MAX,
                    }],
                },
            ],
            timeout_ms: 30_000,
        }
    }

    fn response() -> DeleteRecordsResponse {
        DeleteRecordsResponse {
            throttle_time_ms: 20,
            topics: vec![
                DeleteRecordsTopicResult {
                    name: "orders".into(),
                    partitions: vec![
                        DeleteRecordsPartitionResult {
                            partition_index: 0,
                            low_watermark: 1_000,
                            error_code: ErrorCode::NONE,
                        },
                        DeleteRecordsPartitionResult {
                            partition_index: 7,
                            low_watermark: -1,
                            error_code: ErrorCode::OFFSET_OUT_OF_RANGE,
                        },
                    ],
                },
                DeleteRecordsTopicResult {
                    name: "audit".into(),
                    partitions: vec![],
                },
            ],
        }
    }

    #[test]
    fn test_delete_records_request_round_trips_in_every_version() {
        assert_round_trips(&request(), VERSIONS);
    }

    #[test]
    fn test_delete_records_response_round_trips_in_every_version() {
        assert_round_trips(&response(), VERSIONS);
    }

    #[test]
    fn test_delete_records_request_v1_golden_bytes() {
        let bytes = [
            0, 0, 0, 1, // topics: 1
            0, 1, b't', // name
            0, 0, 0, 1, // partitions: 1
            0, 0, 0, 2, // partition_index
            0, 0, 0, 0, 0, 0, 0x01, 0x00, // offset: 256
            0, 0, 0x75, 0x30, // timeout_ms: 30000
        ];
        let expected = DeleteRecordsRequest {
            topics: vec![DeleteRecordsTopic {
                name: "t".into(),
                partitions: vec![DeleteRecordsPartition {
                    partition_index: 2,
                    offset: 256,
                }],
            }],
            timeout_ms: 30_000,
        };
        assert_golden(&expected, 1, &bytes);
    }

    #[test]
    fn test_delete_records_response_v2_golden_bytes() {
        let bytes = [
            0, 0, 0, 0, // throttle_time_ms
            2, // topics: 1 (compact: n+1)
            2, b't', // name
            2,    // partitions: 1
            0, 0, 0, 1, // partition_index
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // low_watermark: -1
            0, 1, // error_code: OFFSET_OUT_OF_RANGE
            0, // partition tagged fields
            0, // topic tagged fields
            0, // top-level tagged fields
        ];
        let expected = DeleteRecordsResponse {
            throttle_time_ms: 0,
            topics: vec![DeleteRecordsTopicResult {
                name: "t".into(),
                partitions: vec![DeleteRecordsPartitionResult {
                    partition_index: 1,
                    low_watermark: -1,
                    error_code: ErrorCode::OFFSET_OUT_OF_RANGE,
                }],
            }],
        };
        assert_golden(&expected, 2, &bytes);
    }

    proptest! {
        #[test]
        fn test_delete_records_decoders_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<DeleteRecordsRequest>(&bytes, [version]);
            decode_without_panicking::<DeleteRecordsResponse>(&bytes, [version]);
        }
    }
}
