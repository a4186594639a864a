//! ListGroups (key 16): the groups a broker coordinates, optionally filtered by state
//! and type.
//!
//! The filters exist from v4 (states) and v5 (types), the matching fields of each
//! listed group likewise; before, they are skipped when encoding and decode empty.

use std::ops::RangeInclusive;

use crate::codec::min_size::{string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds throttle time, 4 the state filter and each group's state (KIP-518), 5 the
/// type filter and each group's type (KIP-848).
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 3;

/// Admin clients send this to every broker and merge the answers, since each broker
/// lists only the groups it coordinates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListGroupsRequest {
    /// v4+; empty lists groups in every state, e.g. "Stable", "Empty".
    pub states_filter: Vec<String>,
    /// v5+; empty lists groups of every type, e.g. "classic", "consumer".
    pub types_filter: Vec<String>,
}

impl Decode for ListGroupsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        if version >= 4 {
            request.states_filter = read_strings(r, flexible)?;
        }
        if version >= 5 {
            request.types_filter = read_strings(r, flexible)?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for ListGroupsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 4 {
            w.array(flexible, &self.states_filter, |w, s| w.string(flexible, s));
        }
        if version >= 5 {
            w.array(flexible, &self.types_filter, |w, s| w.string(flexible, s));
        }
        w.empty_tagged_fields(flexible);
    }
}

fn read_strings(r: &mut Reader<'_>, flexible: bool) -> Result<Vec<String>, DecodeError> {
    r.array(flexible, string_min(flexible), |r| {
        Ok(r.string(flexible)?.to_owned())
    })
}

/// A coordinator still loading its groups answers COORDINATOR_LOAD_IN_PROGRESS rather
/// than a partial list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListGroupsResponse {
    /// v1+.
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    pub groups: Vec<ListedGroup>,
}

impl Default for ListGroupsResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            groups: Vec::new(),
        }
    }
}

/// Enough to tell consumer groups from other kinds without describing each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListedGroup {
    pub group_id: String,
    /// `""` for a group that only commits offsets.
    pub protocol_type: String,
    /// v4+.
    pub group_state: String,
    /// v5+.
    pub group_type: String,
}

impl ListedGroup {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        s + s + when(version >= 4, s) + when(version >= 5, s) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut group = Self {
            group_id: r.string(flexible)?.to_owned(),
            protocol_type: r.string(flexible)?.to_owned(),
            ..Self::default()
        };
        if version >= 4 {
            group.group_state = r.string(flexible)?.to_owned();
        }
        if version >= 5 {
            group.group_type = r.string(flexible)?.to_owned();
        }
        r.skip_tagged_fields(flexible)?;
        Ok(group)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.group_id);
        w.string(flexible, &self.protocol_type);
        if version >= 4 {
            w.string(flexible, &self.group_state);
        }
        if version >= 5 {
            w.string(flexible, &self.group_type);
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for ListGroupsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = if version >= 1 { r.i32()? } else { 0 };
        let error_code = ErrorCode(r.i16()?);
        let groups = r.array(flexible, ListedGroup::min_size(version), |r| {
            ListedGroup::read(r, version)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            error_code,
            groups,
        })
    }
}

impl Encode for ListGroupsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        w.i16(self.error_code.0);
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
    fn sample_request(version: i16) -> ListGroupsRequest {
        ListGroupsRequest {
            states_filter: if version >= 4 {
                vec!["Stable".to_owned(), "Empty".to_owned()]
            } else {
                vec![]
            },
            types_filter: if version >= 5 {
                vec!["classic".to_owned()]
            } else {
                vec![]
            },
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> ListGroupsResponse {
        let (stable, empty) = if version >= 4 {
            ("Stable", "Empty")
        } else {
            ("", "")
        };
        let group_type = if version >= 5 { "classic" } else { "" };
        ListGroupsResponse {
            throttle_time_ms: if version >= 1 { 30 } else { 0 },
            error_code: ErrorCode::NONE,
            groups: vec![
                ListedGroup {
                    group_id: "orders-app".to_owned(),
                    protocol_type: "consumer".to_owned(),
                    group_state: stable.to_owned(),
                    group_type: group_type.to_owned(),
                },
                ListedGroup {
                    group_id: "offsets-only".to_owned(),
                    protocol_type: String::new(),
                    group_state: empty.to_owned(),
                    group_type: group_type.to_owned(),
                },
            ],
        }
    }

    #[test]
    fn test_list_groups_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&ListGroupsRequest::default(), VERSIONS);
    }

    #[test]
    fn test_list_groups_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&ListGroupsResponse::default(), VERSIONS);
        let failed = ListGroupsResponse {
            error_code: ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
            ..ListGroupsResponse::default()
        };
        assert_round_trips(&failed, VERSIONS);
    }

    #[test]
    fn test_list_groups_request_golden_bytes() {
        // v0-2 have no fields at all; v3 only the tagged-field section.
        assert_golden(&ListGroupsRequest::default(), 2, &[]);
        assert_golden(&ListGroupsRequest::default(), 3, &[0]);
        #[rustfmt::skip]
        let v5 = [
            2,                      // 1 state
            3, b'S', b't',          //   "St"
            3,                      // 2 types
            2, b'a',                //   "a"
            2, b'b',                //   "b"
            0,                      // no tagged fields
        ];
        let request = ListGroupsRequest {
            states_filter: vec!["St".to_owned()],
            types_filter: vec!["a".to_owned(), "b".to_owned()],
        };
        assert_golden(&request, 5, &v5);
    }

    #[test]
    fn test_list_groups_response_v2_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms 0
            0, 0,                   // error_code NONE
            0, 0, 0, 1,             // 1 group
            0, 1, b'g',             //   group_id "g"
            0, 1, b'c',             //   protocol_type "c"
        ];
        let response = ListGroupsResponse {
            groups: vec![ListedGroup {
                group_id: "g".to_owned(),
                protocol_type: "c".to_owned(),
                ..ListedGroup::default()
            }],
            ..ListGroupsResponse::default()
        };
        assert_golden(&response, 2, &bytes);
    }

    #[test]
    fn test_list_groups_response_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 3,             // throttle_time_ms 3
            0, 0,                   // error_code NONE
            2,                      // 1 group
            2, b'g',                //   group_id "g"
            1,                      //   protocol_type ""
            6, b'E', b'm', b'p', b't', b'y', // group_state "Empty"
            2, b'c',                //   group_type "c"
            0,                      //   no tagged fields
            0,                      // no tagged fields
        ];
        let response = ListGroupsResponse {
            throttle_time_ms: 3,
            error_code: ErrorCode::NONE,
            groups: vec![ListedGroup {
                group_id: "g".to_owned(),
                protocol_type: String::new(),
                group_state: "Empty".to_owned(),
                group_type: "c".to_owned(),
            }],
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_list_groups_min_size_matches_the_smallest_encoding() {
        for version in VERSIONS {
            assert_eq!(
                written_len(|w| ListedGroup::default().write(w, version)),
                ListedGroup::min_size(version)
            );
        }
    }

    proptest! {
        #[test]
        fn test_list_groups_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<ListGroupsRequest>(&bytes, VERSIONS);
            decode_without_panicking::<ListGroupsResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_list_groups_decoders_never_panic_on_corrupted_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            // A v0-2 request is empty: there is nothing to damage.
            for message in [
                encode_to_vec(&sample_request(version), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                if message.is_empty() {
                    continue;
                }
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<ListGroupsRequest>(&bytes, [version]);
                decode_without_panicking::<ListGroupsResponse>(&bytes, [version]);
            }
        }
    }
}
