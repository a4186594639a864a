//! DescribeLogDirs (key 35): a broker's log directories and the partitions in each,
//! with their sizes.
//!
//! Version 0 (deprecated) is not served.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 1..=4;
const FLEXIBLE: i16 = 2;
/// First version with the top-level `error_code`.
const TOP_LEVEL_ERROR: i16 = 3;
/// First version with `total_bytes` and `usable_bytes`.
const VOLUME_BYTES: i16 = 4;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeLogDirsRequest {
    /// The partitions to describe; `None` describes every partition.
    pub topics: Option<Vec<DescribableLogDirTopic>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribableLogDirTopic {
    pub topic: String,
    pub partitions: Vec<i32>,
}

impl Decode for DescribeLogDirsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        // Each topic: string, array (and tagged fields).
        let topic_min = string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let topics = r.nullable_array(flexible, topic_min, |r| {
            let topic = r.string(flexible)?.to_owned();
            let partitions = r.array(flexible, 4, |r| r.i32())?;
            r.skip_tagged_fields(flexible)?;
            Ok(DescribableLogDirTopic { topic, partitions })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self { topics })
    }
}

impl Encode for DescribeLogDirsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        match &self.topics {
            Some(topics) => w.array(flexible, topics, |w, topic| {
                w.string(flexible, &topic.topic);
                w.array(flexible, &topic.partitions, |w, partition| {
                    w.i32(*partition)
                });
                w.empty_tagged_fields(flexible);
            }),
            None => w.array_len(flexible, None),
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeLogDirsResponse {
    pub throttle_time_ms: i32,
    /// v3+: an error for the whole request (e.g. CLUSTER_AUTHORIZATION_FAILED); NONE in
    /// older versions.
    pub error_code: ErrorCode,
    pub results: Vec<DescribeLogDirsResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeLogDirsResult {
    /// E.g. KAFKA_STORAGE_ERROR for an offline directory.
    pub error_code: ErrorCode,
    /// The directory's absolute path.
    pub log_dir: String,
    pub topics: Vec<DescribeLogDirsTopic>,
    /// v4+: the size of the directory's volume in bytes; -1 if unknown or in older
    /// versions.
    pub total_bytes: i64,
    /// v4+: the bytes usable on the directory's volume; -1 if unknown or in older
    /// versions.
    pub usable_bytes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeLogDirsTopic {
    pub name: String,
    pub partitions: Vec<DescribeLogDirsPartition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescribeLogDirsPartition {
    pub partition_index: i32,
    /// The size of the partition's segments in this directory, in bytes.
    pub partition_size: i64,
    /// How far the log end offset lags the high watermark (current log) or the
    /// current log's end offset (future log).
    pub offset_lag: i64,
    /// True for a future log: a copy being made by AlterReplicaLogDirs that will
    /// replace the current one.
    pub is_future_key: bool,
}

impl Encode for DescribeLogDirsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        if version >= TOP_LEVEL_ERROR {
            w.i16(self.error_code.0);
        }
        w.array(flexible, &self.results, |w, result| {
            w.i16(result.error_code.0);
            w.string(flexible, &result.log_dir);
            w.array(flexible, &result.topics, |w, topic| {
                w.string(flexible, &topic.name);
                w.array(flexible, &topic.partitions, |w, partition| {
                    w.i32(partition.partition_index);
                    w.i64(partition.partition_size);
                    w.i64(partition.offset_lag);
                    w.bool(partition.is_future_key);
                    w.empty_tagged_fields(flexible);
                });
                w.empty_tagged_fields(flexible);
            });
            if version >= VOLUME_BYTES {
                w.i64(result.total_bytes);
                w.i64(result.usable_bytes);
            }
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeLogDirsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        let error_code = if version >= TOP_LEVEL_ERROR {
            ErrorCode(r.i16()?)
        } else {
            ErrorCode::NONE
        };
        // Each result: int16, string, array (and tagged fields; v4's two int64s are not
        // counted). Each topic: string, array (and tagged fields).
        let result_min = 2 + string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let topic_min = string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let results = r.array(flexible, result_min, |r| {
            let error_code = ErrorCode(r.i16()?);
            let log_dir = r.string(flexible)?.to_owned();
            let topics = r.array(flexible, topic_min, |r| {
                let name = r.string(flexible)?.to_owned();
                // Each partition: int32, int64, int64, bool (and tagged fields).
                let partitions = r.array(flexible, 4 + 8 + 8 + 1 + tags_min(flexible), |r| {
                    let partition = DescribeLogDirsPartition {
                        partition_index: r.i32()?,
                        partition_size: r.i64()?,
                        offset_lag: r.i64()?,
                        is_future_key: r.bool()?,
                    };
                    r.skip_tagged_fields(flexible)?;
                    Ok(partition)
                })?;
                r.skip_tagged_fields(flexible)?;
                Ok(DescribeLogDirsTopic { name, partitions })
            })?;
            let (total_bytes, usable_bytes) = if version >= VOLUME_BYTES {
                (r.i64()?, r.i64()?)
            } else {
                (-1, -1)
            };
            r.skip_tagged_fields(flexible)?;
            Ok(DescribeLogDirsResult {
                error_code,
                log_dir,
                topics,
                total_bytes,
                usable_bytes,
            })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            error_code,
            results,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, decode_exact, decode_without_panicking, encode_to_vec,
    };

    fn request() -> DescribeLogDirsRequest {
        DescribeLogDirsRequest {
            topics: Some(vec![
                DescribableLogDirTopic {
                    topic: "orders".into(),
                    partitions: vec![0, 3, 7],
                },
                DescribableLogDirTopic {
                    topic: "audit".into(),
                    partitions: vec![],
                },
            ]),
        }
    }

    fn response(version: i16) -> DescribeLogDirsResponse {
        let volume = |bytes: i64| if version >= VOLUME_BYTES { bytes } else { -1 };
        DescribeLogDirsResponse {
            throttle_time_ms: 15,
            error_code: if version >= TOP_LEVEL_ERROR {
                ErrorCode::CLUSTER_AUTHORIZATION_FAILED
            } else {
                ErrorCode::NONE
            },
            results: vec![
                DescribeLogDirsResult {
                    error_code: ErrorCode::NONE,
                    log_dir: "/var/lib/fjord/data-0".into(),
                    topics: vec![DescribeLogDirsTopic {
                        name: "orders".into(),
                        partitions: vec![
                            DescribeLogDirsPartition {
                                partition_index: 3,
                                partition_size: 1 << 33,
                                offset_lag: 12,
                                is_future_key: true,
                            },
                            DescribeLogDirsPartition {
                                partition_index: 7,
                                partition_size: 0,
                                offset_lag: 0,
                                is_future_key: false,
                            },
                        ],
                    }],
                    total_bytes: volume(1 << 40),
                    usable_bytes: volume(1 << 39),
                },
                DescribeLogDirsResult {
                    error_code: ErrorCode::KAFKA_STORAGE_ERROR,
                    log_dir: "/var/lib/fjord/data-1".into(),
                    topics: vec![],
                    total_bytes: -1,
                    usable_bytes: -1,
                },
            ],
        }
    }

    #[test]
    fn test_describe_log_dirs_request_round_trips_in_every_version() {
        assert_round_trips(&request(), VERSIONS);
        assert_round_trips(&DescribeLogDirsRequest { topics: None }, VERSIONS);
    }

    #[test]
    fn test_describe_log_dirs_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&response(version), [version]);
        }
    }

    #[test]
    fn test_describe_log_dirs_request_golden_bytes() {
        // v1: an int32 array length; -1 is null (every partition).
        let v1_all = [0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            decode_exact::<DescribeLogDirsRequest>(&v1_all, 1),
            DescribeLogDirsRequest { topics: None }
        );

        let v2 = [
            2, // topics: 1 (compact: n+1)
            2, b't', // topic
            3,    // partitions: 2
            0, 0, 0, 0, // 0
            0, 0, 0, 9, // 9
            0, // topic tagged fields
            0, // top-level tagged fields
        ];
        let expected = DescribeLogDirsRequest {
            topics: Some(vec![DescribableLogDirTopic {
                topic: "t".into(),
                partitions: vec![0, 9],
            }]),
        };
        assert_golden(&expected, 2, &v2);
        assert_eq!(
            encode_to_vec(&DescribeLogDirsRequest { topics: None }, 2),
            [0, 0] // null array, tagged fields
        );
    }

    #[test]
    fn test_describe_log_dirs_response_v4_golden_bytes() {
        let bytes = [
            0, 0, 0, 0, // throttle_time_ms
            0, 0, // error_code
            2, // results: 1 (compact: n+1)
            0, 0, // error_code
            3, b'/', b'd', // log_dir
            2,    // topics: 1
            2, b't', // name
            2,    // partitions: 1
            0, 0, 0, 1, // partition_index
            0, 0, 0, 0, 0, 0, 0x10, 0, // partition_size: 4096
            0, 0, 0, 0, 0, 0, 0, 2, // offset_lag
            1, // is_future_key
            0, // partition tagged fields
            0, // topic tagged fields
            0, 0, 0, 0, 0, 0, 0x20, 0, // total_bytes: 8192
            0, 0, 0, 0, 0, 0, 0x08, 0, // usable_bytes: 2048
            0, // result tagged fields
            0, // top-level tagged fields
        ];
        let expected = DescribeLogDirsResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            results: vec![DescribeLogDirsResult {
                error_code: ErrorCode::NONE,
                log_dir: "/d".into(),
                topics: vec![DescribeLogDirsTopic {
                    name: "t".into(),
                    partitions: vec![DescribeLogDirsPartition {
                        partition_index: 1,
                        partition_size: 4096,
                        offset_lag: 2,
                        is_future_key: true,
                    }],
                }],
                total_bytes: 8192,
                usable_bytes: 2048,
            }],
        };
        assert_golden(&expected, 4, &bytes);
    }

    proptest! {
        #[test]
        fn test_describe_log_dirs_decoders_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<DescribeLogDirsRequest>(&bytes, [version]);
            decode_without_panicking::<DescribeLogDirsResponse>(&bytes, [version]);
        }
    }
}
