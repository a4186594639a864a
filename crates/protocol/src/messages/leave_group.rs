//! LeaveGroup (key 13): members leave a classic group at once, so it rebalances now
//! rather than after their session timeouts.
//!
//! Up to v2 a request names one `member_id` and the response has only a top-level
//! error; from v3 (KIP-345) a request names a batch of `members` (each a member id or a
//! static member's instance id) and the response answers each. Each version reads and
//! writes only its own fields; the others keep their defaults.

use std::ops::RangeInclusive;

use crate::codec::min_size::{string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds throttle time, 3 batches members by member or instance id (KIP-345), 5 a
/// reason per member (KIP-800).
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 4;
/// First version with `members` in the request and the response.
const BATCHED: i16 = 3;

/// Sent by a consumer on close, and by admin clients to remove static members (whose
/// member ids they do not know) from a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaveGroupRequest {
    pub group_id: String,
    /// v0-2.
    pub member_id: String,
    /// v3+.
    pub members: Vec<MemberIdentity>,
}

/// A dynamic member is named by its member id; a static one by its instance id, since
/// whoever removes it may not know its current member id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberIdentity {
    /// `""` when a static member is named by `group_instance_id` alone.
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// v5+.
    pub reason: Option<String>,
}

impl MemberIdentity {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        s + s + when(version >= 5, s) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut member = Self {
            member_id: r.string(flexible)?.to_owned(),
            group_instance_id: r.nullable_string(flexible)?.map(str::to_owned),
            reason: None,
        };
        if version >= 5 {
            member.reason = r.nullable_string(flexible)?.map(str::to_owned);
        }
        r.skip_tagged_fields(flexible)?;
        Ok(member)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.member_id);
        w.nullable_string(flexible, self.group_instance_id.as_deref());
        if version >= 5 {
            w.nullable_string(flexible, self.reason.as_deref());
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for LeaveGroupRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            group_id: r.string(flexible)?.to_owned(),
            ..Self::default()
        };
        if version >= BATCHED {
            request.members = r.array(flexible, MemberIdentity::min_size(version), |r| {
                MemberIdentity::read(r, version)
            })?;
        } else {
            request.member_id = r.string(flexible)?.to_owned();
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for LeaveGroupRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.group_id);
        if version >= BATCHED {
            w.array(flexible, &self.members, |w, member| {
                member.write(w, version)
            });
        } else {
            w.string(flexible, &self.member_id);
        }
        w.empty_tagged_fields(flexible);
    }
}

/// The top-level error is for the whole group (e.g. NOT_COORDINATOR); from v3 each
/// member also has its own (e.g. UNKNOWN_MEMBER_ID), so one unknown member does not fail
/// the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveGroupResponse {
    /// v1+.
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    /// v3+.
    pub members: Vec<MemberResponse>,
}

impl Default for LeaveGroupResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            members: Vec::new(),
        }
    }
}

/// Echoes the identity the request gave, so the caller can match outcomes to members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberResponse {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub error_code: ErrorCode,
}

impl MemberResponse {
    fn min_size(flexible: bool) -> usize {
        2 * string_min(flexible) + 2 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let member = Self {
            member_id: r.string(flexible)?.to_owned(),
            group_instance_id: r.nullable_string(flexible)?.map(str::to_owned),
            error_code: ErrorCode(r.i16()?),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(member)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.member_id);
        w.nullable_string(flexible, self.group_instance_id.as_deref());
        w.i16(self.error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for LeaveGroupResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 1 {
            response.throttle_time_ms = r.i32()?;
        }
        response.error_code = ErrorCode(r.i16()?);
        if version >= BATCHED {
            response.members = r.array(flexible, MemberResponse::min_size(flexible), |r| {
                MemberResponse::read(r, flexible)
            })?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

impl Encode for LeaveGroupResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        w.i16(self.error_code.0);
        if version >= BATCHED {
            w.array(flexible, &self.members, |w, member| {
                member.write(w, flexible)
            });
        }
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
    fn sample_request(version: i16) -> LeaveGroupRequest {
        if version >= BATCHED {
            LeaveGroupRequest {
                group_id: "orders-app".to_owned(),
                member_id: String::new(),
                members: vec![
                    MemberIdentity {
                        member_id: "consumer-1-3f2a".to_owned(),
                        group_instance_id: None,
                        reason: (version >= 5).then(|| "the consumer is being closed".to_owned()),
                    },
                    MemberIdentity {
                        member_id: String::new(),
                        group_instance_id: Some("pod-7".to_owned()),
                        reason: None,
                    },
                ],
            }
        } else {
            LeaveGroupRequest {
                group_id: "orders-app".to_owned(),
                member_id: "consumer-1-3f2a".to_owned(),
                members: vec![],
            }
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> LeaveGroupResponse {
        LeaveGroupResponse {
            throttle_time_ms: if version >= 1 { 30 } else { 0 },
            error_code: ErrorCode::NONE,
            members: if version >= BATCHED {
                vec![
                    MemberResponse {
                        member_id: "consumer-1-3f2a".to_owned(),
                        group_instance_id: None,
                        error_code: ErrorCode::NONE,
                    },
                    MemberResponse {
                        member_id: String::new(),
                        group_instance_id: Some("pod-7".to_owned()),
                        error_code: ErrorCode::UNKNOWN_MEMBER_ID,
                    },
                ]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn test_leave_group_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&LeaveGroupRequest::default(), VERSIONS);
    }

    #[test]
    fn test_leave_group_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&LeaveGroupResponse::default(), VERSIONS);
        let failed = LeaveGroupResponse {
            error_code: ErrorCode::NOT_COORDINATOR,
            ..LeaveGroupResponse::default()
        };
        assert_round_trips(&failed, VERSIONS);
    }

    #[test]
    fn test_leave_group_request_v1_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 1, b'g',             // group_id "g"
            0, 2, b'm', b'1',       // member_id "m1"
        ];
        let request = LeaveGroupRequest {
            group_id: "g".to_owned(),
            member_id: "m1".to_owned(),
            members: vec![],
        };
        assert_golden(&request, 1, &bytes);
    }

    #[test]
    fn test_leave_group_request_v3_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 1, b'g',             // group_id "g"
            0, 0, 0, 1,             // 1 member
            0, 0,                   //   member_id ""
            0, 1, b'i',             //   group_instance_id "i"
        ];
        let request = LeaveGroupRequest {
            group_id: "g".to_owned(),
            member_id: String::new(),
            members: vec![MemberIdentity {
                member_id: String::new(),
                group_instance_id: Some("i".to_owned()),
                reason: None,
            }],
        };
        assert_golden(&request, 3, &bytes);
    }

    #[test]
    fn test_leave_group_request_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            2, b'g',                // group_id "g"
            2,                      // 1 member
            2, b'm',                //   member_id "m"
            0,                      //   group_instance_id null
            3, b'b', b'y',          //   reason "by"
            0,                      //   no tagged fields
            0,                      // no tagged fields
        ];
        let request = LeaveGroupRequest {
            group_id: "g".to_owned(),
            member_id: String::new(),
            members: vec![MemberIdentity {
                member_id: "m".to_owned(),
                group_instance_id: None,
                reason: Some("by".to_owned()),
            }],
        };
        assert_golden(&request, 5, &bytes);
    }

    #[test]
    fn test_leave_group_response_v3_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0,                   // error_code NONE
            0, 0, 0, 1,             // 1 member
            0, 0,                   //   member_id ""
            0, 1, b'i',             //   group_instance_id "i"
            0, 25,                  //   error_code UNKNOWN_MEMBER_ID
        ];
        let response = LeaveGroupResponse {
            members: vec![MemberResponse {
                member_id: String::new(),
                group_instance_id: Some("i".to_owned()),
                error_code: ErrorCode::UNKNOWN_MEMBER_ID,
            }],
            ..LeaveGroupResponse::default()
        };
        assert_golden(&response, 3, &bytes);
    }

    #[test]
    fn test_leave_group_response_v4_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 9,             // throttle_time_ms 9
            0, 0,                   // error_code NONE
            2,                      // 1 member
            2, b'm',                //   member_id "m"
            0,                      //   group_instance_id null
            0, 0,                   //   error_code NONE
            0,                      //   no tagged fields
            0,                      // no tagged fields
        ];
        let response = LeaveGroupResponse {
            throttle_time_ms: 9,
            error_code: ErrorCode::NONE,
            members: vec![MemberResponse {
                member_id: "m".to_owned(),
                group_instance_id: None,
                error_code: ErrorCode::NONE,
            }],
        };
        assert_golden(&response, 4, &bytes);
    }

    #[test]
    fn test_leave_group_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            assert_eq!(
                written_len(|w| MemberIdentity::default().write(w, version)),
                MemberIdentity::min_size(version)
            );
            let member = MemberResponse {
                member_id: String::new(),
                group_instance_id: None,
                error_code: ErrorCode::NONE,
            };
            assert_eq!(
                written_len(|w| member.write(w, flexible)),
                MemberResponse::min_size(flexible)
            );
        }
    }

    proptest! {
        #[test]
        fn test_leave_group_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<LeaveGroupRequest>(&bytes, VERSIONS);
            decode_without_panicking::<LeaveGroupResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_leave_group_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<LeaveGroupRequest>(&bytes, [version]);
                decode_without_panicking::<LeaveGroupResponse>(&bytes, [version]);
            }
        }
    }
}
