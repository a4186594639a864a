//! JoinGroup (key 11): a member joins (or rejoins) a classic group and learns its
//! generation, the chosen protocol and, if it leads, every member's metadata.
//!
//! Fields a version lacks are skipped when encoding and take Kafka's default when
//! decoding (`rebalance_timeout_ms` -1, `group_instance_id` and `reason` null,
//! `protocol_type` null, `skip_assignment` false). `protocol_name` is nullable only from
//! v7; a null one is written as `""` before.

use std::ops::RangeInclusive;

use crate::codec::min_size::{bytes_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds the rebalance timeout, 4 MEMBER_ID_REQUIRED (KIP-394), 5 static membership
/// (KIP-345), 7 the protocol type in the response (KIP-559), 8 the reason (KIP-800),
/// 9 skip_assignment (KIP-814).
pub const VERSIONS: RangeInclusive<i16> = 0..=9;
const FLEXIBLE: i16 = 6;

/// Joining is how a member enters a rebalance: the coordinator waits for every member
/// (up to the rebalance timeout), picks one protocol they all support and a leader, and
/// answers them all at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinGroupRequest {
    pub group_id: String,
    pub session_timeout_ms: i32,
    /// v1+; -1 in v0, where the session timeout serves as the rebalance timeout.
    pub rebalance_timeout_ms: i32,
    /// `""` on a member's first join; the coordinator then assigns one.
    pub member_id: String,
    /// v5+: set by a static member, whose identity survives restarts.
    pub group_instance_id: Option<String>,
    /// e.g. "consumer" or "connect".
    pub protocol_type: String,
    /// In the member's order of preference.
    pub protocols: Vec<JoinGroupRequestProtocol>,
    /// v8+.
    pub reason: Option<String>,
}

impl Default for JoinGroupRequest {
    fn default() -> Self {
        Self {
            group_id: String::new(),
            session_timeout_ms: 0,
            rebalance_timeout_ms: -1,
            member_id: String::new(),
            group_instance_id: None,
            protocol_type: String::new(),
            protocols: Vec::new(),
            reason: None,
        }
    }
}

/// An assignor the member can run, with its subscription encoded for that assignor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinGroupRequestProtocol {
    pub name: String,
    pub metadata: Vec<u8>,
}

impl JoinGroupRequestProtocol {
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + bytes_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let protocol = Self {
            name: r.string(flexible)?.to_owned(),
            metadata: r.bytes(flexible)?.to_vec(),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(protocol)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.bytes(flexible, &self.metadata);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for JoinGroupRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            group_id: r.string(flexible)?.to_owned(),
            session_timeout_ms: r.i32()?,
            ..Self::default()
        };
        if version >= 1 {
            request.rebalance_timeout_ms = r.i32()?;
        }
        request.member_id = r.string(flexible)?.to_owned();
        if version >= 5 {
            request.group_instance_id = r.nullable_string(flexible)?.map(str::to_owned);
        }
        request.protocol_type = r.string(flexible)?.to_owned();
        request.protocols = r.array(
            flexible,
            JoinGroupRequestProtocol::min_size(flexible),
            |r| JoinGroupRequestProtocol::read(r, flexible),
        )?;
        if version >= 8 {
            request.reason = r.nullable_string(flexible)?.map(str::to_owned);
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for JoinGroupRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.group_id);
        w.i32(self.session_timeout_ms);
        if version >= 1 {
            w.i32(self.rebalance_timeout_ms);
        }
        w.string(flexible, &self.member_id);
        if version >= 5 {
            w.nullable_string(flexible, self.group_instance_id.as_deref());
        }
        w.string(flexible, &self.protocol_type);
        w.array(flexible, &self.protocols, |w, protocol| {
            protocol.write(w, flexible)
        });
        if version >= 8 {
            w.nullable_string(flexible, self.reason.as_deref());
        }
        w.empty_tagged_fields(flexible);
    }
}

/// Every member gets the generation and the chosen protocol; only the leader gets
/// `members`, from which it computes the assignment it sends in SyncGroup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinGroupResponse {
    /// v2+.
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    pub generation_id: i32,
    /// v7+: lets a client check it joined the kind of group it meant to.
    pub protocol_type: Option<String>,
    /// Null (v7+) when no protocol was chosen, as on an error.
    pub protocol_name: Option<String>,
    /// The leader's member id.
    pub leader: String,
    /// v9+: the leader must not compute an assignment (the coordinator does, KIP-814).
    pub skip_assignment: bool,
    /// The id of the member this answers, assigned on its first join.
    pub member_id: String,
    /// Empty except in the leader's response.
    pub members: Vec<JoinGroupResponseMember>,
}

impl Default for JoinGroupResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            generation_id: -1,
            protocol_type: None,
            protocol_name: Some(String::new()),
            leader: String::new(),
            skip_assignment: false,
            member_id: String::new(),
            members: Vec::new(),
        }
    }
}

/// A member as the leader sees it: its subscription for the chosen protocol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinGroupResponseMember {
    pub member_id: String,
    /// v5+.
    pub group_instance_id: Option<String>,
    pub metadata: Vec<u8>,
}

impl JoinGroupResponseMember {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        s + when(version >= 5, s) + bytes_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let member_id = r.string(flexible)?.to_owned();
        let group_instance_id = if version >= 5 {
            r.nullable_string(flexible)?.map(str::to_owned)
        } else {
            None
        };
        let metadata = r.bytes(flexible)?.to_vec();
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            member_id,
            group_instance_id,
            metadata,
        })
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.member_id);
        if version >= 5 {
            w.nullable_string(flexible, self.group_instance_id.as_deref());
        }
        w.bytes(flexible, &self.metadata);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for JoinGroupResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 2 {
            response.throttle_time_ms = r.i32()?;
        }
        response.error_code = ErrorCode(r.i16()?);
        response.generation_id = r.i32()?;
        if version >= 7 {
            response.protocol_type = r.nullable_string(flexible)?.map(str::to_owned);
            response.protocol_name = r.nullable_string(flexible)?.map(str::to_owned);
        } else {
            response.protocol_name = Some(r.string(flexible)?.to_owned());
        }
        response.leader = r.string(flexible)?.to_owned();
        if version >= 9 {
            response.skip_assignment = r.bool()?;
        }
        response.member_id = r.string(flexible)?.to_owned();
        response.members = r.array(flexible, JoinGroupResponseMember::min_size(version), |r| {
            JoinGroupResponseMember::read(r, version)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

impl Encode for JoinGroupResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 2 {
            w.i32(self.throttle_time_ms);
        }
        w.i16(self.error_code.0);
        w.i32(self.generation_id);
        if version >= 7 {
            w.nullable_string(flexible, self.protocol_type.as_deref());
            w.nullable_string(flexible, self.protocol_name.as_deref());
        } else {
            w.string(flexible, self.protocol_name.as_deref().unwrap_or_default());
        }
        w.string(flexible, &self.leader);
        if version >= 9 {
            w.bool(self.skip_assignment);
        }
        w.string(flexible, &self.member_id);
        w.array(flexible, &self.members, |w, member| {
            member.write(w, version)
        });
        w.empty_tagged_fields(flexible);
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
    fn sample_request(version: i16) -> JoinGroupRequest {
        JoinGroupRequest {
            group_id: "orders-app".to_owned(),
            session_timeout_ms: 45_000,
            rebalance_timeout_ms: if version >= 1 { 300_000 } else { -1 },
            member_id: "consumer-1-3f2a".to_owned(),
            group_instance_id: (version >= 5).then(|| "pod-7".to_owned()),
            protocol_type: "consumer".to_owned(),
            protocols: vec![
                JoinGroupRequestProtocol {
                    name: "cooperative-sticky".to_owned(),
                    metadata: vec![0, 3, 0, 0, 0, 1, 0, 6, b'o', b'r', b'd', b'e', b'r', b's'],
                },
                JoinGroupRequestProtocol {
                    name: "range".to_owned(),
                    metadata: vec![],
                },
            ],
            reason: (version >= 8).then(|| "rejoining after poll timeout".to_owned()),
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> JoinGroupResponse {
        JoinGroupResponse {
            throttle_time_ms: if version >= 2 { 30 } else { 0 },
            error_code: ErrorCode::NONE,
            generation_id: 12,
            protocol_type: (version >= 7).then(|| "consumer".to_owned()),
            protocol_name: Some("range".to_owned()),
            leader: "consumer-1-3f2a".to_owned(),
            skip_assignment: version >= 9,
            member_id: "consumer-1-3f2a".to_owned(),
            members: vec![
                JoinGroupResponseMember {
                    member_id: "consumer-1-3f2a".to_owned(),
                    group_instance_id: (version >= 5).then(|| "pod-7".to_owned()),
                    metadata: vec![0, 1, 2, 3],
                },
                JoinGroupResponseMember {
                    member_id: "consumer-2-88c1".to_owned(),
                    group_instance_id: None,
                    metadata: vec![],
                },
            ],
        }
    }

    #[test]
    fn test_join_group_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&JoinGroupRequest::default(), VERSIONS);
    }

    #[test]
    fn test_join_group_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&JoinGroupResponse::default(), VERSIONS);
        let failed = JoinGroupResponse {
            error_code: ErrorCode::MEMBER_ID_REQUIRED,
            protocol_name: None,
            member_id: "consumer-9".to_owned(),
            ..JoinGroupResponse::default()
        };
        assert_round_trips(&failed, 7..=9);
    }

    #[test]
    fn test_join_group_null_protocol_name_is_empty_before_v7() {
        let response = JoinGroupResponse {
            protocol_name: None,
            ..JoinGroupResponse::default()
        };
        let decoded: JoinGroupResponse = decode_exact(&encode_to_vec(&response, 6), 6);
        assert_eq!(decoded.protocol_name, Some(String::new()));
    }

    #[test]
    fn test_join_group_request_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 1, b'g',             // group_id "g"
            0, 0, 0x27, 0x10,       // session_timeout_ms 10000
            0, 0, 0x75, 0x30,       // rebalance_timeout_ms 30000
            0, 0,                   // member_id ""
            0, 1, b'i',             // group_instance_id "i"
            0, 1, b'c',             // protocol_type "c"
            0, 0, 0, 1,             // 1 protocol
            0, 5, b'r', b'a', b'n', b'g', b'e', // name "range"
            0, 0, 0, 2, 1, 2,       //   metadata [1, 2]
        ];
        let request = JoinGroupRequest {
            group_id: "g".to_owned(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 30_000,
            member_id: String::new(),
            group_instance_id: Some("i".to_owned()),
            protocol_type: "c".to_owned(),
            protocols: vec![JoinGroupRequestProtocol {
                name: "range".to_owned(),
                metadata: vec![1, 2],
            }],
            reason: None,
        };
        assert_golden(&request, 5, &bytes);
    }

    #[test]
    fn test_join_group_request_v8_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            2, b'g',                // group_id "g"
            0, 0, 0x27, 0x10,       // session_timeout_ms 10000
            0, 0, 0x75, 0x30,       // rebalance_timeout_ms 30000
            2, b'm',                // member_id "m"
            0,                      // group_instance_id null
            2, b'c',                // protocol_type "c"
            2,                      // 1 protocol
            2, b'r',                //   name "r"
            1,                      //   metadata empty
            0,                      //   no tagged fields
            3, b'h', b'i',          // reason "hi"
            0,                      // no tagged fields
        ];
        let request = JoinGroupRequest {
            group_id: "g".to_owned(),
            session_timeout_ms: 10_000,
            rebalance_timeout_ms: 30_000,
            member_id: "m".to_owned(),
            group_instance_id: None,
            protocol_type: "c".to_owned(),
            protocols: vec![JoinGroupRequestProtocol {
                name: "r".to_owned(),
                metadata: vec![],
            }],
            reason: Some("hi".to_owned()),
        };
        assert_golden(&request, 8, &bytes);
    }

    #[test]
    fn test_join_group_response_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0,                   // error_code NONE
            0, 0, 0, 3,             // generation_id 3
            0, 1, b'r',             // protocol_name "r"
            0, 1, b'm',             // leader "m"
            0, 1, b'm',             // member_id "m"
            0, 0, 0, 1,             // 1 member
            0, 1, b'm',             //   member_id "m"
            0xff, 0xff,             //   group_instance_id null
            0, 0, 0, 1, 7,          //   metadata [7]
        ];
        let response = JoinGroupResponse {
            generation_id: 3,
            protocol_name: Some("r".to_owned()),
            leader: "m".to_owned(),
            member_id: "m".to_owned(),
            members: vec![JoinGroupResponseMember {
                member_id: "m".to_owned(),
                group_instance_id: None,
                metadata: vec![7],
            }],
            ..JoinGroupResponse::default()
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_join_group_response_v9_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0,                   // error_code NONE
            0, 0, 0, 4,             // generation_id 4
            2, b'c',                // protocol_type "c"
            2, b'r',                // protocol_name "r"
            2, b'l',                // leader "l"
            1,                      // skip_assignment true
            2, b'l',                // member_id "l"
            2,                      // 1 member
            2, b'l',                //   member_id "l"
            2, b'i',                //   group_instance_id "i"
            1,                      //   metadata empty
            0,                      //   no tagged fields
            0,                      // no tagged fields
        ];
        let response = JoinGroupResponse {
            generation_id: 4,
            protocol_type: Some("c".to_owned()),
            protocol_name: Some("r".to_owned()),
            leader: "l".to_owned(),
            skip_assignment: true,
            member_id: "l".to_owned(),
            members: vec![JoinGroupResponseMember {
                member_id: "l".to_owned(),
                group_instance_id: Some("i".to_owned()),
                metadata: vec![],
            }],
            ..JoinGroupResponse::default()
        };
        assert_golden(&response, 9, &bytes);
    }

    #[test]
    fn test_join_group_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            assert_eq!(
                written_len(|w| JoinGroupRequestProtocol::default().write(w, flexible)),
                JoinGroupRequestProtocol::min_size(flexible)
            );
            assert_eq!(
                written_len(|w| JoinGroupResponseMember::default().write(w, version)),
                JoinGroupResponseMember::min_size(version)
            );
        }
    }

    proptest! {
        #[test]
        fn test_join_group_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<JoinGroupRequest>(&bytes, VERSIONS);
            decode_without_panicking::<JoinGroupResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_join_group_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<JoinGroupRequest>(&bytes, [version]);
                decode_without_panicking::<JoinGroupResponse>(&bytes, [version]);
            }
        }
    }
}
