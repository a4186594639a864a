//! CreateTopics (key 19): create topics with a partition count and replication factor
//! or an explicit assignment, and topic configs.
//!
//! Versions 0 and 1 are deprecated and not served. Fields a version lacks are skipped
//! when encoding and take Kafka's default when decoding (`num_partitions` and
//! `replication_factor` -1, `configs` empty). `topic_config_error_code` is a tagged
//! field (tag 0, v5+), written only when it is not `NONE`.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 2..=7;
const FLEXIBLE: i16 = 5;

/// The tag of `CreatableTopicResult::topic_config_error_code`.
const TOPIC_CONFIG_ERROR_CODE_TAG: u32 = 0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTopicsRequest {
    pub topics: Vec<CreatableTopic>,
    pub timeout_ms: i32,
    /// v1+.
    pub validate_only: bool,
}

impl Default for CreateTopicsRequest {
    fn default() -> Self {
        Self {
            topics: Vec::new(),
            timeout_ms: 60_000,
            validate_only: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatableTopic {
    pub name: String,
    /// -1 with an explicit assignment, or for the broker's default.
    pub num_partitions: i32,
    /// -1 with an explicit assignment, or for the broker's default.
    pub replication_factor: i16,
    /// Empty for automatic assignment.
    pub assignments: Vec<CreatableReplicaAssignment>,
    pub configs: Vec<CreatableTopicConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatableReplicaAssignment {
    pub partition_index: i32,
    pub broker_ids: Vec<i32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreatableTopicConfig {
    pub name: String,
    pub value: Option<String>,
}

impl CreatableTopic {
    fn min_size(flexible: bool) -> usize {
        let a = array_min(flexible);
        string_min(flexible) + 4 + 2 + a + a + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let t = tags_min(flexible);
        let name = r.string(flexible)?.to_owned();
        let num_partitions = r.i32()?;
        let replication_factor = r.i16()?;
        let assignments = r.array(flexible, 4 + array_min(flexible) + t, |r| {
            let assignment = CreatableReplicaAssignment {
                partition_index: r.i32()?,
                broker_ids: r.array(flexible, 4, |r| r.i32())?,
            };
            r.skip_tagged_fields(flexible)?;
            Ok(assignment)
        })?;
        let configs = r.array(flexible, 2 * string_min(flexible) + t, |r| {
            let config = CreatableTopicConfig {
                name: r.string(flexible)?.to_owned(),
                value: r.nullable_string(flexible)?.map(str::to_owned),
            };
            r.skip_tagged_fields(flexible)?;
            Ok(config)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            name,
            num_partitions,
            replication_factor,
            assignments,
            configs,
        })
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.i32(self.num_partitions);
        w.i16(self.replication_factor);
        w.array(flexible, &self.assignments, |w, assignment| {
            w.i32(assignment.partition_index);
            w.array(flexible, &assignment.broker_ids, |w, id| w.i32(*id));
            w.empty_tagged_fields(flexible);
        });
        w.array(flexible, &self.configs, |w, config| {
            w.string(flexible, &config.name);
            w.nullable_string(flexible, config.value.as_deref());
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for CreateTopicsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            topics: r.array(flexible, CreatableTopic::min_size(flexible), |r| {
                CreatableTopic::read(r, flexible)
            })?,
            timeout_ms: r.i32()?,
            ..Self::default()
        };
        if version >= 1 {
            request.validate_only = r.bool()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for CreateTopicsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.i32(self.timeout_ms);
        if version >= 1 {
            w.bool(self.validate_only);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateTopicsResponse {
    /// v2+.
    pub throttle_time_ms: i32,
    pub topics: Vec<CreatableTopicResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatableTopicResult {
    pub name: String,
    /// v7+.
    pub topic_id: [u8; 16],
    pub error_code: ErrorCode,
    /// v1+.
    pub error_message: Option<String>,
    /// Tagged (tag 0), v5+: why `configs` could not be returned.
    pub topic_config_error_code: ErrorCode,
    /// v5+; -1 when unknown.
    pub num_partitions: i32,
    /// v5+; -1 when unknown.
    pub replication_factor: i16,
    /// v5+; `None` when the configs could not be described.
    pub configs: Option<Vec<CreatableTopicConfigs>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatableTopicConfigs {
    pub name: String,
    pub value: Option<String>,
    pub read_only: bool,
    /// Kafka's `ConfigSource` id (-1 unknown, 1 dynamic topic config, 5 static broker
    /// config, 6 default config, ...).
    pub config_source: i8,
    pub is_sensitive: bool,
}

impl CreatableTopicConfigs {
    fn min_size(flexible: bool) -> usize {
        2 * string_min(flexible) + 1 + 1 + 1 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let config = Self {
            name: r.string(flexible)?.to_owned(),
            value: r.nullable_string(flexible)?.map(str::to_owned),
            read_only: r.bool()?,
            config_source: r.i8()?,
            is_sensitive: r.bool()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(config)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.nullable_string(flexible, self.value.as_deref());
        w.bool(self.read_only);
        w.i8(self.config_source);
        w.bool(self.is_sensitive);
        w.empty_tagged_fields(flexible);
    }
}

impl CreatableTopicResult {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        s + when(version >= 7, 16)
            + 2
            + when(version >= 1, s)
            + when(version >= 5, 4 + 2 + array_min(flexible))
            + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let name = r.string(flexible)?.to_owned();
        let topic_id = if version >= 7 { r.uuid()? } else { [0; 16] };
        let error_code = ErrorCode(r.i16()?);
        let error_message = if version >= 1 {
            r.nullable_string(flexible)?.map(str::to_owned)
        } else {
            None
        };
        let mut result = Self {
            name,
            topic_id,
            error_code,
            error_message,
            topic_config_error_code: ErrorCode::NONE,
            num_partitions: -1,
            replication_factor: -1,
            configs: Some(Vec::new()),
        };
        if version >= 5 {
            result.num_partitions = r.i32()?;
            result.replication_factor = r.i16()?;
            result.configs =
                r.nullable_array(flexible, CreatableTopicConfigs::min_size(flexible), |r| {
                    CreatableTopicConfigs::read(r, flexible)
                })?;
        }
        r.tagged_fields(flexible, |tag, r| {
            if tag != TOPIC_CONFIG_ERROR_CODE_TAG {
                return Ok(false);
            }
            result.topic_config_error_code = ErrorCode(r.i16()?);
            Ok(true)
        })?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.name);
        if version >= 7 {
            w.uuid(&self.topic_id);
        }
        w.i16(self.error_code.0);
        if version >= 1 {
            w.nullable_string(flexible, self.error_message.as_deref());
        }
        if version >= 5 {
            w.i32(self.num_partitions);
            w.i16(self.replication_factor);
            match &self.configs {
                Some(configs) => w.array(flexible, configs, |w, config| config.write(w, flexible)),
                None => w.array_len(flexible, None),
            }
        }
        if flexible && !self.topic_config_error_code.is_none() {
            w.unsigned_varint(1);
            w.unsigned_varint(TOPIC_CONFIG_ERROR_CODE_TAG);
            w.unsigned_varint(2);
            w.i16(self.topic_config_error_code.0);
        } else {
            w.empty_tagged_fields(flexible);
        }
    }
}

impl Decode for CreateTopicsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = if version >= 2 { r.i32()? } else { 0 };
        let topics = r.array(flexible, CreatableTopicResult::min_size(version), |r| {
            CreatableTopicResult::read(r, version)
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            topics,
        })
    }
}

impl Encode for CreateTopicsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 2 {
            w.i32(self.throttle_time_ms);
        }
        w.array(flexible, &self.topics, |w, topic| topic.write(w, version));
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

    fn sample_request() -> CreateTopicsRequest {
        CreateTopicsRequest {
            topics: vec![
                CreatableTopic {
                    name: "orders".to_owned(),
                    num_partitions: 6,
                    replication_factor: 3,
                    assignments: vec![],
                    configs: vec![
                        CreatableTopicConfig {
                            name: "cleanup.policy".to_owned(),
                            value: Some("compact".to_owned()),
                        },
                        CreatableTopicConfig {
                            name: "retention.ms".to_owned(),
                            value: None,
                        },
                    ],
                },
                CreatableTopic {
                    name: "placed".to_owned(),
                    num_partitions: -1,
                    replication_factor: -1,
                    assignments: vec![
                        CreatableReplicaAssignment {
                            partition_index: 0,
                            broker_ids: vec![1, 2],
                        },
                        CreatableReplicaAssignment {
                            partition_index: 1,
                            broker_ids: vec![2, 3],
                        },
                    ],
                    configs: vec![],
                },
            ],
            timeout_ms: 30_000,
            validate_only: true,
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> CreateTopicsResponse {
        let since_v5 = version >= 5;
        CreateTopicsResponse {
            throttle_time_ms: 100,
            topics: vec![
                CreatableTopicResult {
                    name: "orders".to_owned(),
                    topic_id: if version >= 7 { [1; 16] } else { [0; 16] },
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    topic_config_error_code: ErrorCode::NONE,
                    num_partitions: if since_v5 { 6 } else { -1 },
                    replication_factor: if since_v5 { 3 } else { -1 },
                    configs: Some(if since_v5 {
                        vec![
                            CreatableTopicConfigs {
                                name: "cleanup.policy".to_owned(),
                                value: Some("compact".to_owned()),
                                read_only: true,
                                config_source: 1,
                                is_sensitive: true,
                            },
                            CreatableTopicConfigs {
                                name: "sasl.jaas.config".to_owned(),
                                value: None,
                                read_only: false,
                                config_source: 5,
                                is_sensitive: false,
                            },
                        ]
                    } else {
                        vec![]
                    }),
                },
                CreatableTopicResult {
                    name: "denied".to_owned(),
                    topic_id: [0; 16],
                    error_code: ErrorCode::TOPIC_AUTHORIZATION_FAILED,
                    error_message: Some("no".to_owned()),
                    topic_config_error_code: if since_v5 {
                        ErrorCode::TOPIC_AUTHORIZATION_FAILED
                    } else {
                        ErrorCode::NONE
                    },
                    num_partitions: -1,
                    replication_factor: -1,
                    configs: if since_v5 { None } else { Some(vec![]) },
                },
            ],
        }
    }

    #[test]
    fn test_create_topics_request_round_trips_in_every_version() {
        assert_round_trips(&sample_request(), VERSIONS);
        assert_round_trips(&CreateTopicsRequest::default(), VERSIONS);
    }

    #[test]
    fn test_create_topics_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
    }

    #[test]
    fn test_create_topics_request_v4_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 1,             // 1 topic
            0, 1, b't',             // name "t"
            0xff, 0xff, 0xff, 0xff, // num_partitions -1
            0xff, 0xff,             // replication_factor -1
            0, 0, 0, 1,             // 1 assignment
            0, 0, 0, 0,             // partition_index 0
            0, 0, 0, 1, 0, 0, 0, 4, // broker_ids [4]
            0, 0, 0, 1,             // 1 config
            0, 1, b'k',             // name "k"
            0xff, 0xff,             // value null
            0, 0, 0x03, 0xe8,       // timeout_ms 1000
            1,                      // validate_only
        ];
        let request = CreateTopicsRequest {
            topics: vec![CreatableTopic {
                name: "t".to_owned(),
                num_partitions: -1,
                replication_factor: -1,
                assignments: vec![CreatableReplicaAssignment {
                    partition_index: 0,
                    broker_ids: vec![4],
                }],
                configs: vec![CreatableTopicConfig {
                    name: "k".to_owned(),
                    value: None,
                }],
            }],
            timeout_ms: 1000,
            validate_only: true,
        };
        assert_golden(&request, 4, &bytes);
    }

    #[test]
    fn test_create_topics_response_v7_golden_bytes_with_tagged_config_error() {
        #[rustfmt::skip]
        let mut bytes = vec![
            0, 0, 0, 0,             // throttle_time_ms
            2,                      // 1 topic
            2, b't',                // name "t"
        ];
        bytes.extend([0x42; 16]); // topic_id
        #[rustfmt::skip]
        bytes.extend([
            0, 0,                   // error_code NONE
            0,                      // error_message null
            0, 0, 0, 3,             // num_partitions 3
            0, 1,                   // replication_factor 1
            0,                      // configs null
            1,                      // 1 tagged field:
            0, 2, 0, 29,            //   tag 0, 2 bytes, TOPIC_AUTHORIZATION_FAILED
            0,                      // no tagged fields
        ]);
        let response = CreateTopicsResponse {
            throttle_time_ms: 0,
            topics: vec![CreatableTopicResult {
                name: "t".to_owned(),
                topic_id: [0x42; 16],
                error_code: ErrorCode::NONE,
                error_message: None,
                topic_config_error_code: ErrorCode::TOPIC_AUTHORIZATION_FAILED,
                num_partitions: 3,
                replication_factor: 1,
                configs: None,
            }],
        };
        assert_golden(&response, 7, &bytes);
    }

    #[test]
    fn test_create_topics_response_skips_unknown_tags_beside_tag_0() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 0,             // throttle_time_ms
            2,                      // 1 topic
            2, b't',                // name "t"
            0, 0,                   // error_code NONE
            0,                      // error_message null
            0, 0, 0, 3,             // num_partitions 3
            0, 1,                   // replication_factor 1
            1,                      // no configs
            2,                      // 2 tagged fields:
            9, 1, 0xee,             //   unknown tag 9, 1 byte
            0, 2, 0, 40,            //   tag 0, INVALID_CONFIG
            0,                      // no tagged fields
        ];
        let response = CreateTopicsResponse::decode(&mut Reader::new(&bytes), 5).unwrap();
        assert_eq!(
            response.topics[0].topic_config_error_code,
            ErrorCode::INVALID_CONFIG
        );
        assert_eq!(response.topics[0].configs, Some(vec![]));
    }

    #[test]
    fn test_create_topics_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            assert_eq!(
                written_len(|w| CreatableTopic::default().write(w, flexible)),
                CreatableTopic::min_size(flexible)
            );
            let config = CreatableTopicConfigs {
                name: String::new(),
                value: None,
                read_only: false,
                config_source: -1,
                is_sensitive: false,
            };
            assert_eq!(
                written_len(|w| config.write(w, flexible)),
                CreatableTopicConfigs::min_size(flexible)
            );
            let result = CreatableTopicResult {
                name: String::new(),
                topic_id: [0; 16],
                error_code: ErrorCode::NONE,
                error_message: None,
                topic_config_error_code: ErrorCode::NONE,
                num_partitions: -1,
                replication_factor: -1,
                configs: None,
            };
            assert_eq!(
                written_len(|w| result.write(w, version)),
                CreatableTopicResult::min_size(version)
            );
        }
    }

    proptest! {
        #[test]
        fn test_create_topics_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<CreateTopicsRequest>(&bytes, VERSIONS);
            decode_without_panicking::<CreateTopicsResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_create_topics_decoders_never_panic_on_corrupted_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<CreateTopicsRequest>(&bytes, [version]);
                decode_without_panicking::<CreateTopicsResponse>(&bytes, [version]);
            }
        }
    }
}
