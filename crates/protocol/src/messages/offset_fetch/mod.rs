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
mod tests;
