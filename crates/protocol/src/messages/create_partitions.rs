//! CreatePartitions (key 37): raise topics' partition counts, optionally placing the
//! new partitions.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 0..=3;
const FLEXIBLE: i16 = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatePartitionsRequest {
    pub topics: Vec<CreatePartitionsTopic>,
    pub timeout_ms: i32,
    pub validate_only: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatePartitionsTopic {
    pub name: String,
    /// The new total partition count.
    pub count: i32,
    /// One entry per new partition; `None` to let the broker place them.
    pub assignments: Option<Vec<CreatePartitionsAssignment>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatePartitionsAssignment {
    pub broker_ids: Vec<i32>,
}

impl CreatePartitionsTopic {
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + 4 + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let name = r.string(flexible)?.to_owned();
        let count = r.i32()?;
        let assignment_min = array_min(flexible) + tags_min(flexible);
        let assignments = r.nullable_array(flexible, assignment_min, |r| {
            let assignment = CreatePartitionsAssignment {
                broker_ids: r.array(flexible, 4, |r| r.i32())?,
            };
            r.skip_tagged_fields(flexible)?;
            Ok(assignment)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            name,
            count,
            assignments,
        })
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.i32(self.count);
        match &self.assignments {
            Some(assignments) => w.array(flexible, assignments, |w, assignment| {
                w.array(flexible, &assignment.broker_ids, |w, id| w.i32(*id));
                w.empty_tagged_fields(flexible);
            }),
            None => w.array_len(flexible, None),
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for CreatePartitionsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let request = Self {
            topics: r.array(flexible, CreatePartitionsTopic::min_size(flexible), |r| {
                CreatePartitionsTopic::read(r, flexible)
            })?,
            timeout_ms: r.i32()?,
            validate_only: r.bool()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for CreatePartitionsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.i32(self.timeout_ms);
        w.bool(self.validate_only);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatePartitionsResponse {
    pub throttle_time_ms: i32,
    pub results: Vec<CreatePartitionsTopicResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatePartitionsTopicResult {
    pub name: String,
    pub error_code: ErrorCode,
    pub error_message: Option<String>,
}

impl CreatePartitionsTopicResult {
    fn min_size(flexible: bool) -> usize {
        2 * string_min(flexible) + 2 + tags_min(flexible)
    }
}

impl Decode for CreatePartitionsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        let results = r.array(
            flexible,
            CreatePartitionsTopicResult::min_size(flexible),
            |r| {
                let result = CreatePartitionsTopicResult {
                    name: r.string(flexible)?.to_owned(),
                    error_code: ErrorCode(r.i16()?),
                    error_message: r.nullable_string(flexible)?.map(str::to_owned),
                };
                r.skip_tagged_fields(flexible)?;
                Ok(result)
            },
        )?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            results,
        })
    }
}

impl Encode for CreatePartitionsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.results, |w, result| {
            w.string(flexible, &result.name);
            w.i16(result.error_code.0);
            w.nullable_string(flexible, result.error_message.as_deref());
            w.empty_tagged_fields(flexible);
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

    fn sample_request() -> CreatePartitionsRequest {
        CreatePartitionsRequest {
            topics: vec![
                CreatePartitionsTopic {
                    name: "orders".to_owned(),
                    count: 8,
                    assignments: Some(vec![
                        CreatePartitionsAssignment {
                            broker_ids: vec![1, 2],
                        },
                        CreatePartitionsAssignment {
                            broker_ids: vec![2, 3],
                        },
                    ]),
                },
                CreatePartitionsTopic {
                    name: "payments".to_owned(),
                    count: 3,
                    assignments: None,
                },
            ],
            timeout_ms: 5000,
            validate_only: true,
        }
    }

    fn sample_response() -> CreatePartitionsResponse {
        CreatePartitionsResponse {
            throttle_time_ms: 40,
            results: vec![
                CreatePartitionsTopicResult {
                    name: "orders".to_owned(),
                    error_code: ErrorCode::NONE,
                    error_message: None,
                },
                CreatePartitionsTopicResult {
                    name: "payments".to_owned(),
                    error_code: ErrorCode::INVALID_PARTITIONS,
                    error_message: Some("fewer than now".to_owned()),
                },
            ],
        }
    }

    #[test]
    fn test_create_partitions_request_round_trips_in_every_version() {
        assert_round_trips(&sample_request(), VERSIONS);
        assert_round_trips(&CreatePartitionsRequest::default(), VERSIONS);
    }

    #[test]
    fn test_create_partitions_response_round_trips_in_every_version() {
        assert_round_trips(&sample_response(), VERSIONS);
        assert_round_trips(&CreatePartitionsResponse::default(), VERSIONS);
    }

    #[test]
    fn test_create_partitions_request_golden_bytes() {
        #[rustfmt::skip]
        let v1 = [
            0, 0, 0, 1,             // 1 topic
            0, 1, b't',             // name "t"
            0, 0, 0, 4,             // count 4
            0xff, 0xff, 0xff, 0xff, // assignments null
            0, 0, 0x27, 0x10,       // timeout_ms 10000
            0,                      // validate_only false
        ];
        let request = CreatePartitionsRequest {
            topics: vec![CreatePartitionsTopic {
                name: "t".to_owned(),
                count: 4,
                assignments: None,
            }],
            timeout_ms: 10_000,
            validate_only: false,
        };
        assert_golden(&request, 1, &v1);

        #[rustfmt::skip]
        let v3 = [
            2,                      // 1 topic
            2, b't',                // name "t"
            0, 0, 0, 2,             // count 2
            2,                      // 1 assignment
            2, 0, 0, 0, 9,          // broker_ids [9]
            0,                      // no tagged fields
            0,                      // no tagged fields
            0, 0, 0, 0,             // timeout_ms 0
            1,                      // validate_only
            0,                      // no tagged fields
        ];
        let request = CreatePartitionsRequest {
            topics: vec![CreatePartitionsTopic {
                name: "t".to_owned(),
                count: 2,
                assignments: Some(vec![CreatePartitionsAssignment {
                    broker_ids: vec![9],
                }]),
            }],
            timeout_ms: 0,
            validate_only: true,
        };
        assert_golden(&request, 3, &v3);
    }

    #[test]
    fn test_create_partitions_response_v0_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms
            0, 0, 0, 1,             // 1 result
            0, 1, b't',             // name "t"
            0, 37,                  // error_code INVALID_PARTITIONS
            0xff, 0xff,             // error_message null
        ];
        let response = CreatePartitionsResponse {
            throttle_time_ms: 0,
            results: vec![CreatePartitionsTopicResult {
                name: "t".to_owned(),
                error_code: ErrorCode::INVALID_PARTITIONS,
                error_message: None,
            }],
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_create_partitions_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            assert_eq!(
                written_len(|w| CreatePartitionsTopic::default().write(w, flexible)),
                CreatePartitionsTopic::min_size(flexible)
            );
            let response = CreatePartitionsResponse {
                throttle_time_ms: 0,
                results: vec![CreatePartitionsTopicResult {
                    name: String::new(),
                    error_code: ErrorCode::NONE,
                    error_message: None,
                }],
            };
            let empty = encode_to_vec(&CreatePartitionsResponse::default(), version).len();
            assert_eq!(
                encode_to_vec(&response, version).len() - empty,
                CreatePartitionsTopicResult::min_size(flexible)
            );
        }
    }

    proptest! {
        #[test]
        fn test_create_partitions_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<CreatePartitionsRequest>(&bytes, VERSIONS);
            decode_without_panicking::<CreatePartitionsResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_create_partitions_decoders_never_panic_on_corrupted_messages(
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
                decode_without_panicking::<CreatePartitionsRequest>(&bytes, [version]);
                decode_without_panicking::<CreatePartitionsResponse>(&bytes, [version]);
            }
        }
    }
}
