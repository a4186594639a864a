//! DeleteTopics (key 20): delete topics by name, or from v6 by name or id.
//!
//! Version 0 is deprecated and not served. Up to v5 the request names topics in
//! `topic_names`; from v6 in `topics` (each a name or an id). Each field is written only
//! in the versions that have it, so a caller fills the one its version uses. A `None`
//! name in a version whose names are not nullable is written as the empty string.

use std::ops::RangeInclusive;

use crate::codec::min_size::{string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 1..=6;
const FLEXIBLE: i16 = 4;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteTopicsRequest {
    /// v6+.
    pub topics: Vec<DeleteTopicState>,
    /// v0-5.
    pub topic_names: Vec<String>,
    pub timeout_ms: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteTopicState {
    /// `None` when the topic is given by id.
    pub name: Option<String>,
    /// All zeros when the topic is given by name.
    pub topic_id: [u8; 16],
}

impl Decode for DeleteTopicsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        if version >= 6 {
            request.topics = r.array(
                flexible,
                string_min(flexible) + 16 + tags_min(flexible),
                |r| {
                    let topic = DeleteTopicState {
                        name: r.nullable_string(flexible)?.map(str::to_owned),
                        topic_id: r.uuid()?,
                    };
                    r.skip_tagged_fields(flexible)?;
                    Ok(topic)
                },
            )?;
        } else {
            request.topic_names = r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?;
        }
        request.timeout_ms = r.i32()?;
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for DeleteTopicsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 6 {
            w.array(flexible, &self.topics, |w, topic| {
                w.nullable_string(flexible, topic.name.as_deref());
                w.uuid(&topic.topic_id);
                w.empty_tagged_fields(flexible);
            });
        } else {
            w.array(flexible, &self.topic_names, |w, name| {
                w.string(flexible, name)
            });
        }
        w.i32(self.timeout_ms);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteTopicsResponse {
    /// v1+.
    pub throttle_time_ms: i32,
    pub responses: Vec<DeletableTopicResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletableTopicResult {
    /// Nullable from v6 (an unknown topic given by id).
    pub name: Option<String>,
    /// v6+.
    pub topic_id: [u8; 16],
    pub error_code: ErrorCode,
    /// v5+.
    pub error_message: Option<String>,
}

impl DeletableTopicResult {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        s + when(version >= 6, 16) + 2 + when(version >= 5, s) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let name = if version >= 6 {
            r.nullable_string(flexible)?.map(str::to_owned)
        } else {
            Some(r.string(flexible)?.to_owned())
        };
        let topic_id = if version >= 6 { r.uuid()? } else { [0; 16] };
        let error_code = ErrorCode(r.i16()?);
        let error_message = if version >= 5 {
            r.nullable_string(flexible)?.map(str::to_owned)
        } else {
            None
        };
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            name,
            topic_id,
            error_code,
            error_message,
        })
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 6 {
            w.nullable_string(flexible, self.name.as_deref());
            w.uuid(&self.topic_id);
        } else {
            w.string(flexible, self.name.as_deref().unwrap_or_default());
        }
        w.i16(self.error_code.0);
        if version >= 5 {
            w.nullable_string(flexible, self.error_message.as_deref());
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DeleteTopicsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = if version >= 1 { r.i32()? } else { 0 };
        let responses = r.array(flexible, DeletableTopicResult::min_size(version), |r| {
            DeletableTopicResult::read(r, version)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            responses,
        })
    }
}

impl Encode for DeleteTopicsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        w.array(flexible, &self.responses, |w, result| {
            result.write(w, version)
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

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> DeleteTopicsRequest {
        if version >= 6 {
            DeleteTopicsRequest {
                topics: vec![
                    DeleteTopicState {
                        name: Some("orders".to_owned()),
                        topic_id: [0; 16],
                    },
                    DeleteTopicState {
                        name: None,
                        topic_id: [8; 16],
                    },
                ],
                topic_names: vec![],
                timeout_ms: 15_000,
            }
        } else {
            DeleteTopicsRequest {
                topics: vec![],
                topic_names: vec!["orders".to_owned(), "payments".to_owned()],
                timeout_ms: 15_000,
            }
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> DeleteTopicsResponse {
        DeleteTopicsResponse {
            throttle_time_ms: 20,
            responses: vec![
                DeletableTopicResult {
                    name: Some("orders".to_owned()),
                    topic_id: if version >= 6 { [5; 16] } else { [0; 16] },
                    error_code: ErrorCode::NONE,
                    error_message: None,
                },
                DeletableTopicResult {
                    name: if version >= 6 {
                        None
                    } else {
                        Some("payments".to_owned())
                    },
                    topic_id: if version >= 6 { [8; 16] } else { [0; 16] },
                    error_code: ErrorCode::UNKNOWN_TOPIC_ID,
                    error_message: (version >= 5).then(|| "no such topic".to_owned()),
                },
            ],
        }
    }

    #[test]
    fn test_delete_topics_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&DeleteTopicsRequest::default(), VERSIONS);
    }

    #[test]
    fn test_delete_topics_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&DeleteTopicsResponse::default(), VERSIONS);
    }

    #[test]
    fn test_delete_topics_request_golden_bytes() {
        #[rustfmt::skip]
        let v3 = [
            0, 0, 0, 2,             // 2 topic names
            0, 1, b'a',             // "a"
            0, 2, b'b', b'c',       // "bc"
            0, 0, 0x75, 0x30,       // timeout_ms 30000
        ];
        let request = DeleteTopicsRequest {
            topic_names: vec!["a".to_owned(), "bc".to_owned()],
            timeout_ms: 30_000,
            ..DeleteTopicsRequest::default()
        };
        assert_eq!(encode_to_vec(&request, 3), v3);
        assert_eq!(
            DeleteTopicsRequest::decode(&mut Reader::new(&v3), 3).unwrap(),
            request
        );

        let mut v6 = vec![
            3, // 2 topics
            2, b'a', // name "a"
        ];
        v6.extend([0; 16]); // topic_id zero
        v6.extend([0, 0]); // no tagged fields; name null
        v6.extend([0x77; 16]); // topic_id
        v6.extend([0, 0, 0, 0, 100, 0]); // no tagged fields; timeout_ms 100; no tagged fields
        let request = DeleteTopicsRequest {
            topics: vec![
                DeleteTopicState {
                    name: Some("a".to_owned()),
                    topic_id: [0; 16],
                },
                DeleteTopicState {
                    name: None,
                    topic_id: [0x77; 16],
                },
            ],
            topic_names: vec![],
            timeout_ms: 100,
        };
        assert_golden(&request, 6, &v6);
    }

    #[test]
    fn test_delete_topics_response_v5_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms
            2,                      // 1 result
            2, b't',                // name "t"
            0, 73,                  // error_code TOPIC_DELETION_DISABLED
            3, b'n', b'o',          // error_message "no"
            0,                      // no tagged fields
            0,                      // no tagged fields
        ];
        let response = DeleteTopicsResponse {
            throttle_time_ms: 0,
            responses: vec![DeletableTopicResult {
                name: Some("t".to_owned()),
                topic_id: [0; 16],
                error_code: ErrorCode::TOPIC_DELETION_DISABLED,
                error_message: Some("no".to_owned()),
            }],
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_delete_topics_result_min_size_matches_the_smallest_encoding() {
        for version in VERSIONS {
            let result = DeletableTopicResult {
                name: Some(String::new()),
                topic_id: [0; 16],
                error_code: ErrorCode::NONE,
                error_message: None,
            };
            assert_eq!(
                written_len(|w| result.write(w, version)),
                DeletableTopicResult::min_size(version)
            );
        }
    }

    proptest! {
        #[test]
        fn test_delete_topics_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<DeleteTopicsRequest>(&bytes, VERSIONS);
            decode_without_panicking::<DeleteTopicsResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_delete_topics_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<DeleteTopicsRequest>(&bytes, [version]);
                decode_without_panicking::<DeleteTopicsResponse>(&bytes, [version]);
            }
        }
    }
}
