//! FindCoordinator (key 10): which broker coordinates a group, a transactional id or a
//! share group.
//!
//! Up to v3 a request names one key and the response answers in its top-level fields;
//! from v4 (KIP-699) a request names a batch of keys and the response answers each in
//! `coordinators`. Each version reads and writes only its own fields; the others keep
//! their defaults, so a caller fills the ones its version uses.

use std::ops::RangeInclusive;

use crate::codec::min_size::{string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds key_type, throttle time and error messages, 4 batches keys (KIP-699), 5
/// TRANSACTION_ABORTABLE (KIP-890), 6 share-group keys (KIP-932).
pub const VERSIONS: RangeInclusive<i16> = 0..=6;
const FLEXIBLE: i16 = 3;
/// First version with `coordinator_keys` and per-key `coordinators`.
const BATCHED: i16 = 4;

/// `key_type` values: the key is a consumer group id, a transactional id, or (v6+) a
/// share group id.
pub const KEY_TYPE_GROUP: i8 = 0;
pub const KEY_TYPE_TRANSACTION: i8 = 1;
pub const KEY_TYPE_SHARE: i8 = 2;

/// Any broker answers this, so a client can find the one broker it must send its group
/// or transaction requests to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindCoordinatorRequest {
    /// v0-3.
    pub key: String,
    /// v1+; v0 only looks up groups.
    pub key_type: i8,
    /// v4+.
    pub coordinator_keys: Vec<String>,
}

impl Decode for FindCoordinatorRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        if version < BATCHED {
            request.key = r.string(flexible)?.to_owned();
        }
        if version >= 1 {
            request.key_type = r.i8()?;
        }
        if version >= BATCHED {
            request.coordinator_keys = r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for FindCoordinatorRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version < BATCHED {
            w.string(flexible, &self.key);
        }
        if version >= 1 {
            w.i8(self.key_type);
        }
        if version >= BATCHED {
            w.array(flexible, &self.coordinator_keys, |w, key| {
                w.string(flexible, key)
            });
        }
        w.empty_tagged_fields(flexible);
    }
}

/// The top-level fields answer a v0-3 request; `coordinators` answers a v4+ one, so
/// one key's failure does not fail the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindCoordinatorResponse {
    /// v1+.
    pub throttle_time_ms: i32,
    /// v0-3.
    pub error_code: ErrorCode,
    /// v1-3.
    pub error_message: Option<String>,
    /// v0-3.
    pub node_id: i32,
    /// v0-3.
    pub host: String,
    /// v0-3.
    pub port: i32,
    /// v4+: one per requested key.
    pub coordinators: Vec<Coordinator>,
}

impl Default for FindCoordinatorResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            error_message: None,
            node_id: 0,
            host: String::new(),
            port: 0,
            coordinators: Vec::new(),
        }
    }
}

/// One key's coordinator, or why it could not be found (e.g. COORDINATOR_NOT_AVAILABLE
/// while its partition loads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coordinator {
    pub key: String,
    pub node_id: i32,
    pub host: String,
    pub port: i32,
    pub error_code: ErrorCode,
    pub error_message: Option<String>,
}

impl Coordinator {
    fn min_size(flexible: bool) -> usize {
        let s = string_min(flexible);
        s + 4 + s + 4 + 2 + s + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let coordinator = Self {
            key: r.string(flexible)?.to_owned(),
            node_id: r.i32()?,
            host: r.string(flexible)?.to_owned(),
            port: r.i32()?,
            error_code: ErrorCode(r.i16()?),
            error_message: r.nullable_string(flexible)?.map(str::to_owned),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(coordinator)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.key);
        w.i32(self.node_id);
        w.string(flexible, &self.host);
        w.i32(self.port);
        w.i16(self.error_code.0);
        w.nullable_string(flexible, self.error_message.as_deref());
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for FindCoordinatorResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 1 {
            response.throttle_time_ms = r.i32()?;
        }
        if version < BATCHED {
            response.error_code = ErrorCode(r.i16()?);
            if version >= 1 {
                response.error_message = r.nullable_string(flexible)?.map(str::to_owned);
            }
            response.node_id = r.i32()?;
            response.host = r.string(flexible)?.to_owned();
            response.port = r.i32()?;
        } else {
            response.coordinators = r.array(flexible, Coordinator::min_size(flexible), |r| {
                Coordinator::read(r, flexible)
            })?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

impl Encode for FindCoordinatorResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        if version < BATCHED {
            w.i16(self.error_code.0);
            if version >= 1 {
                w.nullable_string(flexible, self.error_message.as_deref());
            }
            w.i32(self.node_id);
            w.string(flexible, &self.host);
            w.i32(self.port);
        } else {
            w.array(flexible, &self.coordinators, |w, coordinator| {
                coordinator.write(w, flexible)
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
    fn sample_request(version: i16) -> FindCoordinatorRequest {
        let batched = version >= BATCHED;
        FindCoordinatorRequest {
            key: if batched {
                String::new()
            } else {
                "payments-txn".to_owned()
            },
            key_type: match version {
                0 => KEY_TYPE_GROUP,
                6 => KEY_TYPE_SHARE,
                _ => KEY_TYPE_TRANSACTION,
            },
            coordinator_keys: if batched {
                vec!["payments-txn".to_owned(), "orders-txn".to_owned()]
            } else {
                vec![]
            },
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> FindCoordinatorResponse {
        if version >= BATCHED {
            FindCoordinatorResponse {
                throttle_time_ms: 25,
                coordinators: vec![
                    Coordinator {
                        key: "payments-txn".to_owned(),
                        node_id: 2,
                        host: "broker-2".to_owned(),
                        port: 9092,
                        error_code: ErrorCode::NONE,
                        error_message: None,
                    },
                    Coordinator {
                        key: "orders-txn".to_owned(),
                        node_id: -1,
                        host: String::new(),
                        port: -1,
                        error_code: ErrorCode::COORDINATOR_NOT_AVAILABLE,
                        error_message: Some("loading".to_owned()),
                    },
                ],
                ..FindCoordinatorResponse::default()
            }
        } else {
            FindCoordinatorResponse {
                throttle_time_ms: if version >= 1 { 25 } else { 0 },
                error_code: ErrorCode::NOT_COORDINATOR,
                error_message: (version >= 1).then(|| "moved".to_owned()),
                node_id: 2,
                host: "broker-2".to_owned(),
                port: 9092,
                coordinators: vec![],
            }
        }
    }

    #[test]
    fn test_find_coordinator_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&FindCoordinatorRequest::default(), VERSIONS);
    }

    #[test]
    fn test_find_coordinator_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&FindCoordinatorResponse::default(), VERSIONS);
    }

    #[test]
    fn test_find_coordinator_request_v1_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 2, b'g', b'1',       // key "g1"
            0,                      // key_type GROUP
        ];
        let request = FindCoordinatorRequest {
            key: "g1".to_owned(),
            key_type: KEY_TYPE_GROUP,
            coordinator_keys: vec![],
        };
        assert_golden(&request, 1, &bytes);
    }

    #[test]
    fn test_find_coordinator_request_v4_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            1,                      // key_type TRANSACTION
            3,                      // 2 coordinator keys
            2, b'a',                //   "a"
            3, b't', b'x',          //   "tx"
            0,                      // no tagged fields
        ];
        let request = FindCoordinatorRequest {
            key: String::new(),
            key_type: KEY_TYPE_TRANSACTION,
            coordinator_keys: vec!["a".to_owned(), "tx".to_owned()],
        };
        assert_golden(&request, 4, &bytes);
    }

    #[test]
    fn test_find_coordinator_response_v2_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0,                   // error_code NONE
            0xff, 0xff,             // error_message null
            0, 0, 0, 1,             // node_id 1
            0, 1, b'h',             // host "h"
            0, 0, 0x23, 0x84,       // port 9092
        ];
        let response = FindCoordinatorResponse {
            node_id: 1,
            host: "h".to_owned(),
            port: 9092,
            ..FindCoordinatorResponse::default()
        };
        assert_golden(&response, 2, &bytes);
    }

    #[test]
    fn test_find_coordinator_response_v3_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 5,             // throttle_time_ms 5
            0, 15,                  // error_code COORDINATOR_NOT_AVAILABLE
            3, b'n', b'o',          // error_message "no"
            0xff, 0xff, 0xff, 0xff, // node_id -1
            1,                      // host ""
            0xff, 0xff, 0xff, 0xff, // port -1
            0,                      // no tagged fields
        ];
        let response = FindCoordinatorResponse {
            throttle_time_ms: 5,
            error_code: ErrorCode::COORDINATOR_NOT_AVAILABLE,
            error_message: Some("no".to_owned()),
            node_id: -1,
            host: String::new(),
            port: -1,
            coordinators: vec![],
        };
        assert_golden(&response, 3, &bytes);
    }

    #[test]
    fn test_find_coordinator_response_v6_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            2,                      // 1 coordinator
            2, b'g',                //   key "g"
            0, 0, 0, 1,             //   node_id 1
            2, b'h',                //   host "h"
            0, 0, 0x23, 0x84,       //   port 9092
            0, 0,                   //   error_code NONE
            0,                      //   error_message null
            0,                      //   no tagged fields
            0,                      // no tagged fields
        ];
        let response = FindCoordinatorResponse {
            coordinators: vec![Coordinator {
                key: "g".to_owned(),
                node_id: 1,
                host: "h".to_owned(),
                port: 9092,
                error_code: ErrorCode::NONE,
                error_message: None,
            }],
            ..FindCoordinatorResponse::default()
        };
        assert_golden(&response, 6, &bytes);
    }

    #[test]
    fn test_find_coordinator_min_size_matches_the_smallest_encoding() {
        let coordinator = Coordinator {
            key: String::new(),
            node_id: 0,
            host: String::new(),
            port: 0,
            error_code: ErrorCode::NONE,
            error_message: None,
        };
        for flexible in [false, true] {
            assert_eq!(
                written_len(|w| coordinator.write(w, flexible)),
                Coordinator::min_size(flexible)
            );
        }
    }

    proptest! {
        #[test]
        fn test_find_coordinator_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<FindCoordinatorRequest>(&bytes, VERSIONS);
            decode_without_panicking::<FindCoordinatorResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_find_coordinator_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<FindCoordinatorRequest>(&bytes, [version]);
                decode_without_panicking::<FindCoordinatorResponse>(&bytes, [version]);
            }
        }
    }
}
