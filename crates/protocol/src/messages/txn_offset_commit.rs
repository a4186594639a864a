//! TxnOffsetCommit (key 28): a transactional producer commits a consumer group's
//! offsets inside its transaction (consume-transform-produce, exactly once); sent to
//! the group coordinator, and made visible only when the transaction commits.
//!
//! Fields a version lacks keep Kafka's defaults: generation -1, member id `""`, no
//! group instance id, leader epoch -1.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 2 adds the leader epoch, 3 is flexible and adds group membership (KIP-447), 4 may
/// answer TRANSACTION_ABORTABLE, 5 also adds the offsets partition to the transaction
/// (KIP-890 part 2; no new field).
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 3;

/// Membership fields let the group coordinator fence a zombie producer whose consumer
/// was removed from the group (KIP-447).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnOffsetCommitRequest {
    pub transactional_id: String,
    pub group_id: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// The consumer's generation, -1 if unknown (v3+).
    pub generation_id: i32,
    /// The consumer's member id, `""` if unknown (v3+).
    pub member_id: String,
    /// A static member's identity (KIP-345) (v3+).
    pub group_instance_id: Option<String>,
    pub topics: Vec<TxnOffsetCommitRequestTopic>,
}

impl Default for TxnOffsetCommitRequest {
    fn default() -> Self {
        Self {
            transactional_id: String::new(),
            group_id: String::new(),
            producer_id: 0,
            producer_epoch: 0,
            generation_id: -1,
            member_id: String::new(),
            group_instance_id: None,
            topics: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxnOffsetCommitRequestTopic {
    pub name: String,
    pub partitions: Vec<TxnOffsetCommitRequestPartition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxnOffsetCommitRequestPartition {
    pub partition_index: i32,
    /// The offset of the next record to consume.
    pub committed_offset: i64,
    /// The epoch of the last consumed record, -1 if unknown (v2+).
    pub committed_leader_epoch: i32,
    pub committed_metadata: Option<String>,
}

impl Default for TxnOffsetCommitRequestPartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            committed_offset: 0,
            committed_leader_epoch: -1,
            committed_metadata: None,
        }
    }
}

impl TxnOffsetCommitRequestPartition {
    /// An int32, an int64, from v2 an int32, a nullable string (and tagged fields).
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        12 + when(version >= 2, 4) + string_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut partition = Self {
            partition_index: r.i32()?,
            committed_offset: r.i64()?,
            ..Default::default()
        };
        if version >= 2 {
            partition.committed_leader_epoch = r.i32()?;
        }
        partition.committed_metadata = r.nullable_string(flexible)?.map(str::to_owned);
        r.skip_tagged_fields(flexible)?;
        Ok(partition)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.partition_index);
        w.i64(self.committed_offset);
        if version >= 2 {
            w.i32(self.committed_leader_epoch);
        }
        w.nullable_string(flexible, self.committed_metadata.as_deref());
        w.empty_tagged_fields(flexible);
    }
}

impl TxnOffsetCommitRequestTopic {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let topic = Self {
            name: r.string(flexible)?.to_owned(),
            partitions: r.array(
                flexible,
                TxnOffsetCommitRequestPartition::min_size(version),
                |r| TxnOffsetCommitRequestPartition::read(r, version),
            )?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.name);
        w.array(flexible, &self.partitions, |w, p| p.write(w, version));
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for TxnOffsetCommitRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            transactional_id: r.string(flexible)?.to_owned(),
            group_id: r.string(flexible)?.to_owned(),
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
            ..Default::default()
        };
        if version >= 3 {
            request.generation_id = r.i32()?;
            request.member_id = r.string(flexible)?.to_owned();
            request.group_instance_id = r.nullable_string(flexible)?.map(str::to_owned);
        }
        request.topics = r.array(
            flexible,
            TxnOffsetCommitRequestTopic::min_size(flexible),
            |r| TxnOffsetCommitRequestTopic::read(r, version),
        )?;
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for TxnOffsetCommitRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.transactional_id);
        w.string(flexible, &self.group_id);
        w.i64(self.producer_id);
        w.i16(self.producer_epoch);
        if version >= 3 {
            w.i32(self.generation_id);
            w.string(flexible, &self.member_id);
            w.nullable_string(flexible, self.group_instance_id.as_deref());
        }
        w.array(flexible, &self.topics, |w, topic| topic.write(w, version));
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxnOffsetCommitResponse {
    pub throttle_time_ms: i32,
    pub topics: Vec<TxnOffsetCommitResponseTopic>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TxnOffsetCommitResponseTopic {
    pub name: String,
    pub partitions: Vec<TxnOffsetCommitResponsePartition>,
}

/// Errors are per partition only: a request-level failure (NOT_COORDINATOR, a fenced
/// producer) is repeated in every partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxnOffsetCommitResponsePartition {
    pub partition_index: i32,
    pub error_code: ErrorCode,
}

impl Default for TxnOffsetCommitResponsePartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: ErrorCode::NONE,
        }
    }
}

impl TxnOffsetCommitResponsePartition {
    /// An int32, an int16 (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        4 + 2 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let partition = Self {
            partition_index: r.i32()?,
            error_code: ErrorCode(r.i16()?),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(partition)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i32(self.partition_index);
        w.i16(self.error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

impl TxnOffsetCommitResponseTopic {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            name: r.string(flexible)?.to_owned(),
            partitions: r.array(
                flexible,
                TxnOffsetCommitResponsePartition::min_size(flexible),
                |r| TxnOffsetCommitResponsePartition::read(r, flexible),
            )?,
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

impl Encode for TxnOffsetCommitResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for TxnOffsetCommitResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            throttle_time_ms: r.i32()?,
            topics: r.array(
                flexible,
                TxnOffsetCommitResponseTopic::min_size(flexible),
                |r| TxnOffsetCommitResponseTopic::read(r, flexible),
            )?,
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

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> TxnOffsetCommitRequest {
        TxnOffsetCommitRequest {
            transactional_id: "payments-txn".into(),
            group_id: "billing".into(),
            producer_id: 4_321,
            producer_epoch: 12,
            generation_id: if version >= 3 { 17 } else { -1 },
            member_id: if version >= 3 {
                "consumer-1-4f2a".into()
            } else {
                String::new()
            },
            group_instance_id: (version >= 3).then(|| "billing-pod-3".into()),
            topics: vec![
                TxnOffsetCommitRequestTopic {
                    name: "orders".into(),
                    partitions: vec![
                        TxnOffsetCommitRequestPartition {
                            partition_index: 0,
                            committed_offset: 1_234,
                            committed_leader_epoch: if version >= 2 { 5 } else { -1 },
                            committed_metadata: Some("checkpoint-7".into()),
                        },
                        TxnOffsetCommitRequestPartition {
                            partition_index: 3,
                            committed_offset: 0,
                            ..Default::default()
                        },
                    ],
                },
                TxnOffsetCommitRequestTopic {
                    name: "empty".into(),
                    partitions: Vec::new(),
                },
            ],
        }
    }

    fn sample_response(version: i16) -> TxnOffsetCommitResponse {
        TxnOffsetCommitResponse {
            throttle_time_ms: 25,
            topics: vec![TxnOffsetCommitResponseTopic {
                name: "orders".into(),
                partitions: vec![
                    TxnOffsetCommitResponsePartition {
                        partition_index: 0,
                        error_code: ErrorCode::NONE,
                    },
                    TxnOffsetCommitResponsePartition {
                        partition_index: 3,
                        error_code: if version >= 3 {
                            ErrorCode::FENCED_INSTANCE_ID
                        } else {
                            ErrorCode::INVALID_PRODUCER_EPOCH
                        },
                    },
                ],
            }],
        }
    }

    #[test]
    fn test_txn_offset_commit_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&TxnOffsetCommitRequest::default(), VERSIONS);
    }

    #[test]
    fn test_txn_offset_commit_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&TxnOffsetCommitResponse::default(), VERSIONS);
    }

    #[test]
    fn test_txn_offset_commit_request_v2_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x02, b't', b'x', // transactional_id: "tx"
            0x00, 0x01, b'g', // group_id: "g"
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x03, // producer_epoch: 3
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0, 0, 0, 0, 0, 0, 0, 0x64, // committed_offset: 100
            0x00, 0x00, 0x00, 0x04, // committed_leader_epoch: 4
            0xff, 0xff, // committed_metadata: null
        ];
        let request = TxnOffsetCommitRequest {
            transactional_id: "tx".into(),
            group_id: "g".into(),
            producer_id: 1000,
            producer_epoch: 3,
            topics: vec![TxnOffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![TxnOffsetCommitRequestPartition {
                    partition_index: 2,
                    committed_offset: 100,
                    committed_leader_epoch: 4,
                    committed_metadata: None,
                }],
            }],
            ..Default::default()
        };
        assert_golden(&request, 2, &bytes);
    }

    #[test]
    fn test_txn_offset_commit_request_v3_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, b't', b'x', // transactional_id: "tx" (compact)
            0x02, b'g', // group_id: "g"
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x03, // producer_epoch: 3
            0x00, 0x00, 0x00, 0x05, // generation_id: 5
            0x02, b'm', // member_id: "m"
            0x00, // group_instance_id: null
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0, 0, 0, 0, 0, 0, 0, 0x64, // committed_offset: 100
            0xff, 0xff, 0xff, 0xff, // committed_leader_epoch: -1
            0x02, b'x', // committed_metadata: "x"
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // request tagged fields
        ];
        let request = TxnOffsetCommitRequest {
            transactional_id: "tx".into(),
            group_id: "g".into(),
            producer_id: 1000,
            producer_epoch: 3,
            generation_id: 5,
            member_id: "m".into(),
            group_instance_id: None,
            topics: vec![TxnOffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![TxnOffsetCommitRequestPartition {
                    partition_index: 2,
                    committed_offset: 100,
                    committed_leader_epoch: -1,
                    committed_metadata: Some("x".into()),
                }],
            }],
        };
        assert_golden(&request, 3, &bytes);
    }

    #[test]
    fn test_txn_offset_commit_request_v0_has_no_leader_epoch_or_membership() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x02, b't', b'x', // transactional_id: "tx"
            0x00, 0x01, b'g', // group_id: "g"
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x03, // producer_epoch: 3
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0, 0, 0, 0, 0, 0, 0, 0x64, // committed_offset: 100
            0x00, 0x00, // committed_metadata: ""
        ];
        let request = TxnOffsetCommitRequest {
            transactional_id: "tx".into(),
            group_id: "g".into(),
            producer_id: 1000,
            producer_epoch: 3,
            topics: vec![TxnOffsetCommitRequestTopic {
                name: "t".into(),
                partitions: vec![TxnOffsetCommitRequestPartition {
                    partition_index: 2,
                    committed_offset: 100,
                    committed_metadata: Some(String::new()),
                    ..Default::default()
                }],
            }],
            ..Default::default()
        };
        assert_golden(&request, 0, &bytes);
    }

    #[test]
    fn test_txn_offset_commit_response_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0x00, 0x30, // error_code: INVALID_TXN_STATE (48)
        ];
        let response = TxnOffsetCommitResponse {
            throttle_time_ms: 0,
            topics: vec![TxnOffsetCommitResponseTopic {
                name: "t".into(),
                partitions: vec![TxnOffsetCommitResponsePartition {
                    partition_index: 2,
                    error_code: ErrorCode::INVALID_TXN_STATE,
                }],
            }],
        };
        assert_golden(&response, 1, &bytes);
    }

    #[test]
    fn test_txn_offset_commit_response_v5_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x0a, // throttle_time_ms: 10
            0x02, // topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0x00, 0x19, // error_code: UNKNOWN_MEMBER_ID (25)
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // response tagged fields
        ];
        let response = TxnOffsetCommitResponse {
            throttle_time_ms: 10,
            topics: vec![TxnOffsetCommitResponseTopic {
                name: "t".into(),
                partitions: vec![TxnOffsetCommitResponsePartition {
                    partition_index: 2,
                    error_code: ErrorCode::UNKNOWN_MEMBER_ID,
                }],
            }],
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_txn_offset_commit_decoder_skips_unknown_tagged_fields() {
        #[rustfmt::skip]
        let bytes = [
            0x01, // transactional_id: ""
            0x01, // group_id: ""
            0, 0, 0, 0, 0, 0, 0, 0, // producer_id: 0
            0x00, 0x00, // producer_epoch: 0
            0xff, 0xff, 0xff, 0xff, // generation_id: -1
            0x01, // member_id: ""
            0x00, // group_instance_id: null
            0x01, // topics: 0
            0x01, // one tagged field
            0x05, 0x02, 0xab, 0xcd, // tag 5, two bytes
        ];
        let request: TxnOffsetCommitRequest = decode_exact(&bytes, 4);
        assert_eq!(request, TxnOffsetCommitRequest::default());
    }

    #[test]
    fn test_txn_offset_commit_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let sizes = [
                (
                    written_len(|w| TxnOffsetCommitRequestTopic::default().write(w, version)),
                    TxnOffsetCommitRequestTopic::min_size(flexible),
                ),
                (
                    written_len(|w| TxnOffsetCommitRequestPartition::default().write(w, version)),
                    TxnOffsetCommitRequestPartition::min_size(version),
                ),
                (
                    written_len(|w| TxnOffsetCommitResponseTopic::default().write(w, flexible)),
                    TxnOffsetCommitResponseTopic::min_size(flexible),
                ),
                (
                    written_len(|w| TxnOffsetCommitResponsePartition::default().write(w, flexible)),
                    TxnOffsetCommitResponsePartition::min_size(flexible),
                ),
            ];
            for (written, min) in sizes {
                assert_eq!(written, min, "v{version}");
            }
        }
    }

    proptest! {
        #[test]
        fn test_txn_offset_commit_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<TxnOffsetCommitRequest>(&bytes, [version]);
            decode_without_panicking::<TxnOffsetCommitResponse>(&bytes, [version]);
        }

        #[test]
        fn test_txn_offset_commit_decode_never_panics_on_damaged_messages(
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
                decode_without_panicking::<TxnOffsetCommitRequest>(&bytes, [version]);
                decode_without_panicking::<TxnOffsetCommitResponse>(&bytes, [version]);
            }
        }
    }
}
