//! SyncGroup (key 14): after JoinGroup, the leader hands the coordinator every member's
//! assignment and each member receives its own.
//!
//! Fields a version lacks are skipped when encoding and decode as null
//! (`group_instance_id` before v3, `protocol_type` and `protocol_name` before v5).

use std::ops::RangeInclusive;

use crate::codec::min_size::{bytes_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds throttle time, 3 static membership (KIP-345), 5 the protocol type and name
/// both ways (KIP-559).
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 4;

/// Every member sends one to finish a rebalance; followers send no assignments and
/// wait until the leader's arrive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncGroupRequest {
    pub group_id: String,
    /// The generation the member joined; a stale one gets ILLEGAL_GENERATION.
    pub generation_id: i32,
    pub member_id: String,
    /// v3+.
    pub group_instance_id: Option<String>,
    /// v5+: checked against the group's, so a mismatched client is refused.
    pub protocol_type: Option<String>,
    /// v5+: checked against the protocol the coordinator chose.
    pub protocol_name: Option<String>,
    /// Empty except from the leader.
    pub assignments: Vec<SyncGroupRequestAssignment>,
}

/// One member's assignment, opaque to the coordinator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncGroupRequestAssignment {
    pub member_id: String,
    pub assignment: Vec<u8>,
}

impl SyncGroupRequestAssignment {
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + bytes_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let assignment = Self {
            member_id: r.string(flexible)?.to_owned(),
            assignment: r.bytes(flexible)?.to_vec(),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(assignment)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.member_id);
        w.bytes(flexible, &self.assignment);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for SyncGroupRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            group_id: r.string(flexible)?.to_owned(),
            generation_id: r.i32()?,
            member_id: r.string(flexible)?.to_owned(),
            ..Self::default()
        };
        if version >= 3 {
            request.group_instance_id = r.nullable_string(flexible)?.map(str::to_owned);
        }
        if version >= 5 {
            request.protocol_type = r.nullable_string(flexible)?.map(str::to_owned);
            request.protocol_name = r.nullable_string(flexible)?.map(str::to_owned);
        }
        request.assignments = r.array(
            flexible,
            SyncGroupRequestAssignment::min_size(flexible),
            |r| SyncGroupRequestAssignment::read(r, flexible),
        )?;
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for SyncGroupRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.group_id);
        w.i32(self.generation_id);
        w.string(flexible, &self.member_id);
        if version >= 3 {
            w.nullable_string(flexible, self.group_instance_id.as_deref());
        }
        if version >= 5 {
            w.nullable_string(flexible, self.protocol_type.as_deref());
            w.nullable_string(flexible, self.protocol_name.as_deref());
        }
        w.array(flexible, &self.assignments, |w, assignment| {
            assignment.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

/// The member's own assignment; empty on an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncGroupResponse {
    /// v1+.
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    /// v5+.
    pub protocol_type: Option<String>,
    /// v5+.
    pub protocol_name: Option<String>,
    pub assignment: Vec<u8>,
}

impl Default for SyncGroupResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            protocol_type: None,
            protocol_name: None,
            assignment: Vec::new(),
        }
    }
}

impl Decode for SyncGroupResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 1 {
            response.throttle_time_ms = r.i32()?;
        }
        response.error_code = ErrorCode(r.i16()?);
        if version >= 5 {
            response.protocol_type = r.nullable_string(flexible)?.map(str::to_owned);
            response.protocol_name = r.nullable_string(flexible)?.map(str::to_owned);
        }
        response.assignment = r.bytes(flexible)?.to_vec();
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

impl Encode for SyncGroupResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        w.i16(self.error_code.0);
        if version >= 5 {
            w.nullable_string(flexible, self.protocol_type.as_deref());
            w.nullable_string(flexible, self.protocol_name.as_deref());
        }
        w.bytes(flexible, &self.assignment);
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
    fn sample_request(version: i16) -> SyncGroupRequest {
        SyncGroupRequest {
            group_id: "orders-app".to_owned(),
            generation_id: 12,
            member_id: "consumer-1-3f2a".to_owned(),
            group_instance_id: (version >= 3).then(|| "pod-7".to_owned()),
            protocol_type: (version >= 5).then(|| "consumer".to_owned()),
            protocol_name: (version >= 5).then(|| "range".to_owned()),
            assignments: vec![
                SyncGroupRequestAssignment {
                    member_id: "consumer-1-3f2a".to_owned(),
                    assignment: vec![0, 1, 0, 0, 0, 1, 0, 6, b'o', b'r', b'd', b'e', b'r', b's'],
                },
                SyncGroupRequestAssignment {
                    member_id: "consumer-2-88c1".to_owned(),
                    assignment: vec![],
                },
            ],
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> SyncGroupResponse {
        SyncGroupResponse {
            throttle_time_ms: if version >= 1 { 30 } else { 0 },
            error_code: ErrorCode::REBALANCE_IN_PROGRESS,
            protocol_type: (version >= 5).then(|| "consumer".to_owned()),
            protocol_name: (version >= 5).then(|| "range".to_owned()),
            assignment: vec![0, 1, 0, 0, 0, 0],
        }
    }

    #[test]
    fn test_sync_group_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&SyncGroupRequest::default(), VERSIONS);
    }

    #[test]
    fn test_sync_group_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&SyncGroupResponse::default(), VERSIONS);
    }

    #[test]
    fn test_sync_group_request_v3_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 1, b'g',             // group_id "g"
            0, 0, 0, 2,             // generation_id 2
            0, 1, b'm',             // member_id "m"
            0xff, 0xff,             // group_instance_id null
            0, 0, 0, 1,             // 1 assignment
            0, 1, b'm',             //   member_id "m"
            0, 0, 0, 2, 9, 8,       //   assignment [9, 8]
        ];
        let request = SyncGroupRequest {
            group_id: "g".to_owned(),
            generation_id: 2,
            member_id: "m".to_owned(),
            group_instance_id: None,
            protocol_type: None,
            protocol_name: None,
            assignments: vec![SyncGroupRequestAssignment {
                member_id: "m".to_owned(),
                assignment: vec![9, 8],
            }],
        };
        assert_golden(&request, 3, &bytes);
    }

    #[test]
    fn test_sync_group_request_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            2, b'g',                // group_id "g"
            0, 0, 0, 2,             // generation_id 2
            2, b'm',                // member_id "m"
            2, b'i',                // group_instance_id "i"
            2, b'c',                // protocol_type "c"
            0,                      // protocol_name null
            1,                      // no assignments
            0,                      // no tagged fields
        ];
        let request = SyncGroupRequest {
            group_id: "g".to_owned(),
            generation_id: 2,
            member_id: "m".to_owned(),
            group_instance_id: Some("i".to_owned()),
            protocol_type: Some("c".to_owned()),
            protocol_name: None,
            assignments: vec![],
        };
        assert_golden(&request, 5, &bytes);
    }

    #[test]
    fn test_sync_group_response_v1_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 7,             // throttle_time_ms 7
            0, 27,                  // error_code REBALANCE_IN_PROGRESS
            0, 0, 0, 0,             // assignment empty
        ];
        let response = SyncGroupResponse {
            throttle_time_ms: 7,
            error_code: ErrorCode::REBALANCE_IN_PROGRESS,
            ..SyncGroupResponse::default()
        };
        assert_golden(&response, 1, &bytes);
    }

    #[test]
    fn test_sync_group_response_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0,                   // error_code NONE
            2, b'c',                // protocol_type "c"
            2, b'r',                // protocol_name "r"
            4, 1, 2, 3,             // assignment [1, 2, 3]
            0,                      // no tagged fields
        ];
        let response = SyncGroupResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            protocol_type: Some("c".to_owned()),
            protocol_name: Some("r".to_owned()),
            assignment: vec![1, 2, 3],
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_sync_group_assignment_min_size_matches_the_smallest_encoding() {
        for flexible in [false, true] {
            assert_eq!(
                written_len(|w| SyncGroupRequestAssignment::default().write(w, flexible)),
                SyncGroupRequestAssignment::min_size(flexible)
            );
        }
    }

    proptest! {
        #[test]
        fn test_sync_group_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<SyncGroupRequest>(&bytes, VERSIONS);
            decode_without_panicking::<SyncGroupResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_sync_group_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<SyncGroupRequest>(&bytes, [version]);
                decode_without_panicking::<SyncGroupResponse>(&bytes, [version]);
            }
        }
    }
}
