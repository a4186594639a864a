//! IncrementalAlterConfigs (key 44): sets, deletes, appends to or subtracts from
//! individual configuration entries, leaving the others as they are (KIP-339).

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};

pub use super::alter_configs::AlterConfigsResourceResponse;
use super::alter_configs::{decode_resource_responses, encode_resource_responses};

pub const VERSIONS: RangeInclusive<i16> = 0..=1;
const FLEXIBLE: i16 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncrementalAlterConfigsRequest {
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
    /// 0 set, 1 delete (back to the default), 2 append to a list, 3 subtract from a
    /// list. Kept raw: an unknown operation is the handler's to reject.
    pub config_operation: i8,
    pub value: Option<String>,
}

impl Decode for IncrementalAlterConfigsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        // Each resource: int8, string, array (and tagged fields).
        let resource_min = 1 + string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let resources = r.array(flexible, resource_min, |r| {
            let resource_type = r.i8()?;
            let resource_name = r.string(flexible)?.to_owned();
            // Each config: string, int8, nullable string (and tagged fields).
            let config_min = string_min(flexible) + 1 + string_min(flexible) + tags_min(flexible);
            let configs = r.array(flexible, config_min, |r| {
                let config = AlterableConfig {
                    name: r.string(flexible)?.to_owned(),
                    config_operation: r.i8()?,
                    value: r.nullable_string(flexible)?.map(str::to_owned),
                };
                r.skip_tagged_fields(flexible)?;
                Ok(config)
            })?;
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

impl Encode for IncrementalAlterConfigsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.resources, |w, resource| {
            w.i8(resource.resource_type);
            w.string(flexible, &resource.resource_name);
            w.array(flexible, &resource.configs, |w, config| {
                w.string(flexible, &config.name);
                w.i8(config.config_operation);
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
pub struct IncrementalAlterConfigsResponse {
    pub throttle_time_ms: i32,
    pub responses: Vec<AlterConfigsResourceResponse>,
}

impl Encode for IncrementalAlterConfigsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        encode_resource_responses(
            w,
            version >= FLEXIBLE,
            self.throttle_time_ms,
            &self.responses,
        );
    }
}

impl Decode for IncrementalAlterConfigsResponse {
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
    use crate::ErrorCode;
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, decode_exact, decode_without_panicking, encode_to_vec,
    };

    fn request() -> IncrementalAlterConfigsRequest {
        IncrementalAlterConfigsRequest {
            resources: vec![
                AlterConfigsResource {
                    resource_type: 2,
                    resource_name: "orders".into(),
                    configs: vec![
                        AlterableConfig {
                            name: "retention.ms".into(),
                            config_operation: 0,
                            value: Some("86400000".into()),
                        },
                        AlterableConfig {
                            name: "cleanup.policy".into(),
                            config_operation: 2,
                            value: Some("compact".into()),
                        },
                        AlterableConfig {
                            name: "segment.ms".into(),
                            config_operation: 1,
                            value: None,
                        },
                    ],
                },
                AlterConfigsResource {
                    resource_type: 8,
                    resource_name: "1".into(),
                    configs: vec![],
                },
            ],
            validate_only: true,
        }
    }

    fn response() -> IncrementalAlterConfigsResponse {
        IncrementalAlterConfigsResponse {
            throttle_time_ms: 100,
            responses: vec![
                AlterConfigsResourceResponse {
                    error_code: ErrorCode::POLICY_VIOLATION,
                    error_message: Some("not allowed".into()),
                    resource_type: 2,
                    resource_name: "orders".into(),
                },
                AlterConfigsResourceResponse {
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    resource_type: 8,
                    resource_name: "1".into(),
                },
            ],
        }
    }

    #[test]
    fn test_incremental_alter_configs_request_round_trips_in_every_version() {
        assert_round_trips(&request(), VERSIONS);
    }

    #[test]
    fn test_incremental_alter_configs_response_round_trips_in_every_version() {
        assert_round_trips(&response(), VERSIONS);
    }

    #[test]
    fn test_incremental_alter_configs_request_v1_golden_bytes() {
        let bytes = [
            2, // resources: 1 (compact: n+1)
            2, // resource_type: topic
            2, b't', // resource_name
            3,    // configs: 2
            2, b'a', // name
            3,    // config_operation: subtract
            2, b'x', // value
            0,    // config tagged fields
            2, b'b', // name
            1,    // config_operation: delete
            0,    // value: null
            0,    // config tagged fields
            0,    // resource tagged fields
            1,    // validate_only
            1, 0, 1, 0x00, // top-level tagged fields: unknown tag 0, one byte
        ];
        let expected = IncrementalAlterConfigsRequest {
            resources: vec![AlterConfigsResource {
                resource_type: 2,
                resource_name: "t".into(),
                configs: vec![
                    AlterableConfig {
                        name: "a".into(),
                        config_operation: 3,
                        value: Some("x".into()),
                    },
                    AlterableConfig {
                        name: "b".into(),
                        config_operation: 1,
                        value: None,
                    },
                ],
            }],
            validate_only: true,
        };
        assert_eq!(
            decode_exact::<IncrementalAlterConfigsRequest>(&bytes, 1),
            expected
        );
        // We write no tagged fields: an empty section in place of the unknown one.
        let mut untagged = bytes[..bytes.len() - 4].to_vec();
        untagged.push(0);
        assert_eq!(encode_to_vec(&expected, 1), untagged);
    }

    #[test]
    fn test_incremental_alter_configs_response_v0_golden_bytes() {
        let bytes = [
            0, 0, 0, 0, // throttle_time_ms
            0, 0, 0, 1, // responses: 1
            0, 0, // error_code
            0xff, 0xff, // error_message: null
            2,    // resource_type
            0, 1, b't', // resource_name
        ];
        let expected = IncrementalAlterConfigsResponse {
            throttle_time_ms: 0,
            responses: vec![AlterConfigsResourceResponse {
                error_code: ErrorCode::NONE,
                error_message: None,
                resource_type: 2,
                resource_name: "t".into(),
            }],
        };
        assert_golden(&expected, 0, &bytes);
    }

    proptest! {
        #[test]
        fn test_incremental_alter_configs_decoders_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<IncrementalAlterConfigsRequest>(&bytes, [version]);
            decode_without_panicking::<IncrementalAlterConfigsResponse>(&bytes, [version]);
        }
    }
}
