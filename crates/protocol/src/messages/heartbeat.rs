//! Heartbeat (key 12): a classic group member tells the coordinator it is alive, and
//! learns from the error code whether a rebalance has begun.
//!
//! `group_instance_id` exists from v3; before, it is skipped when encoding and decodes
//! as null.

use std::ops::RangeInclusive;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds throttle time, 3 static membership (KIP-345).
pub const VERSIONS: RangeInclusive<i16> = 0..=4;
const FLEXIBLE: i16 = 4;

/// A member that stops sending these for the session timeout is removed from the group
/// and its partitions reassigned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeartbeatRequest {
    pub group_id: String,
    /// A stale generation gets ILLEGAL_GENERATION, telling the member to rejoin.
    pub generation_id: i32,
    pub member_id: String,
    /// v3+.
    pub group_instance_id: Option<String>,
}

impl Decode for HeartbeatRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            group_id: r.string(flexible)?.to_owned(),
            generation_id: r.i32()?,
            member_id: r.string(flexible)?.to_owned(),
            group_instance_id: None,
        };
        if version >= 3 {
            request.group_instance_id = r.nullable_string(flexible)?.map(str::to_owned);
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for HeartbeatRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.group_id);
        w.i32(self.generation_id);
        w.string(flexible, &self.member_id);
        if version >= 3 {
            w.nullable_string(flexible, self.group_instance_id.as_deref());
        }
        w.empty_tagged_fields(flexible);
    }
}

/// REBALANCE_IN_PROGRESS here is how a member learns it must rejoin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatResponse {
    /// v1+.
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
}

impl Default for HeartbeatResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
        }
    }
}

impl Decode for HeartbeatResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = if version >= 1 { r.i32()? } else { 0 };
        let error_code = ErrorCode(r.i16()?);
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            error_code,
        })
    }
}

impl Encode for HeartbeatResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        w.i16(self.error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_without_panicking, encode_to_vec,
    };

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> HeartbeatRequest {
        HeartbeatRequest {
            group_id: "orders-app".to_owned(),
            generation_id: 12,
            member_id: "consumer-1-3f2a".to_owned(),
            group_instance_id: (version >= 3).then(|| "pod-7".to_owned()),
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> HeartbeatResponse {
        HeartbeatResponse {
            throttle_time_ms: if version >= 1 { 30 } else { 0 },
            error_code: ErrorCode::REBALANCE_IN_PROGRESS,
        }
    }

    #[test]
    fn test_heartbeat_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&HeartbeatRequest::default(), VERSIONS);
        assert_round_trips(&HeartbeatResponse::default(), VERSIONS);
    }

    #[test]
    fn test_heartbeat_request_v3_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 1, b'g',             // group_id "g"
            0, 0, 0, 5,             // generation_id 5
            0, 2, b'm', b'1',       // member_id "m1"
            0, 1, b'i',             // group_instance_id "i"
        ];
        let request = HeartbeatRequest {
            group_id: "g".to_owned(),
            generation_id: 5,
            member_id: "m1".to_owned(),
            group_instance_id: Some("i".to_owned()),
        };
        assert_golden(&request, 3, &bytes);
    }

    #[test]
    fn test_heartbeat_request_v4_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            2, b'g',                // group_id "g"
            0xff, 0xff, 0xff, 0xff, // generation_id -1
            2, b'm',                // member_id "m"
            0,                      // group_instance_id null
            0,                      // no tagged fields
        ];
        let request = HeartbeatRequest {
            group_id: "g".to_owned(),
            generation_id: -1,
            member_id: "m".to_owned(),
            group_instance_id: None,
        };
        assert_golden(&request, 4, &bytes);
    }

    #[test]
    fn test_heartbeat_response_golden_bytes() {
        let response = HeartbeatResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::REBALANCE_IN_PROGRESS,
        };
        #[rustfmt::skip]
        let v0 = [
            0, 27,                  // error_code REBALANCE_IN_PROGRESS
        ];
        assert_golden(&response, 0, &v0);
        #[rustfmt::skip]
        let v4 = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 27,                  // error_code REBALANCE_IN_PROGRESS
            0,                      // no tagged fields
        ];
        assert_golden(&response, 4, &v4);
    }

    proptest! {
        #[test]
        fn test_heartbeat_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..128),
        ) {
            decode_without_panicking::<HeartbeatRequest>(&bytes, VERSIONS);
            decode_without_panicking::<HeartbeatResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_heartbeat_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<HeartbeatRequest>(&bytes, [version]);
                decode_without_panicking::<HeartbeatResponse>(&bytes, [version]);
            }
        }
    }
}
