//! DescribeConfigs (key 32): the configuration entries of topics, brokers and broker
//! loggers, optionally with each entry's synonyms and documentation.
//!
//! Version 0 (deprecated) sent `is_default` where later versions send `config_source`;
//! it is not served.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 1..=4;
const FLEXIBLE: i16 = 4;
/// First version with `include_documentation`, `config_type` and `documentation`.
const DOCUMENTATION: i16 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeConfigsRequest {
    pub resources: Vec<DescribeConfigsResource>,
    pub include_synonyms: bool,
    /// v3+; false in older versions.
    pub include_documentation: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeConfigsResource {
    /// Kafka's `ConfigResource.Type`: 2 topic, 4 broker, 8 broker logger.
    pub resource_type: i8,
    pub resource_name: String,
    /// The keys to describe; `None` describes every key.
    pub configuration_keys: Option<Vec<String>>,
}

impl Decode for DescribeConfigsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        // Each resource: int8, string, nullable array (and tagged fields).
        let resource_min = 1 + string_min(flexible) + array_min(flexible) + tags_min(flexible);
        let resources = r.array(flexible, resource_min, |r| {
            let resource = DescribeConfigsResource {
                resource_type: r.i8()?,
                resource_name: r.string(flexible)?.to_owned(),
                configuration_keys: r.nullable_array(flexible, string_min(flexible), |r| {
                    Ok(r.string(flexible)?.to_owned())
                })?,
            };
            r.skip_tagged_fields(flexible)?;
            Ok(resource)
        })?;
        let include_synonyms = r.bool()?;
        let include_documentation = if version >= DOCUMENTATION {
            r.bool()?
        } else {
            false
        };
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            resources,
            include_synonyms,
            include_documentation,
        })
    }
}

impl Encode for DescribeConfigsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.resources, |w, resource| {
            w.i8(resource.resource_type);
            w.string(flexible, &resource.resource_name);
            match &resource.configuration_keys {
                Some(keys) => w.array(flexible, keys, |w, key| w.string(flexible, key)),
                None => w.array_len(flexible, None),
            }
            w.empty_tagged_fields(flexible);
        });
        w.bool(self.include_synonyms);
        if version >= DOCUMENTATION {
            w.bool(self.include_documentation);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeConfigsResponse {
    pub throttle_time_ms: i32,
    pub results: Vec<DescribeConfigsResult>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeConfigsResult {
    pub error_code: ErrorCode,
    pub error_message: Option<String>,
    pub resource_type: i8,
    pub resource_name: String,
    pub configs: Vec<DescribeConfigsResourceResult>,
}

/// One configuration entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeConfigsResourceResult {
    pub name: String,
    /// `None` for sensitive entries and entries without a value.
    pub value: Option<String>,
    pub read_only: bool,
    /// Where the value comes from: 1 topic, 2 dynamic broker, 3 dynamic default
    /// broker, 4 static broker, 5 default, 6 dynamic broker logger (0 unknown).
    pub config_source: i8,
    pub is_sensitive: bool,
    /// The value's sources in order of precedence, the entry's own first; empty unless
    /// the request asked for synonyms.
    pub synonyms: Vec<DescribeConfigsSynonym>,
    /// v3+: 1 boolean, 2 string, 3 int, 4 short, 5 long, 6 double, 7 list, 8 class,
    /// 9 password (0 unknown, the value read from older versions).
    pub config_type: i8,
    /// v3+; `None` in older versions.
    pub documentation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeConfigsSynonym {
    pub name: String,
    pub value: Option<String>,
    /// As [`DescribeConfigsResourceResult::config_source`].
    pub source: i8,
}

impl Encode for DescribeConfigsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.results, |w, result| {
            w.i16(result.error_code.0);
            w.nullable_string(flexible, result.error_message.as_deref());
            w.i8(result.resource_type);
            w.string(flexible, &result.resource_name);
            w.array(flexible, &result.configs, |w, config| {
                w.string(flexible, &config.name);
                w.nullable_string(flexible, config.value.as_deref());
                w.bool(config.read_only);
                w.i8(config.config_source);
                w.bool(config.is_sensitive);
                w.array(flexible, &config.synonyms, |w, synonym| {
                    w.string(flexible, &synonym.name);
                    w.nullable_string(flexible, synonym.value.as_deref());
                    w.i8(synonym.source);
                    w.empty_tagged_fields(flexible);
                });
                if version >= DOCUMENTATION {
                    w.i8(config.config_type);
                    w.nullable_string(flexible, config.documentation.as_deref());
                }
                w.empty_tagged_fields(flexible);
            });
            w.empty_tagged_fields(flexible);
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeConfigsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let throttle_time_ms = r.i32()?;
        let s = string_min(flexible);
        let a = array_min(flexible);
        let t = tags_min(flexible);
        // Each result: int16, nullable string, int8, string, array (and tagged fields).
        let result_min = 2 + s + 1 + s + a + t;
        // Each entry: string, nullable string, three one-byte fields, array (and tagged
        // fields); from v3 an int8 and a nullable string, counted only from v4.
        let config_min = 2 * s + 3 + a + when(flexible, 1 + s) + t;
        // Each synonym: string, nullable string, int8 (and tagged fields).
        let synonym_min = 2 * s + 1 + t;
        let results = r.array(flexible, result_min, |r| {
            let error_code = ErrorCode(r.i16()?);
            let error_message = r.nullable_string(flexible)?.map(str::to_owned);
            let resource_type = r.i8()?;
            let resource_name = r.string(flexible)?.to_owned();
            let configs = r.array(flexible, config_min, |r| {
                let name = r.string(flexible)?.to_owned();
                let value = r.nullable_string(flexible)?.map(str::to_owned);
                let read_only = r.bool()?;
                let config_source = r.i8()?;
                let is_sensitive = r.bool()?;
                let synonyms = r.array(flexible, synonym_min, |r| {
                    let synonym = DescribeConfigsSynonym {
                        name: r.string(flexible)?.to_owned(),
                        value: r.nullable_string(flexible)?.map(str::to_owned),
                        source: r.i8()?,
                    };
                    r.skip_tagged_fields(flexible)?;
                    Ok(synonym)
                })?;
                let (config_type, documentation) = if version >= DOCUMENTATION {
                    (r.i8()?, r.nullable_string(flexible)?.map(str::to_owned))
                } else {
                    (0, None)
                };
                r.skip_tagged_fields(flexible)?;
                Ok(DescribeConfigsResourceResult {
                    name,
                    value,
                    read_only,
                    config_source,
                    is_sensitive,
                    synonyms,
                    config_type,
                    documentation,
                })
            })?;
            r.skip_tagged_fields(flexible)?;
            Ok(DescribeConfigsResult {
                error_code,
                error_message,
                resource_type,
                resource_name,
                configs,
            })
        })?;
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            throttle_time_ms,
            results,
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

    fn request(version: i16) -> DescribeConfigsRequest {
        DescribeConfigsRequest {
            resources: vec![
                DescribeConfigsResource {
                    resource_type: 2,
                    resource_name: "orders".into(),
                    configuration_keys: Some(vec!["retention.ms".into(), "cleanup.policy".into()]),
                },
                DescribeConfigsResource {
                    resource_type: 4,
                    resource_name: "1".into(),
                    configuration_keys: None,
                },
            ],
            include_synonyms: true,
            include_documentation: version >= DOCUMENTATION,
        }
    }

    fn response(version: i16) -> DescribeConfigsResponse {
        let documented = version >= DOCUMENTATION;
        DescribeConfigsResponse {
            throttle_time_ms: 250,
            results: vec![
                DescribeConfigsResult {
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    resource_type: 2,
                    resource_name: "orders".into(),
                    configs: vec![
                        DescribeConfigsResourceResult {
                            name: "retention.ms".into(),
                            value: Some("3600000".into()),
                            read_only: true,
                            config_source: 1,
                            is_sensitive: true,
                            synonyms: vec![
                                DescribeConfigsSynonym {
                                    name: "retention.ms".into(),
                                    value: Some("3600000".into()),
                                    source: 1,
                                },
                                DescribeConfigsSynonym {
                                    name: "log.retention.ms".into(),
                                    value: None,
                                    source: 4,
                                },
                            ],
                            config_type: if documented { 5 } else { 0 },
                            documentation: documented.then(|| "How long to keep a log.".into()),
                        },
                        DescribeConfigsResourceResult {
                            name: "sasl.jaas.config".into(),
                            value: None,
                            read_only: false,
                            config_source: 5,
                            is_sensitive: false,
                            synonyms: vec![],
                            config_type: if documented { 9 } else { 0 },
                            documentation: None,
                        },
                    ],
                },
                DescribeConfigsResult {
                    error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
                    error_message: Some("no such topic".into()),
                    resource_type: 2,
                    resource_name: "missing".into(),
                    configs: vec![],
                },
            ],
        }
    }

    #[test]
    fn test_describe_configs_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&request(version), [version]);
        }
    }

    #[test]
    fn test_describe_configs_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&response(version), [version]);
        }
    }

    #[test]
    fn test_describe_configs_request_v1_golden_bytes() {
        let bytes = [
            0, 0, 0, 1, // resources: 1
            2, // resource_type: topic
            0, 1, b't', // resource_name
            0xff, 0xff, 0xff, 0xff, // configuration_keys: null
            1,    // include_synonyms
        ];
        let expected = DescribeConfigsRequest {
            resources: vec![DescribeConfigsResource {
                resource_type: 2,
                resource_name: "t".into(),
                configuration_keys: None,
            }],
            include_synonyms: true,
            include_documentation: false,
        };
        assert_golden(&expected, 1, &bytes);
    }

    #[test]
    fn test_describe_configs_response_v4_golden_bytes() {
        let bytes = [
            0, 0, 0, 0, // throttle_time_ms
            2, // results: 1 (compact: n+1)
            0, 0, // error_code
            0, // error_message: null
            2, // resource_type
            2, b't', // resource_name
            2,    // configs: 1
            2, b'k', // name
            2, b'v', // value
            0,    // read_only
            5,    // config_source: default
            0,    // is_sensitive
            2,    // synonyms: 1
            2, b'k', // synonym name
            0,    // synonym value: null
            5,    // synonym source
            0,    // synonym tagged fields
            3,    // config_type: int
            0,    // documentation: null
            0,    // config tagged fields
            0,    // result tagged fields
            0,    // top-level tagged fields
        ];
        let expected = DescribeConfigsResponse {
            throttle_time_ms: 0,
            results: vec![DescribeConfigsResult {
                error_code: ErrorCode::NONE,
                error_message: None,
                resource_type: 2,
                resource_name: "t".into(),
                configs: vec![DescribeConfigsResourceResult {
                    name: "k".into(),
                    value: Some("v".into()),
                    read_only: false,
                    config_source: 5,
                    is_sensitive: false,
                    synonyms: vec![DescribeConfigsSynonym {
                        name: "k".into(),
                        value: None,
                        source: 5,
                    }],
                    config_type: 3,
                    documentation: None,
                }],
            }],
        };
        assert_golden(&expected, 4, &bytes);

        // An unknown top-level tagged field (tag 7, one byte) is skipped.
        let mut tagged = bytes[..bytes.len() - 1].to_vec();
        tagged.extend([1, 7, 1, 0xee]);
        assert_eq!(
            decode_exact::<DescribeConfigsResponse>(&tagged, 4),
            expected
        );
    }

    proptest! {
        #[test]
        fn test_describe_configs_decoders_never_panic(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<DescribeConfigsRequest>(&bytes, [version]);
            decode_without_panicking::<DescribeConfigsResponse>(&bytes, [version]);
        }
    }
}
