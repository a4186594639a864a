//! DeleteGroups (key 42): delete empty groups and their committed offsets.
//!
//! Every version has the same fields; v2 is the flexible encoding of v1.

use std::ops::RangeInclusive;

use crate::codec::min_size::{string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 sends the response before throttling, 2 is flexible.
pub const VERSIONS: RangeInclusive<i16> = 0..=2;
const FLEXIBLE: i16 = 2;

/// Sent to each group's coordinator by admin clients; a group with members is refused
/// with NON_EMPTY_GROUP rather than having its members evicted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteGroupsRequest {
    pub groups_names: Vec<String>,
}

impl Decode for DeleteGroupsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let groups_names = r.array(flexible, string_min(flexible), |r| {
            Ok(r.string(flexible)?.to_owned())
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self { groups_names })
    }
}

impl Encode for DeleteGroupsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.groups_names, |w, name| {
            w.string(flexible, name)
        });
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteGroupsResponse {
    pub throttle_time_ms: i32,
    /// One per requested group, so one failure does not fail the others.
    pub results: Vec<DeletableGroupResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletableGroupResult {
    pub group_id: String,
    pub error_code: ErrorCode,
}

impl DeletableGroupResult {
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + 2 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let result = Self {
            group_id: r.string(flexible)?.to_owned(),
            error_code: ErrorCode(r.i16()?),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.group_id);
        w.i16(self.error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DeleteGroupsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        let results = r.array(flexible, DeletableGroupResult::min_size(flexible), |r| {
            DeletableGroupResult::read(r, flexible)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            results,
        })
    }
}

impl Encode for DeleteGroupsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.results, |w, result| {
            result.write(w, flexible)
        });
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

    fn sample_request() -> DeleteGroupsRequest {
        DeleteGroupsRequest {
            groups_names: vec!["orders-app".to_owned(), "billing".to_owned()],
        }
    }

    fn sample_response() -> DeleteGroupsResponse {
        DeleteGroupsResponse {
            throttle_time_ms: 30,
            results: vec![
                DeletableGroupResult {
                    group_id: "orders-app".to_owned(),
                    error_code: ErrorCode::NONE,
                },
                DeletableGroupResult {
                    group_id: "billing".to_owned(),
                    error_code: ErrorCode::NON_EMPTY_GROUP,
                },
            ],
        }
    }

    #[test]
    fn test_delete_groups_round_trips_in_every_version() {
        assert_round_trips(&sample_request(), VERSIONS);
        assert_round_trips(&DeleteGroupsRequest::default(), VERSIONS);
        assert_round_trips(&sample_response(), VERSIONS);
        assert_round_trips(&DeleteGroupsResponse::default(), VERSIONS);
    }

    #[test]
    fn test_delete_groups_request_golden_bytes() {
        let request = DeleteGroupsRequest {
            groups_names: vec!["a".to_owned(), "bc".to_owned()],
        };
        #[rustfmt::skip]
        let v1 = [
            0, 0, 0, 2,             // 2 group names
            0, 1, b'a',             //   "a"
            0, 2, b'b', b'c',       //   "bc"
        ];
        assert_golden(&request, 1, &v1);
        #[rustfmt::skip]
        let v2 = [
            3,                      // 2 group names
            2, b'a',                //   "a"
            3, b'b', b'c',          //   "bc"
            0,                      // no tagged fields
        ];
        assert_golden(&request, 2, &v2);
    }

    #[test]
    fn test_delete_groups_response_golden_bytes() {
        let response = DeleteGroupsResponse {
            throttle_time_ms: 0,
            results: vec![DeletableGroupResult {
                group_id: "g".to_owned(),
                error_code: ErrorCode::NON_EMPTY_GROUP,
            }],
        };
        #[rustfmt::skip]
        let v0 = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0, 0, 1,             // 1 result
            0, 1, b'g',             //   group_id "g"
            0, 68,                  //   error_code NON_EMPTY_GROUP
        ];
        assert_golden(&response, 0, &v0);
        #[rustfmt::skip]
        let v2 = [
            0, 0, 0, 0,             // throttle_time_ms 0
            2,                      // 1 result
            2, b'g',                //   group_id "g"
            0, 68,                  //   error_code NON_EMPTY_GROUP
            0,                      //   no tagged fields
            0,                      // no tagged fields
        ];
        assert_golden(&response, 2, &v2);
    }

    #[test]
    fn test_delete_groups_result_min_size_matches_the_smallest_encoding() {
        let result = DeletableGroupResult {
            group_id: String::new(),
            error_code: ErrorCode::NONE,
        };
        for flexible in [false, true] {
            assert_eq!(
                written_len(|w| result.write(w, flexible)),
                DeletableGroupResult::min_size(flexible)
            );
        }
    }

    proptest! {
        #[test]
        fn test_delete_groups_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<DeleteGroupsRequest>(&bytes, VERSIONS);
            decode_without_panicking::<DeleteGroupsResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_delete_groups_decoders_never_panic_on_corrupted_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(), version),
                encode_to_vec(&sample_response(), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<DeleteGroupsRequest>(&bytes, [version]);
                decode_without_panicking::<DeleteGroupsResponse>(&bytes, [version]);
            }
        }
    }
}
