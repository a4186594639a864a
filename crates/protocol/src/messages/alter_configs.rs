//! AlterConfigs (key 33): replaces the whole dynamic configuration of each resource
//! with the entries given (entries left out are removed). IncrementalAlterConfigs is
//! its successor.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 0..=2;
const FLEXIBLE: i16 = 2;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlterConfigsRequest {
    pub resources: Vec<AlterConfigsResource>,
    /// Validate the request without changing anything.
    pub validate_only: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlterConfigsResource {
    /// Kafka's `ConfigResource.Type`: 2 topic, 4 broker, 8 broker logger.
    pub resource_type: i8,
    pub resource_name: String,
    pub configs: Vec<AlterableConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlterableConfig {
    pub name: String,
    pub value: Option<String>,
}

impl Decode for AlterConfigsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        // Each resource: int8, string, array (and tagged fields).
        let resource_min = 1 + string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let resources = r.array(flexible, resource_min, |r| {
            let resource_type = r.i8()?;
            let resource_name = r.string(flexible)?.to_owned();
            // Each config: string, nullable string (and tagged fields).
            let configs = r.array(
                flexible,
                2 * string_min(flexible) + tags_min(flexible),
                |r| {
                    let config = AlterableConfig {
                        name: r.string(flexible)?.to_owned(),
                        value: r.nullable_string(flexible)?.map(str::to_owned),
                    };
                    r.skip_tagged_fields(flexible)?;
                    Ok(config)
                },
            )?;
            r.skip_tagged_fields(flexible)?;
            Ok(AlterConfigsResource {
                resource_type,
                resource_name,
                configs,
            })
        })?;
        let validate_only = r.bool()?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            resources,
            validate_only,
        })
    }
}

impl Encode for AlterConfigsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.resources, |w, resource| {
            w.i8(resource.resource_type);
            w.string(flexible, &resource.resource_name);
            w.array(flexible, &resource.configs, |w, config| {
                w.string(flexible, &config.name);
                w.nullable_string(flexible, config.value.as_deref());
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.bool(self.validate_only);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterConfigsResponse {
    pub throttle_time_ms: i32,
    pub responses: Vec<AlterConfigsResourceResponse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterConfigsResourceResponse {
    pub error_code: ErrorCode,
    pub error_message: Option<String>,
    pub resource_type: i8,
    pub resource_name: String,
}

/// The response body AlterConfigs and IncrementalAlterConfigs share: the same fields,
/// flexible from a different version in each.
pub(crate) fn encode_resource_responses(
    w: &mut Writer,
    flexible: bool,
    throttle_time_ms: i32,
    responses: &[AlterConfigsResourceResponse],
) {
    w.i32(throttle_time_ms);
    w.array(flexible, responses, |w, response| {
        w.i16(response.error_code.0);
        w.nullable_string(flexible, response.error_message.as_deref());
        w.i8(response.resource_type);
        w.string(flexible, &response.resource_name);
        w.empty_tagged_fields(flexible);
    });
    w.empty_tagged_fields(flexible);
}

/// Decodes what [`encode_resource_responses`] writes: `(throttle_time_ms, responses)`.
pub(crate) fn decode_resource_responses(
    r: &mut Reader<'_>,
    flexible: bool,
) -> Result<(i32, Vec<AlterConfigsResourceResponse>), DecodeError> {
    let throttle_time_ms = r.i32()?;
    // Each response: int16, nullable string, int8, string (and tagged fields).
    let response_min = 2 + string_min(flexible) + 1 + string_min(flexible) + tags_min(flexible);
    let responses = r.array(flexible, response_min, |r| {
        let response = AlterConfigsResourceResponse {
            error_code: ErrorCode(r.i16()?),
            error_message: r.nullable_string(flexible)?.map(str::to_owned),
            resource_type: r.i8()?,
            resource_name: r.string(flexible)?.to_owned(),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    })?;
    r.skip_tagged_fields(flexible)?;
    Ok((throttle_time_ms, responses))
}

impl Encode for AlterConfigsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        encode_resource_responses(
            w,
            version >= FLEXIBLE,
            self.throttle_time_ms,
            &self.responses,
        );
    }
}

impl Decode for AlterConfigsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let (throttle_time_ms, responses) = decode_resource_responses(r, version >= FLEXIBLE)?;
        Ok(Self {
            throttle_time_ms,
            responses,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, decode_exact, decode_without_panicking,
    };

    fn request() -> AlterConfigsRequest {
        AlterConfigsRequest {
            resources: vec![
                AlterConfigsResource {
                    resource_type: 2,
                    resource_name: "orders".into(),
                    configs: vec![
                        AlterableConfig {
                            name: "retention.ms".into(),
                            value: Some("86400000".into()),
                        },
                        AlterableConfig {
                            name: "cleanup.policy".into(),
                            value: None,
                        },
                    ],
                },
                AlterConfigsResource {
                    resource_type: 4,
                    resource_name: "1".into(),
                    configs: vec![],
                },
            ],
            validate_only: true,
        }
    }

    fn response() -> AlterConfigsResponse {
        AlterConfigsResponse {
            throttle_time_ms: 100,
            responses: vec![
                AlterConfigsResourceResponse {
                    error_code: ErrorCode::INVALID_CONFIG,
                    error_message: Some("retention.ms must be a number".into()),
                    resource_type: 2,
                    resource_name: "orders".into(),
                },
                AlterConfigsResourceResponse {
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    resource_type: 4,
                    resource_name: "1".into(),
                },
            ],
        }
    }

    #[test]
    fn test_alter_configs_request_round_trips_in_every_version() {
        assert_round_trips(&request(), VERSIONS);
    }

    #[test]
    fn test_alter_configs_response_round_trips_in_every_version() {
        assert_round_trips(&response(), VERSIONS);
    }

    #[test]
    fn test_alter_configs_request_v0_golden_bytes() {
        let bytes = [
            0, 0, 0, 1, // resources: 1
            2, // resource_type: topic
            0, 1, b't', // resource_name
            0, 0, 0, 2, // configs: 2
            0, 1, b'a', // name
            0, 1, b'1', // value
            0, 1, b'b', // name
            0xff, 0xff, // value: null
            0,    // validate_only
        ];
        let expected = AlterConfigsRequest {
            resources: vec![AlterConfigsResource {
                resource_type: 2,
                resource_name: "t".into(),
                configs: vec![
                    AlterableConfig {
                        name: "a".into(),
                        value: Some("1".into()),
                    },
                    AlterableConfig {
                        name: "b".into(),
                        value: None,
                    },
                ],
            }],
            validate_only: false,
        };
        assert_golden(&expected, 0, &bytes);
    }

    #[test]
    fn test_alter_configs_response_v2_golden_bytes() {
        let bytes = [
            0, 0, 0, 5, // throttle_time_ms
            2, // responses: 1 (compact: n+1)
            0, 40, // error_code: INVALID_CONFIG
            4, b'b', b'a', b'd', // error_message: "bad" (compact: n+1)
            4,    // resource_type: broker
            2, b'1', // resource_name
            0,    // response tagged fields
            0,    // top-level tagged fields
        ];
        let expected = AlterConfigsResponse {
            throttle_time_ms: 5,
            responses: vec![AlterConfigsResourceResponse {
                error_code: ErrorCode::INVALID_CONFIG,
                error_message: Some("bad".into()),
                resource_type: 4,
                resource_name: "1".into(),
            }],
        };
        assert_golden(&expected, 2, &bytes);

        // An unknown tagged field on the response entry (tag 3, two bytes) is skipped.
        let mut tagged = bytes[..14].to_vec();
        tagged.extend([1, 3, 2, 0xab, 0xcd, 0]);
        assert_eq!(decode_exact::<AlterConfigsResponse>(&tagged, 2), expected);
    }

    proptest! {
        #[test]
        fn test_alter_configs_decoders_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<AlterConfigsRequest>(&bytes, [version]);
            decode_without_panicking::<AlterConfigsResponse>(&bytes, [version]);
        }
    }
}
