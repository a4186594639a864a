//! OffsetFetch (key 9): the offsets a group has committed, which a consumer resumes
//! from after a rebalance or a restart.
//!
//! Up to v7 a request names one group ([`OffsetFetchRequest::group_id`] and
//! [`OffsetFetchRequest::topics`]) and the response answers it in
//! [`OffsetFetchResponse::topics`] and [`OffsetFetchResponse::error_code`]; from v8 both
//! carry a batch of groups instead ([`OffsetFetchRequest::groups`],
//! [`OffsetFetchResponse::groups`]). Both shapes are kept, as in Kafka's generated code,
//! and each version reads and writes only its own: the other keeps its default.
//!
//! A null topic list asks for every partition the group has offsets for (v2+). Version
//! 0 and 1 have no null array: there `None` is written as an empty array, which asks
//! for nothing.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 2 allows a null topic list (all topics) and adds a top-level error, 3 the throttle
/// time, 5 the leader epoch, 6 is flexible, 7 adds require_stable, 8 batches groups, 9
/// carries KIP-848 member ids and epochs.
pub const VERSIONS: RangeInclusive<i16> = 0..=9;
const FLEXIBLE: i16 = 6;
/// First version asking for several groups at once.
const GROUPS: i16 = 8;

/// Offsets are read by group; the member fields (v9) let the coordinator reject a
/// KIP-848 member that has been fenced instead of handing it offsets it no longer owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFetchRequest {
    /// The one group asked about (v0-7).
    pub group_id: String,
    /// The partitions to fetch for `group_id`; `None` for all (v0-7; null v2+).
    pub topics: Option<Vec<OffsetFetchRequestTopic>>,
    /// The groups asked about (v8+).
    pub groups: Vec<OffsetFetchRequestGroup>,
    /// Answer UNSTABLE_OFFSET_COMMIT for partitions with a pending transactional
    /// commit, rather than the last stable offset (KIP-447) (v7+).
    pub require_stable: bool,
}

impl Default for OffsetFetchRequest {
    fn default() -> Self {
        Self {
            group_id: String::new(),
            topics: Some(Vec::new()),
            groups: Vec::new(),
            require_stable: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetFetchRequestTopic {
    pub name: String,
    pub partition_indexes: Vec<i32>,
}

impl OffsetFetchRequestTopic {
    /// A string, an int32 array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    /// A topic list, null only if `nullable`.
    fn read_list(
        r: &mut Reader<'_>,
        flexible: bool,
        nullable: bool,
    ) -> Result<Option<Vec<Self>>, DecodeError> {
        let read = |r: &mut Reader<'_>| {
            let topic = Self {
                name: r.string(flexible)?.to_owned(),
                partition_indexes: r.array(flexible, 4, |r| r.i32())?,
            };
            r.skip_tagged_fields(flexible)?;
            Ok(topic)
        };
        if nullable {
            r.nullable_array(flexible, Self::min_size(flexible), read)
        } else {
            r.array(flexible, Self::min_size(flexible), read).map(Some)
        }
    }

    /// `None` is written as null when `nullable`, else as an empty array.
    fn write_list(w: &mut Writer, flexible: bool, nullable: bool, topics: Option<&[Self]>) {
        let Some(topics) = topics else {
            w.array_len(flexible, if nullable { None } else { Some(0) });
            return;
        };
        w.array(flexible, topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partition_indexes, |w, p| w.i32(*p));
            w.empty_tagged_fields(flexible);
        });
    }
}

/// One group of a batched request (v8+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFetchRequestGroup {
    pub group_id: String,
    /// The KIP-848 member asking; `None` for a classic member or an admin tool (v9+).
    pub member_id: Option<String>,
    /// The KIP-848 member's epoch, -1 when `member_id` is `None` (v9+).
    pub member_epoch: i32,
    /// `None` for all topics.
    pub topics: Option<Vec<OffsetFetchRequestTopic>>,
}

impl Default for OffsetFetchRequestGroup {
    fn default() -> Self {
        Self {
            group_id: String::new(),
            member_id: None,
            member_epoch: -1,
            topics: Some(Vec::new()),
        }
    }
}

impl OffsetFetchRequestGroup {
    /// A string, from v9 a nullable string and an int32, a nullable array, tagged
    /// fields (v8+ is flexible).
    fn min_size(version: i16) -> usize {
        string_min(true)
            + when(version >= 9, string_min(true) + 4)
            + array_min(true)
            + tags_min(true)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut group = Self {
            group_id: r.string(true)?.to_owned(),
            ..Default::default()
        };
        if version >= 9 {
            group.member_id = r.nullable_string(true)?.map(str::to_owned);
            group.member_epoch = r.i32()?;
        }
        group.topics = OffsetFetchRequestTopic::read_list(r, true, true)?;
        r.skip_tagged_fields(true)?;
        Ok(group)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        w.string(true, &self.group_id);
        if version >= 9 {
            w.nullable_string(true, self.member_id.as_deref());
            w.i32(self.member_epoch);
        }
        OffsetFetchRequestTopic::write_list(w, true, true, self.topics.as_deref());
        w.empty_tagged_fields(true);
    }
}

impl Decode for OffsetFetchRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        if version < GROUPS {
            request.group_id = r.string(flexible)?.to_owned();
            request.topics = OffsetFetchRequestTopic::read_list(r, flexible, version >= 2)?;
        } else {
            request.groups = r.array(true, OffsetFetchRequestGroup::min_size(version), |r| {
                OffsetFetchRequestGroup::read(r, version)
            })?;
        }
        if version >= 7 {
            request.require_stable = r.bool()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for OffsetFetchRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version < GROUPS {
            w.string(flexible, &self.group_id);
            let topics = self.topics.as_deref();
            OffsetFetchRequestTopic::write_list(w, flexible, version >= 2, topics);
        } else {
            w.array(true, &self.groups, |w, group| group.write(w, version));
        }
        if version >= 7 {
            w.bool(self.require_stable);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFetchResponse {
    /// v3+.
    pub throttle_time_ms: i32,
    /// The answer for the request's one group (v0-7).
    pub topics: Vec<OffsetFetchResponseTopic>,
    /// A failure of the whole group, e.g. NOT_COORDINATOR (v2-7; v0-1 repeat it in every
    /// partition).
    pub error_code: ErrorCode,
    /// One answer per requested group (v8+).
    pub groups: Vec<OffsetFetchResponseGroup>,
}

impl Default for OffsetFetchResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            topics: Vec::new(),
            error_code: ErrorCode::NONE,
            groups: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetFetchResponseTopic {
    pub name: String,
    pub partitions: Vec<OffsetFetchResponsePartition>,
}

impl OffsetFetchResponseTopic {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read_list(r: &mut Reader<'_>, version: i16) -> Result<Vec<Self>, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let partition_min = OffsetFetchResponsePartition::min_size(version);
        r.array(flexible, Self::min_size(flexible), |r| {
            let name = r.string(flexible)?.to_owned();
            let partitions = r.array(flexible, partition_min, |r| {
                OffsetFetchResponsePartition::read(r, version)
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(Self { name, partitions })
        })
    }

    fn write_list(w: &mut Writer, version: i16, topics: &[Self]) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, topics, |w, topic| {
            w.string(flexible, &topic.name);
            w.array(flexible, &topic.partitions, |w, p| p.write(w, version));
            w.empty_tagged_fields(flexible);
        });
    }
}

/// The default is a partition with nothing committed: offset and epoch -1, no metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFetchResponsePartition {
    pub partition_index: i32,
    /// -1 if the group has committed nothing for the partition.
    pub committed_offset: i64,
    /// -1 if unknown (v5+).
    pub committed_leader_epoch: i32,
    /// What the client committed with the offset.
    pub metadata: Option<String>,
    pub error_code: ErrorCode,
}

impl Default for OffsetFetchResponsePartition {
    fn default() -> Self {
        Self {
            partition_index: 0,
            committed_offset: -1,
            committed_leader_epoch: -1,
            metadata: None,
            error_code: ErrorCode::NONE,
        }
    }
}

impl OffsetFetchResponsePartition {
    /// int32, int64, from v5 an int32, a nullable string, int16 (and tagged fields).
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        12 + when(version >= 5, 4) + string_min(flexible) + 2 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut p = Self {
            partition_index: r.i32()?,
            committed_offset: r.i64()?,
            ..Default::default()
        };
        if version >= 5 {
            p.committed_leader_epoch = r.i32()?;
        }
        p.metadata = r.nullable_string(flexible)?.map(str::to_owned);
        p.error_code = ErrorCode(r.i16()?);
        r.skip_tagged_fields(flexible)?;
        Ok(p)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.partition_index);
        w.i64(self.committed_offset);
        if version >= 5 {
            w.i32(self.committed_leader_epoch);
        }
        w.nullable_string(flexible, self.metadata.as_deref());
        w.i16(self.error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

/// One group of a batched response (v8+).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetFetchResponseGroup {
    pub group_id: String,
    pub topics: Vec<OffsetFetchResponseTopic>,
    pub error_code: ErrorCode,
}

impl Default for OffsetFetchResponseGroup {
    fn default() -> Self {
        Self {
            group_id: String::new(),
            topics: Vec::new(),
            error_code: ErrorCode::NONE,
        }
    }
}

impl OffsetFetchResponseGroup {
    /// A string, an array, int16, tagged fields (v8+ is flexible).
    const MIN_SIZE: usize = string_min(true) + array_min(true) + 2 + tags_min(true);

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let group = Self {
            group_id: r.string(true)?.to_owned(),
            topics: OffsetFetchResponseTopic::read_list(r, version)?,
            error_code: ErrorCode(r.i16()?),
        };
        r.skip_tagged_fields(true)?;
        Ok(group)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        w.string(true, &self.group_id);
        OffsetFetchResponseTopic::write_list(w, version, &self.topics);
        w.i16(self.error_code.0);
        w.empty_tagged_fields(true);
    }
}

impl Encode for OffsetFetchResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 3 {
            w.i32(self.throttle_time_ms);
        }
        if version < GROUPS {
            OffsetFetchResponseTopic::write_list(w, version, &self.topics);
            if version >= 2 {
                w.i16(self.error_code.0);
            }
        } else {
            w.array(true, &self.groups, |w, group| group.write(w, version));
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for OffsetFetchResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 3 {
            response.throttle_time_ms = r.i32()?;
        }
        if version < GROUPS {
            response.topics = OffsetFetchResponseTopic::read_list(r, version)?;
            if version >= 2 {
                response.error_code = ErrorCode(r.i16()?);
            }
        } else {
            response.groups = r.array(true, OffsetFetchResponseGroup::MIN_SIZE, |r| {
                OffsetFetchResponseGroup::read(r, version)
            })?;
        }
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

    fn request_topics() -> Vec<OffsetFetchRequestTopic> {
        vec![
            OffsetFetchRequestTopic {
                name: "orders".into(),
                partition_indexes: vec![0, 1, 7],
            },
            OffsetFetchRequestTopic {
                name: "empty".into(),
                partition_indexes: Vec::new(),
            },
        ]
    }

    fn sample_request(version: i16) -> OffsetFetchRequest {
        let require_stable = version >= 7;
        if version < GROUPS {
            return OffsetFetchRequest {
                group_id: "billing".into(),
                topics: Some(request_topics()),
                require_stable,
                ..Default::default()
            };
        }
        let v9 = version >= 9;
        OffsetFetchRequest {
            groups: vec![
                OffsetFetchRequestGroup {
                    group_id: "billing".into(),
                    member_id: v9.then(|| "member-a".into()),
                    member_epoch: if v9 { 12 } else { -1 },
                    topics: Some(request_topics()),
                },
                OffsetFetchRequestGroup {
                    group_id: "audit".into(),
                    topics: None,
                    ..Default::default()
                },
            ],
            require_stable,
            ..Default::default()
        }
    }

    fn response_topics(version: i16) -> Vec<OffsetFetchResponseTopic> {
        vec![OffsetFetchResponseTopic {
            name: "orders".into(),
            partitions: vec![
                OffsetFetchResponsePartition {
                    partition_index: 0,
                    committed_offset: 4_096,
                    committed_leader_epoch: if version >= 5 { 3 } else { -1 },
                    metadata: Some("checkpoint".into()),
                    error_code: ErrorCode::NONE,
                },
                OffsetFetchResponsePartition {
                    partition_index: 7,
                    metadata: Some(String::new()),
                    error_code: ErrorCode::UNSTABLE_OFFSET_COMMIT,
                    ..Default::default()
                },
                OffsetFetchResponsePartition {
                    partition_index: 9,
                    ..Default::default()
                },
            ],
        }]
    }

    fn sample_response(version: i16) -> OffsetFetchResponse {
        let throttle_time_ms = if version >= 3 { 40 } else { 0 };
        if version < GROUPS {
            return OffsetFetchResponse {
                throttle_time_ms,
                topics: response_topics(version),
                error_code: if version >= 2 {
                    ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
                } else {
                    ErrorCode::NONE
                },
                ..Default::default()
            };
        }
        OffsetFetchResponse {
            throttle_time_ms,
            groups: vec![
                OffsetFetchResponseGroup {
                    group_id: "billing".into(),
                    topics: response_topics(version),
                    error_code: ErrorCode::NONE,
                },
                OffsetFetchResponseGroup {
                    group_id: "audit".into(),
                    topics: Vec::new(),
                    error_code: ErrorCode::GROUP_ID_NOT_FOUND,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn test_offset_fetch_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
            if (2..GROUPS).contains(&version) {
                let all_topics = OffsetFetchRequest {
                    topics: None,
                    ..sample_request(version)
                };
                assert_round_trips(&all_topics, [version]);
            }
        }
    }

    #[test]
    fn test_offset_fetch_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
    }

    #[test]
    fn test_offset_fetch_request_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x01, b'g', // group_id: "g"
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x02, // partition_indexes: 2
            0x00, 0x00, 0x00, 0x00, // 0
            0x00, 0x00, 0x00, 0x05, // 5
        ];
        let request = OffsetFetchRequest {
            group_id: "g".into(),
            topics: Some(vec![OffsetFetchRequestTopic {
                name: "t".into(),
                partition_indexes: vec![0, 5],
            }]),
            ..Default::default()
        };
        assert_golden(&request, 1, &bytes);
    }

    #[test]
    fn test_offset_fetch_request_null_topics_need_v2() {
        let request = OffsetFetchRequest {
            group_id: "g".into(),
            topics: None,
            ..Default::default()
        };
        #[rustfmt::skip]
        let v1 = [
            0x00, 0x01, b'g', // group_id: "g"
            0x00, 0x00, 0x00, 0x00, // topics: empty (v1 has no null array)
        ];
        assert_eq!(encode_to_vec(&request, 1), v1);
        #[rustfmt::skip]
        let v2 = [
            0x00, 0x01, b'g', // group_id: "g"
            0xff, 0xff, 0xff, 0xff, // topics: null (all)
        ];
        assert_golden(&request, 2, &v2);
    }

    #[test]
    fn test_offset_fetch_request_v7_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x02, b'g', // group_id: "g" (compact)
            0x00, // topics: null (all)
            0x01, // require_stable: true
            0x00, // request tagged fields
        ];
        let request = OffsetFetchRequest {
            group_id: "g".into(),
            topics: None,
            require_stable: true,
            ..Default::default()
        };
        assert_golden(&request, 7, &bytes);
    }

    #[test]
    fn test_offset_fetch_request_v9_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, // groups: 2 (compact)
            0x02, b'g', // group_id: "g"
            0x02, b'm', // member_id: "m"
            0x00, 0x00, 0x00, 0x04, // member_epoch: 4
            0x02, // topics: 1
            0x02, b't', // name: "t"
            0x02, 0x00, 0x00, 0x00, 0x03, // partition_indexes: [3]
            0x00, // topic tagged fields
            0x00, // group tagged fields
            0x02, b'h', // group_id: "h"
            0x00, // member_id: null
            0xff, 0xff, 0xff, 0xff, // member_epoch: -1
            0x00, // topics: null (all)
            0x00, // group tagged fields
            0x00, // require_stable: false
            0x00, // request tagged fields
        ];
        let request = OffsetFetchRequest {
            groups: vec![
                OffsetFetchRequestGroup {
                    group_id: "g".into(),
                    member_id: Some("m".into()),
                    member_epoch: 4,
                    topics: Some(vec![OffsetFetchRequestTopic {
                        name: "t".into(),
                        partition_indexes: vec![3],
                    }]),
                },
                OffsetFetchRequestGroup {
                    group_id: "h".into(),
                    topics: None,
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        assert_golden(&request, 9, &bytes);
        // v8 is the same without the member fields.
        #[rustfmt::skip]
        let v8 = [
            0x02, 0x02, b'h', // groups: 1, group_id: "h"
            0x00, 0x00, // topics: null, group tagged fields
            0x01, 0x00, // require_stable: true, request tagged fields
        ];
        let v8: OffsetFetchRequest = decode_exact(&v8, 8);
        assert_eq!(v8.groups, vec![request.groups[1].clone()]);
        assert!(v8.require_stable);
    }

    #[test]
    fn test_offset_fetch_response_v2_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x01, // partition_index: 1
            0, 0, 0, 0, 0, 0, 0, 0x2a, // committed_offset: 42
            0x00, 0x02, b'm', b'd', // metadata: "md"
            0x00, 0x00, // error_code: NONE
            0x00, 0x0e, // error_code: COORDINATOR_LOAD_IN_PROGRESS (14)
        ];
        let response = OffsetFetchResponse {
            topics: vec![OffsetFetchResponseTopic {
                name: "t".into(),
                partitions: vec![OffsetFetchResponsePartition {
                    partition_index: 1,
                    committed_offset: 42,
                    metadata: Some("md".into()),
                    ..Default::default()
                }],
            }],
            error_code: ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
            ..Default::default()
        };
        assert_golden(&response, 2, &bytes);
    }

    #[test]
    fn test_offset_fetch_response_v5_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x05, // throttle_time_ms: 5
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x00, // partition_index: 0
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // committed_offset: -1
            0xff, 0xff, 0xff, 0xff, // committed_leader_epoch: -1
            0xff, 0xff, // metadata: null
            0x00, 0x00, // error_code: NONE
            0x00, 0x00, // error_code: NONE
        ];
        let response = OffsetFetchResponse {
            throttle_time_ms: 5,
            topics: vec![OffsetFetchResponseTopic {
                name: "t".into(),
                partitions: vec![OffsetFetchResponsePartition::default()],
            }],
            ..Default::default()
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_offset_fetch_response_v9_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x02, // groups: 1 (compact)
            0x02, b'g', // group_id: "g"
            0x02, // topics: 1
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x02, // partition_index: 2
            0, 0, 0, 0, 0, 0, 0x01, 0x00, // committed_offset: 256
            0x00, 0x00, 0x00, 0x07, // committed_leader_epoch: 7
            0x01, // metadata: ""
            0x00, 0x00, // error_code: NONE
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, 0x71, // error_code: STALE_MEMBER_EPOCH (113)
            0x00, // group tagged fields
            0x00, // response tagged fields
        ];
        let response = OffsetFetchResponse {
            groups: vec![OffsetFetchResponseGroup {
                group_id: "g".into(),
                topics: vec![OffsetFetchResponseTopic {
                    name: "t".into(),
                    partitions: vec![OffsetFetchResponsePartition {
                        partition_index: 2,
                        committed_offset: 256,
                        committed_leader_epoch: 7,
                        metadata: Some(String::new()),
                        error_code: ErrorCode::NONE,
                    }],
                }],
                error_code: ErrorCode::STALE_MEMBER_EPOCH,
            }],
            ..Default::default()
        };
        assert_golden(&response, 9, &bytes);
    }

    #[test]
    fn test_offset_fetch_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let topic = OffsetFetchRequestTopic::default();
            let topics = Some(std::slice::from_ref(&topic));
            assert_eq!(
                written_len(|w| OffsetFetchRequestTopic::write_list(w, flexible, true, topics)),
                array_min(flexible) + OffsetFetchRequestTopic::min_size(flexible),
                "v{version}"
            );
            let partition = OffsetFetchResponsePartition::default();
            assert_eq!(
                written_len(|w| partition.write(w, version)),
                OffsetFetchResponsePartition::min_size(version),
                "v{version}"
            );
            let topic = OffsetFetchResponseTopic::default();
            let topics = std::slice::from_ref(&topic);
            assert_eq!(
                written_len(|w| OffsetFetchResponseTopic::write_list(w, version, topics)),
                array_min(flexible) + OffsetFetchResponseTopic::min_size(flexible),
                "v{version}"
            );
            if version >= GROUPS {
                let group = OffsetFetchRequestGroup {
                    topics: None,
                    ..Default::default()
                };
                assert_eq!(
                    written_len(|w| group.write(w, version)),
                    OffsetFetchRequestGroup::min_size(version),
                    "v{version}"
                );
                assert_eq!(
                    written_len(|w| OffsetFetchResponseGroup::default().write(w, version)),
                    OffsetFetchResponseGroup::MIN_SIZE,
                    "v{version}"
                );
            }
        }
    }

    proptest! {
        #[test]
        fn test_offset_fetch_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<OffsetFetchRequest>(&bytes, [version]);
            decode_without_panicking::<OffsetFetchResponse>(&bytes, [version]);
        }

        #[test]
        fn test_offset_fetch_decode_never_panics_on_damaged_messages(
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
                decode_without_panicking::<OffsetFetchRequest>(&bytes, [version]);
                decode_without_panicking::<OffsetFetchResponse>(&bytes, [version]);
            }
        }
    }
}
