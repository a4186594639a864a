//! OffsetCommit (key 8): a consumer records how far it has read each partition, so
//! that it (or whichever member takes the partition over) resumes from there.
//!
//! Fields a version lacks keep Kafka's defaults: generation/member epoch -1, member id
//! `""`, no group instance id, retention -1 (the broker's `offsets.retention.minutes`),
//! leader epoch -1 and commit timestamp -1.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds group membership and a per-partition commit timestamp, 2 a retention time
/// in its place (dropped again in 5), 6 the leader epoch, 7 the group instance id, 8 is
/// flexible, 9 carries KIP-848 member epochs.
pub const VERSIONS: RangeInclusive<i16> = 0..=9;
const FLEXIBLE: i16 = 8;

/// A commit is fenced by the group's generation (classic protocol) or the member's
/// epoch (KIP-848, v9+): a zombie member whose partitions moved on cannot overwrite
/// its successor's offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetCommitRequest {
    pub group_id: String,
    /// The classic generation or the KIP-848 member epoch; -1 for a commit from
    /// outside the group (an admin tool, a consumer with manual assignment) (v1+).
    pub generation_id_or_member_epoch: i32,
    /// `""` for a commit from outside the group (v1+).
    pub member_id: String,
    /// A static member's identity across restarts (KIP-345) (v7+).
    pub group_instance_id: Option<String>,
    /// How long to keep the offsets, -1 for the broker's default (v2-4 only; later
    /// versions always use the broker's setting).
    pub retention_time_ms: i64,
    pub topics: Vec<OffsetCommitRequestTopic>,
}

impl Default for OffsetCommitRequest {
    fn default() -> Self {
        Self {
            group_id: String::new(),
            generation_id_or_member_epoch: -1,
            member_id: String::new(),
            group_instance_id: None,
            retention_time_ms: -1,
            topics: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetCommitRequestTopic {
    pub name: String,
    pub partitions: Vec<OffsetCommitRequestPartition>,
}

/// The offset is that of the next record to consume; the leader epoch lets a consumer
/// that resumes from it detect log truncation (KIP-320).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetCommitRequestPartition {
    pub partition_index: i32,
    pub committed_offset: i64,
    /// The epoch of the last consumed record, -1 if unknown (v6+).
    pub committed_leader_epoch: i32,
    /// When the commit was made, -1 for now (v1 only).
    pub commit_timestamp: i64,
    /// Free-form client data kept with the offset.
    pub committed_metadata: Option<String>,
}

impl Default for OffsetCommitRequestPartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            committed_offset: 0,
            committed_leader_epoch: -1,
            commit_timestamp: -1,
            committed_metadata: None,
        }
    }
}

impl Decode for OffsetCommitRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            group_id: r.string(flexible)?.to_owned(),
            ..Default::default()
        };
        if version >= 1 {
            request.generation_id_or_member_epoch = r.i32()?;
            request.member_id = r.string(flexible)?.to_owned();
        }
        if version >= 7 {
            request.group_instance_id = r.nullable_string(flexible)?.map(str::to_owned);
        }
        if (2..=4).contains(&version) {
            request.retention_time_ms = r.i64()?;
        }
        let partition_min = request_partition_min_size(version);
        request.topics = r.array(flexible, topic_min_size(flexible), |r| {
            let name = r.string(flexible)?.to_owned();
            let partitions = r.array(flexible, partition_min, |r| {
                let mut p = OffsetCommitRequestPartition {
                    partition_index: r.i32()?,
                    committed_offset: r.i64()?,
                    ..Default::default()
                };
                if version >= 6 {
                    p.committed_leader_epoch = r.i32()?;
                }
                if version == 1 {
                    p.commit_timestamp = r.i64()?;
                }
                p.committed_metadata = r.nullable_string(flexible)?.map(str::to_owned);
                r.skip_tagged_fields(flexible)?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(OffsetCommitRequestTopic { name, partitions })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for OffsetCommitRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.group_id);
        if version >= 1 {
            w.i32(self.generation_id_or_member_epoch);
            w.string(flexible, &self.member_id);
        }
        if version >= 7 {
            w.nullable_string(flexible, self.group_instance_id.as_deref());
        }
        if (2..=4).contains(&version) {
            w.i64(self.retention_time_ms);
        }
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partitions, |w, p| {
                w.i32(p.partition_index);
                w.i64(p.committed_offset);
                if version >= 6 {
                    w.i32(p.committed_leader_epoch);
                }
                if version == 1 {
                    w.i64(p.commit_timestamp);
                }
                w.nullable_string(flexible, p.committed_metadata.as_deref());
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetCommitResponse {
    /// v3+.
    pub throttle_time_ms: i32,
    pub topics: Vec<OffsetCommitResponseTopic>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetCommitResponseTopic {
    pub name: String,
    pub partitions: Vec<OffsetCommitResponsePartition>,
}

/// Errors are per partition only: a group-level failure (NOT_COORDINATOR, a fenced
/// generation) is repeated in every partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetCommitResponsePartition {
    pub partition_index: i32,
    pub error_code: ErrorCode,
}

impl Default for OffsetCommitResponsePartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: ErrorCode::NONE,
        }
    }
}

impl Encode for OffsetCommitResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 3 {
            w.i32(self.throttle_time_ms);
        }
        w.array(flexible, &self.topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partitions, |w, p| {
                w.i32(p.partition_index);
                w.i16(p.error_code.0);
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for OffsetCommitResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 3 {
            response.throttle_time_ms = r.i32()?;
        }
        let partition_min = response_partition_min_size(flexible);
        response.topics = r.array(flexible, topic_min_size(flexible), |r| {
            let name = r.string(flexible)?.to_owned();
            let partitions = r.array(flexible, partition_min, |r| {
                let p = OffsetCommitResponsePartition {
                    partition_index: r.i32()?,
                    error_code: ErrorCode(r.i16()?),
                };
                r.skip_tagged_fields(flexible)?;
                Ok(p)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(OffsetCommitResponseTopic { name, partitions })
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

/// A request partition: int32, int64, from v6 an int32, in v1 an int64, a nullable
/// string (and tagged fields).
fn request_partition_min_size(version: i16) -> usize {
    let flexible = version >= FLEXIBLE;
    12 + when(version >= 6, 4) + when(version == 1, 8) + string_min(flexible) + tags_min(flexible)
}

/// A response partition: int32, int16 (and tagged fields).
fn response_partition_min_size(flexible: bool) -> usize {
    6 + tags_min(flexible)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_exact, decode_without_panicking,
        encode_to_vec,
    };

    fn sample_request(version: i16) -> OffsetCommitRequest {
        OffsetCommitRequest {
            group_id: "billing".into(),
            generation_id_or_member_epoch: if version >= 1 { 17 } else { -1 },
            member_id: if version >= 1 {
                "consumer-1-4f2a".into()
            } else {
                String::new()
            },
            group_instance_id: (version >= 7).then(|| "billing-pod-3".into()),
            retention_time_ms: if (2..=4).contains(&version) {
                86_400_000
            } else {
                -1
            },
            topics: vec![
                OffsetCommitRequestTopic {
                    name: "orders".into(),
                    partitions: vec![
                        OffsetCommitRequestPartition {
                            partition_index: 0,
                            committed_offset: 1_234,
                            committed_leader_epoch: if version >= 6 { 5 } else { -1 },
                            commit_timestamp: if version == 1 { 1_700_000_000_000 } else { -1 },
                            committed_metadata: Some("checkpoint-7".into()),
                        },
                        OffsetCommitRequestPartition {
                            partition_index: 3,
                            committed_offset: 0,
                            committed_metadata: None,
                            ..Default::default()
                        },
                    ],
                },
                OffsetCommitRequestTopic {
                    name: "empty".into(),
                    partitions: Vec::new(),
                },
            ],
        }
    }

    fn sample_response(version: i16) -> OffsetCommitResponse {
        OffsetCommitResponse {
            throttle_time_ms: if version >= 3 { 25 } else { 0 },
            topics: vec![OffsetCommitResponseTopic {
                name: "orders".into(),
                partitions: vec![
                    OffsetCommitResponsePartition {
                        partition_index: 0,
                        error_code: ErrorCode::NONE,
                    },
                    OffsetCommitResponsePartition {
                        partition_index: 3,
                        error_code: if version >= 9 {
                            ErrorCode::STALE_MEMBER_EPOCH
                        } else {
                            ErrorCode::ILLEGAL_GENERATION
                        },
                    },
                ],
            }],
        }
    }

    #[test]
    fn test_offset_commit_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
            assert_round_trips(
                &OffsetCommitRequest {
                    group_id: "g".into(),
                    ..Default::default()
                },
                [version],
            );
        }
    }

    #[test]
    fn test_offset_commit_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
    }

    #[test]
    fn test_offset_commit_request_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x01, b'g', // group_id: "g"
            0x00, 0x00, 0x00, 0x02, // generation_id_or_member_epoch: 2
            0x00, 0x01, b'm', // member_id: "m"
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x04, // partition_index: 4
            0, 0, 0, 0, 0, 0, 0, 0x64, // committed_offset: 100
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // commit_timestamp: 1000
            0xff, 0xff, // committed_metadata: null
        ];
        let request = OffsetCommitRequest {
            group_id: "g".into(),
            generation_id_or_member_epoch: 2,
            member_id: "m".into(),
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: 4,
                    committed_offset: 100,
                    commit_timestamp: 1000,
                    ..Default::default()
                }],
            }],
            ..Default::default()
        };
        assert_golden(&request, 1, &bytes);
    }

    #[test]
    fn test_offset_commit_request_v3_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x01, b'g', // group_id: "g"
            0xff, 0xff, 0xff, 0xff, // generation_id_or_member_epoch: -1
            0x00, 0x00, // member_id: ""
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // retention_time_ms: -1
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0, 0, 0, 0, 0, 0, 0, 0x07, // committed_offset: 7
            0x00, 0x01, b'x', // committed_metadata: "x"
        ];
        let request = OffsetCommitRequest {
            group_id: "g".into(),
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitRequestPartition {
                    committed_offset: 7,
                    committed_metadata: Some("x".into()),
                    ..Default::default()
                }],
            }],
            ..Default::default()
        };
        assert_golden(&request, 3, &bytes);
    }

    #[test]
    fn test_offset_commit_request_v9_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x02, b'g', // group_id: "g" (compact)
            0x00, 0x00, 0x00, 0x05, // generation_id_or_member_epoch: 5
            0x02, b'm', // member_id: "m"
            0x02, b'i', // group_instance_id: "i"
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x01, // partition_index: 1
            0, 0, 0, 0, 0, 0, 0x01, 0x00, // committed_offset: 256
            0x00, 0x00, 0x00, 0x03, // committed_leader_epoch: 3
            0x01, // committed_metadata: ""
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // request tagged fields
        ];
        let request = OffsetCommitRequest {
            group_id: "g".into(),
            generation_id_or_member_epoch: 5,
            member_id: "m".into(),
            group_instance_id: Some("i".into()),
            retention_time_ms: -1,
            topics: vec![OffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitRequestPartition {
                    partition_index: 1,
                    committed_offset: 256,
                    committed_leader_epoch: 3,
                    commit_timestamp: -1,
                    committed_metadata: Some(String::new()),
                }],
            }],
        };
        assert_golden(&request, 9, &bytes);
    }

    #[test]
    fn test_offset_commit_response_v2_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0x00, 0x1c, // error_code: INVALID_COMMIT_OFFSET_SIZE (28)
        ];
        let response = OffsetCommitResponse {
            throttle_time_ms: 0,
            topics: vec![OffsetCommitResponseTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitResponsePartition {
                    partition_index: 2,
                    error_code: ErrorCode::INVALID_COMMIT_OFFSET_SIZE,
                }],
            }],
        };
        assert_golden(&response, 2, &bytes);
    }

    #[test]
    fn test_offset_commit_response_v8_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x0a, // throttle_time_ms: 10
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0x00, 0x10, // error_code: NOT_COORDINATOR (16)
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // response tagged fields
        ];
        let response = OffsetCommitResponse {
            throttle_time_ms: 10,
            topics: vec![OffsetCommitResponseTopic {
                name: "t".into(),
                partitions: vec![OffsetCommitResponsePartition {
                    partition_index: 0,
                    error_code: ErrorCode::NOT_COORDINATOR,
                }],
            }],
        };
        assert_golden(&response, 8, &bytes);
    }

    #[test]
    fn test_offset_commit_decoder_skips_unknown_tagged_fields() {
        #[rustfmt::skip]
        let bytes = [
            0x02, b'g', // group_id: "g"
            0xff, 0xff, 0xff, 0xff, // generation_id_or_member_epoch: -1
            0x01, // member_id: ""
            0x00, // group_instance_id: null
            0x01, // topics: 0
            0x01, // one tagged field
            0x05, 0x02, 0xab, 0xcd, // tag 5, two bytes
        ];
        let request: OffsetCommitRequest = decode_exact(&bytes, 8);
        assert_eq!(
            request,
            OffsetCommitRequest {
                group_id: "g".into(),
                ..Default::default()
            }
        );
    }

    #[test]
    fn test_offset_commit_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let request = |topics: usize, partitions: usize| OffsetCommitRequest {
                topics: vec![
                    OffsetCommitRequestTopic {
                        name: String::new(),
                        partitions: vec![OffsetCommitRequestPartition::default(); partitions],
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
                request_partition_min_size(version),
                "v{version}"
            );

            let response = |partitions: usize| OffsetCommitResponse {
                topics: vec![OffsetCommitResponseTopic {
                    name: String::new(),
                    partitions: vec![OffsetCommitResponsePartition::default(); partitions],
                }],
                ..Default::default()
            };
            let topic = encode_to_vec(&response(0), version).len();
            let partition = encode_to_vec(&response(1), version).len();
            assert_eq!(
                partition - topic,
                response_partition_min_size(flexible),
                "v{version}"
            );
        }
    }

    proptest! {
        #[test]
        fn test_offset_commit_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<OffsetCommitRequest>(&bytes, [version]);
            decode_without_panicking::<OffsetCommitResponse>(&bytes, [version]);
        }

        #[test]
        fn test_offset_commit_decode_never_panics_on_damaged_messages(
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
                decode_without_panicking::<OffsetCommitRequest>(&bytes, [version]);
                decode_without_panicking::<OffsetCommitResponse>(&bytes, [version]);
            }
        }
    }
}
