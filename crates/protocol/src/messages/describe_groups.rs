//! DescribeGroups (key 15): a classic group's state, protocol and members, for admin
//! clients and tools.
//!
//! Fields a version lacks are skipped when encoding and take Kafka's default when
//! decoding: `include_authorized_operations` false, `authorized_operations` `i32::MIN`
//! (not requested), `group_instance_id` null.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, bytes_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds throttle time, 3 authorized operations (KIP-430), 4 members' instance ids
/// (KIP-345).
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 5;

/// `authorized_operations` when they were not requested or the version lacks them.
pub const AUTHORIZED_OPERATIONS_OMITTED: i32 = i32::MIN;

/// Sent to each group's coordinator; groups it does not coordinate come back with
/// NOT_COORDINATOR, each on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeGroupsRequest {
    pub groups: Vec<String>,
    /// v3+: costs an authorizer call per operation per group, so it is opt-in.
    pub include_authorized_operations: bool,
}

impl Decode for DescribeGroupsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            groups: r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?,
            ..Self::default()
        };
        if version >= 3 {
            request.include_authorized_operations = r.bool()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for DescribeGroupsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.groups, |w, group| w.string(flexible, group));
        if version >= 3 {
            w.bool(self.include_authorized_operations);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeGroupsResponse {
    /// v1+.
    pub throttle_time_ms: i32,
    /// One per requested group, each with its own error.
    pub groups: Vec<DescribedGroup>,
}

/// Each group carries its own error, so one group the caller may not see does not fail
/// the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedGroup {
    pub error_code: ErrorCode,
    pub group_id: String,
    /// e.g. "Stable", "PreparingRebalance", "Empty", "Dead"; `""` on error.
    pub group_state: String,
    /// `""` on error or for a group that only commits offsets.
    pub protocol_type: String,
    /// The chosen protocol's name when the group is stable, else `""`.
    pub protocol_data: String,
    pub members: Vec<DescribedGroupMember>,
    /// v3+: a bit per ACL operation the caller may perform on the group, or
    /// [`AUTHORIZED_OPERATIONS_OMITTED`].
    pub authorized_operations: i32,
}

impl Default for DescribedGroup {
    fn default() -> Self {
        Self {
            error_code: ErrorCode::NONE,
            group_id: String::new(),
            group_state: String::new(),
            protocol_type: String::new(),
            protocol_data: String::new(),
            members: Vec::new(),
            authorized_operations: AUTHORIZED_OPERATIONS_OMITTED,
        }
    }
}

/// Metadata and assignment are filled only while the group is stable; they are opaque
/// bytes of the group's protocol, which tools decode themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedGroupMember {
    pub member_id: String,
    /// v4+.
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub member_metadata: Vec<u8>,
    pub member_assignment: Vec<u8>,
}

impl DescribedGroupMember {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        s + when(version >= 4, s) + s + s + 2 * bytes_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let member_id = r.string(flexible)?.to_owned();
        let group_instance_id = if version >= 4 {
            r.nullable_string(flexible)?.map(str::to_owned)
        } else {
            None
        };
        let member = Self {
            member_id,
            group_instance_id,
            client_id: r.string(flexible)?.to_owned(),
            client_host: r.string(flexible)?.to_owned(),
            member_metadata: r.bytes(flexible)?.to_vec(),
            member_assignment: r.bytes(flexible)?.to_vec(),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(member)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.member_id);
        if version >= 4 {
            w.nullable_string(flexible, self.group_instance_id.as_deref());
        }
        w.string(flexible, &self.client_id);
        w.string(flexible, &self.client_host);
        w.bytes(flexible, &self.member_metadata);
        w.bytes(flexible, &self.member_assignment);
        w.empty_tagged_fields(flexible);
    }
}

impl DescribedGroup {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        2 + 4 * s + array_min(flexible) + when(version >= 3, 4) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut group = Self {
            error_code: ErrorCode(r.i16()?),
            group_id: r.string(flexible)?.to_owned(),
            group_state: r.string(flexible)?.to_owned(),
            protocol_type: r.string(flexible)?.to_owned(),
            protocol_data: r.string(flexible)?.to_owned(),
            members: r.array(flexible, DescribedGroupMember::min_size(version), |r| {
                DescribedGroupMember::read(r, version)
            })?,
            ..Self::default()
        };
        if version >= 3 {
            group.authorized_operations = r.i32()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(group)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i16(self.error_code.0);
        w.string(flexible, &self.group_id);
        w.string(flexible, &self.group_state);
        w.string(flexible, &self.protocol_type);
        w.string(flexible, &self.protocol_data);
        w.array(flexible, &self.members, |w, member| {
            member.write(w, version)
        });
        if version >= 3 {
            w.i32(self.authorized_operations);
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeGroupsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = if version >= 1 { r.i32()? } else { 0 };
        let groups = r.array(flexible, DescribedGroup::min_size(version), |r| {
            DescribedGroup::read(r, version)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            groups,
        })
    }
}

impl Encode for DescribeGroupsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        w.array(flexible, &self.groups, |w, group| group.write(w, version));
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

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> DescribeGroupsRequest {
        DescribeGroupsRequest {
            groups: vec!["orders-app".to_owned(), "billing".to_owned()],
            include_authorized_operations: version >= 3,
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> DescribeGroupsResponse {
        DescribeGroupsResponse {
            throttle_time_ms: if version >= 1 { 30 } else { 0 },
            groups: vec![
                DescribedGroup {
                    error_code: ErrorCode::NONE,
                    group_id: "orders-app".to_owned(),
                    group_state: "Stable".to_owned(),
                    protocol_type: "consumer".to_owned(),
                    protocol_data: "range".to_owned(),
                    members: vec![
                        DescribedGroupMember {
                            member_id: "consumer-1-3f2a".to_owned(),
                            group_instance_id: (version >= 4).then(|| "pod-7".to_owned()),
                            client_id: "consumer-1".to_owned(),
                            client_host: "/10.0.0.7".to_owned(),
                            member_metadata: vec![0, 3, 0, 0, 0, 0],
                            member_assignment: vec![0, 3, 0, 0, 0, 1],
                        },
                        DescribedGroupMember {
                            member_id: "consumer-2-88c1".to_owned(),
                            group_instance_id: None,
                            client_id: "consumer-2".to_owned(),
                            client_host: "/10.0.0.8".to_owned(),
                            member_metadata: vec![],
                            member_assignment: vec![],
                        },
                    ],
                    authorized_operations: if version >= 3 {
                        0b1_0100_1000
                    } else {
                        AUTHORIZED_OPERATIONS_OMITTED
                    },
                },
                DescribedGroup {
                    error_code: ErrorCode::GROUP_AUTHORIZATION_FAILED,
                    group_id: "billing".to_owned(),
                    ..DescribedGroup::default()
                },
            ],
        }
    }

    #[test]
    fn test_describe_groups_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&DescribeGroupsRequest::default(), VERSIONS);
    }

    #[test]
    fn test_describe_groups_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&DescribeGroupsResponse::default(), VERSIONS);
    }

    #[test]
    fn test_describe_groups_request_golden_bytes() {
        #[rustfmt::skip]
        let v0 = [
            0, 0, 0, 2,             // 2 groups
            0, 1, b'a',             //   "a"
            0, 2, b'b', b'c',       //   "bc"
        ];
        let request = DescribeGroupsRequest {
            groups: vec!["a".to_owned(), "bc".to_owned()],
            include_authorized_operations: false,
        };
        assert_golden(&request, 0, &v0);
        #[rustfmt::skip]
        let v5 = [
            2,                      // 1 group
            2, b'a',                //   "a"
            1,                      // include_authorized_operations true
            0,                      // no tagged fields
        ];
        let request = DescribeGroupsRequest {
            groups: vec!["a".to_owned()],
            include_authorized_operations: true,
        };
        assert_golden(&request, 5, &v5);
    }

    #[test]
    fn test_describe_groups_response_v3_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0, 0, 1,             // 1 group
            0, 0,                   //   error_code NONE
            0, 1, b'g',             //   group_id "g"
            0, 6, b'S', b't', b'a', b'b', b'l', b'e', // group_state "Stable"
            0, 1, b'c',             //   protocol_type "c"
            0, 1, b'r',             //   protocol_data "r"
            0, 0, 0, 1,             //   1 member
            0, 1, b'm',             //     member_id "m"
            0, 2, b'i', b'd',       //     client_id "id"
            0, 2, b'/', b'h',       //     client_host "/h"
            0, 0, 0, 1, 1,          //     member_metadata [1]
            0, 0, 0, 0,             //     member_assignment empty
            0x80, 0, 0, 0,          //   authorized_operations i32::MIN
        ];
        let response = DescribeGroupsResponse {
            throttle_time_ms: 0,
            groups: vec![DescribedGroup {
                error_code: ErrorCode::NONE,
                group_id: "g".to_owned(),
                group_state: "Stable".to_owned(),
                protocol_type: "c".to_owned(),
                protocol_data: "r".to_owned(),
                members: vec![DescribedGroupMember {
                    member_id: "m".to_owned(),
                    group_instance_id: None,
                    client_id: "id".to_owned(),
                    client_host: "/h".to_owned(),
                    member_metadata: vec![1],
                    member_assignment: vec![],
                }],
                authorized_operations: AUTHORIZED_OPERATIONS_OMITTED,
            }],
        };
        assert_golden(&response, 3, &bytes);
    }

    #[test]
    fn test_describe_groups_response_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 2,             // throttle_time_ms 2
            2,                      // 1 group
            0, 30,                  //   error_code GROUP_AUTHORIZATION_FAILED
            2, b'g',                //   group_id "g"
            1,                      //   group_state ""
            1,                      //   protocol_type ""
            1,                      //   protocol_data ""
            2,                      //   1 member
            2, b'm',                //     member_id "m"
            2, b'i',                //     group_instance_id "i"
            2, b'c',                //     client_id "c"
            2, b'h',                //     client_host "h"
            1,                      //     member_metadata empty
            2, 5,                   //     member_assignment [5]
            0,                      //     no tagged fields
            0, 0, 0x01, 0x48,       //   authorized_operations READ|DELETE|DESCRIBE
            0,                      //   no tagged fields
            0,                      // no tagged fields
        ];
        let response = DescribeGroupsResponse {
            throttle_time_ms: 2,
            groups: vec![DescribedGroup {
                error_code: ErrorCode::GROUP_AUTHORIZATION_FAILED,
                group_id: "g".to_owned(),
                members: vec![DescribedGroupMember {
                    member_id: "m".to_owned(),
                    group_instance_id: Some("i".to_owned()),
                    client_id: "c".to_owned(),
                    client_host: "h".to_owned(),
                    member_metadata: vec![],
                    member_assignment: vec![5],
                }],
                authorized_operations: (1 << 3) | (1 << 6) | (1 << 8),
                ..DescribedGroup::default()
            }],
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_describe_groups_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            assert_eq!(
                written_len(|w| DescribedGroupMember::default().write(w, version)),
                DescribedGroupMember::min_size(version)
            );
            assert_eq!(
                written_len(|w| DescribedGroup::default().write(w, version)),
                DescribedGroup::min_size(version)
            );
        }
    }

    proptest! {
        #[test]
        fn test_describe_groups_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<DescribeGroupsRequest>(&bytes, VERSIONS);
            decode_without_panicking::<DescribeGroupsResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_describe_groups_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<DescribeGroupsRequest>(&bytes, [version]);
                decode_without_panicking::<DescribeGroupsResponse>(&bytes, [version]);
            }
        }
    }
}
