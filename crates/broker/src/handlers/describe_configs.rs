//! DescribeConfigs: the effective configuration of a topic (every topic key, with
//! where its value comes from) and of this broker, as Kafka's `ConfigHelper` reports
//! them.
//!
//! Sources follow Kafka's order of precedence: a topic override
//! (`DYNAMIC_TOPIC_CONFIG`), then a broker key set in the file, environment or
//! `--override` (`STATIC_BROKER_CONFIG`), then the built-in default
//! (`DEFAULT_CONFIG`). Fjord has no dynamic broker configs, so every broker entry is
//! read-only and the cluster-default broker resource (empty name) has no entries.
//!
//! One divergence: Kafka drops a topic entry's broker synonyms unless the most specific
//! broker key (`log.retention.ms` for `retention.ms`) is among them, so a topic whose
//! retention comes from `log.retention.hours` reads as DEFAULT_CONFIG there. Fjord
//! reports it as STATIC_BROKER_CONFIG, with that key as its synonym, as
//! [`fjord_config::describe_topic_config`] decides.

use std::collections::HashMap;

use fjord_config::{
    describe_topic_config, topic_config_keys, ConfigType, ServerConfigEntry, TopicConfigEntry,
    TopicConfigSource, SERVER_CONFIG_DEF,
};
use fjord_protocol::messages::describe_configs::{
    DescribeConfigsRequest, DescribeConfigsResource, DescribeConfigsResourceResult,
    DescribeConfigsResponse, DescribeConfigsResult, DescribeConfigsSynonym,
};
use fjord_protocol::ErrorCode;

use crate::metadata::{validate_topic_name, MetadataError};
use crate::Broker;

/// Kafka's `ConfigResource.Type` ids.
pub(crate) const TOPIC: i8 = 2;
pub(crate) const BROKER: i8 = 4;
const BROKER_LOGGER: i8 = 8;
const CLIENT_METRICS: i8 = 16;
const GROUP: i8 = 32;

/// Kafka's `DescribeConfigsResponse.ConfigSource` ids that Fjord reports.
const DYNAMIC_TOPIC_CONFIG: i8 = 1;
const STATIC_BROKER_CONFIG: i8 = 4;
const DEFAULT_CONFIG: i8 = 5;

/// Kafka's `Errors.INVALID_REQUEST` message, sent when the whole request is refused.
const INVALID_REQUEST_MESSAGE: &str = "This most likely occurs because of a request being \
     malformed by the client library or the message was sent to an incompatible broker. See \
     the broker logs for more details.";

pub fn handle(
    broker: &Broker,
    request: &DescribeConfigsRequest,
    _version: i16,
) -> DescribeConfigsResponse {
    // Kafka fails the whole request, not one resource, on a type it does not know.
    let known = [TOPIC, BROKER, BROKER_LOGGER, CLIENT_METRICS, GROUP];
    if let Some(unknown) = request
        .resources
        .iter()
        .find(|r| !known.contains(&r.resource_type))
    {
        tracing::info!(
            resource_type = unknown.resource_type,
            "DescribeConfigs for an unknown resource type"
        );
        let results = request
            .resources
            .iter()
            .map(|r| {
                error_result(
                    r,
                    MetadataError::new(ErrorCode::INVALID_REQUEST, INVALID_REQUEST_MESSAGE),
                )
            })
            .collect();
        return DescribeConfigsResponse {
            throttle_time_ms: 0,
            results,
        };
    }
    let options = Options {
        include_synonyms: request.include_synonyms,
        include_documentation: request.include_documentation,
    };
    let results = request
        .resources
        .iter()
        .map(|resource| {
            let described = match resource.resource_type {
                TOPIC => describe_topic(broker, &resource.resource_name, options),
                BROKER => describe_broker(broker, &resource.resource_name, options),
                other => Err(MetadataError::new(
                    ErrorCode::INVALID_REQUEST,
                    format!("Unsupported resource type: {}", resource_type_name(other)),
                )),
            };
            match described {
                Ok(configs) => DescribeConfigsResult {
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    resource_type: resource.resource_type,
                    resource_name: resource.resource_name.clone(),
                    configs: configs
                        .into_iter()
                        .filter(|c| wanted(resource, &c.name))
                        .collect(),
                },
                Err(err) => error_result(resource, err),
            }
        })
        .collect();
    DescribeConfigsResponse {
        throttle_time_ms: 0,
        results,
    }
}

#[derive(Clone, Copy)]
struct Options {
    include_synonyms: bool,
    include_documentation: bool,
}

/// Null or empty `configuration_keys` asks for every key; unknown keys are ignored.
fn wanted(resource: &DescribeConfigsResource, name: &str) -> bool {
    match &resource.configuration_keys {
        Some(keys) if !keys.is_empty() => keys.iter().any(|k| k == name),
        _ => true,
    }
}

fn error_result(resource: &DescribeConfigsResource, err: MetadataError) -> DescribeConfigsResult {
    DescribeConfigsResult {
        error_code: err.code,
        // Kafka sends no message for an unknown topic, only the code.
        error_message: (!err.message.is_empty()).then_some(err.message),
        resource_type: resource.resource_type,
        resource_name: resource.resource_name.clone(),
        configs: Vec::new(),
    }
}

/// Kafka's name of a `ConfigResource.Type`, as its error messages spell it.
fn resource_type_name(resource_type: i8) -> &'static str {
    match resource_type {
        TOPIC => "TOPIC",
        BROKER => "BROKER",
        BROKER_LOGGER => "BROKER_LOGGER",
        CLIENT_METRICS => "CLIENT_METRICS",
        GROUP => "GROUP",
        _ => "UNKNOWN",
    }
}

fn describe_topic(
    broker: &Broker,
    name: &str,
    options: Options,
) -> Result<Vec<DescribeConfigsResourceResult>, MetadataError> {
    validate_topic_name(name)?;
    let Some(topic) = broker.metadata.image().topic(name) else {
        return Err(MetadataError::new(
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
            "",
        ));
    };
    let entries = describe_topic_config(&broker.config, &topic.configs)
        .map_err(|err| MetadataError::new(ErrorCode::INVALID_CONFIG, err.to_string()))?;
    let server = ServerEntries::new(broker);
    Ok(entries
        .into_iter()
        .map(|entry| topic_entry(&server, entry, options))
        .collect())
}

fn topic_entry(
    server: &ServerEntries,
    entry: TopicConfigEntry,
    options: Options,
) -> DescribeConfigsResourceResult {
    let config_source = match entry.source {
        TopicConfigSource::TopicOverride => DYNAMIC_TOPIC_CONFIG,
        TopicConfigSource::StaticBroker { .. } => STATIC_BROKER_CONFIG,
        TopicConfigSource::Default => DEFAULT_CONFIG,
    };
    let synonyms = if options.include_synonyms {
        let broker_keys = topic_config_keys()
            .iter()
            .find(|k| k.key.name == entry.name)
            .map_or(&[][..], |k| k.synonyms);
        let own =
            (entry.source == TopicConfigSource::TopicOverride).then(|| DescribeConfigsSynonym {
                name: entry.name.to_owned(),
                value: Some(entry.value.clone()),
                source: DYNAMIC_TOPIC_CONFIG,
            });
        own.into_iter()
            .chain(server.synonyms(broker_keys))
            .collect()
    } else {
        Vec::new()
    };
    DescribeConfigsResourceResult {
        name: entry.name.to_owned(),
        value: Some(entry.value),
        read_only: false,
        config_source,
        is_sensitive: false,
        synonyms,
        config_type: config_type_code(entry.ty),
        documentation: options.include_documentation.then(|| entry.doc.to_owned()),
    }
}

fn describe_broker(
    broker: &Broker,
    name: &str,
    options: Options,
) -> Result<Vec<DescribeConfigsResourceResult>, MetadataError> {
    // The cluster-wide default resource lists the dynamic defaults: Fjord has none.
    if name.is_empty() {
        return Ok(Vec::new());
    }
    let node_id = broker.config.node_id;
    let id: i32 = name.parse().map_err(|_| {
        MetadataError::new(
            ErrorCode::INVALID_REQUEST,
            format!("Broker id must be an integer, but it is: {name}"),
        )
    })?;
    if id != node_id {
        return Err(MetadataError::new(
            ErrorCode::INVALID_REQUEST,
            format!(
                "Unexpected broker id, expected {node_id} or empty string, but received {name}"
            ),
        ));
    }
    let server = ServerEntries::new(broker);
    Ok(server
        .entries
        .iter()
        .map(|entry| broker_entry(&server, entry, options))
        .collect())
}

fn broker_entry(
    server: &ServerEntries,
    entry: &ServerConfigEntry,
    options: Options,
) -> DescribeConfigsResourceResult {
    // Kafka lists a key's synonyms from its own first entry on: a key that is set
    // comes first as STATIC_BROKER_CONFIG, then the defaults.
    let all = server.synonyms(&broker_synonyms(entry.name));
    let synonyms: Vec<_> = all
        .into_iter()
        .skip_while(|s| s.name != entry.name)
        .collect();
    let config_source = synonyms.first().map_or(DEFAULT_CONFIG, |s| s.source);
    DescribeConfigsResourceResult {
        name: entry.name.to_owned(),
        value: entry.value.clone(),
        // Only dynamic broker configs may be altered, and Fjord has none.
        read_only: true,
        config_source,
        is_sensitive: false,
        synonyms: if options.include_synonyms {
            synonyms
        } else {
            Vec::new()
        },
        config_type: SERVER_CONFIG_DEF
            .find(entry.name)
            .map_or(0, |k| config_type_code(k.ty)),
        documentation: options.include_documentation.then(|| entry.doc.to_owned()),
    }
}

/// The broker keys that supply the same setting as `name`, most specific first (Kafka's
/// `brokerConfigSynonyms`): `log.retention.ms`, `.minutes` and `.hours` for any of
/// them, and so on. Taken from the topic keys' synonym lists, which name every such
/// family.
fn broker_synonyms(name: &'static str) -> Vec<&'static str> {
    topic_config_keys()
        .iter()
        .map(|k| k.synonyms)
        .find(|synonyms| synonyms.len() > 1 && synonyms.contains(&name))
        .map_or_else(|| vec![name], <[_]>::to_vec)
}

/// Every broker key with its value and source, for one request.
struct ServerEntries {
    entries: Vec<ServerConfigEntry>,
    by_name: HashMap<&'static str, usize>,
}

impl ServerEntries {
    fn new(broker: &Broker) -> Self {
        let entries = broker.config.describe();
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name, i))
            .collect();
        Self { entries, by_name }
    }

    /// Kafka's `configSynonyms` for broker keys `names`: those set in the broker's
    /// configuration (STATIC_BROKER_CONFIG), then those with a default
    /// (DEFAULT_CONFIG), each group in the order of `names`.
    fn synonyms(&self, names: &[&str]) -> Vec<DescribeConfigsSynonym> {
        let set = names.iter().filter_map(|name| {
            let entry = &self.entries[*self.by_name.get(name)?];
            (!entry.source.is_default()).then(|| DescribeConfigsSynonym {
                name: entry.name.to_owned(),
                value: entry.value.clone(),
                source: STATIC_BROKER_CONFIG,
            })
        });
        let defaults = names.iter().filter_map(|name| {
            let key = SERVER_CONFIG_DEF.find(name)?;
            Some(DescribeConfigsSynonym {
                name: key.name.to_owned(),
                value: Some(key.default_value()?.to_string()),
                source: DEFAULT_CONFIG,
            })
        });
        set.chain(defaults).collect()
    }
}

/// Kafka's `DescribeConfigsResponse.ConfigType` id of a key's type.
fn config_type_code(ty: ConfigType) -> i8 {
    match ty {
        ConfigType::Boolean => 1,
        ConfigType::String => 2,
        ConfigType::Int => 3,
        ConfigType::Short => 4,
        ConfigType::Long => 5,
        ConfigType::Double => 6,
        ConfigType::List => 7,
    }
}
