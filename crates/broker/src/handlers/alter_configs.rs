//! AlterConfigs (legacy): replaces the whole set of a topic's config overrides with the
//! entries given; keys left out go back to the broker's defaults.
//!
//! Checks run in the order Kafka's `ConfigAdminManager.preprocess` and the controller's
//! `ConfigurationControlManager` run them: each resource at most once, no key twice,
//! no null value, the resource type; then the topic name, the new configs, and last
//! whether the topic exists. Broker configs cannot change at runtime in Fjord (it has
//! no dynamic broker configs), so any broker key is refused as Kafka refuses a static
//! one. This module also holds the steps IncrementalAlterConfigs shares.

use std::collections::HashSet;

use fjord_protocol::messages::alter_configs::{
    AlterConfigsRequest, AlterConfigsResourceResponse, AlterConfigsResponse,
};
use fjord_protocol::ErrorCode;
use parking_lot::Mutex;

use super::describe_configs::{BROKER, TOPIC};
use crate::metadata::{validate_topic_name, MetadataError};
use crate::Broker;

/// Serialises config changes from reading a topic's overrides to storing the new ones,
/// so that two concurrent IncrementalAlterConfigs cannot lose each other's keys.
pub(crate) static CONFIG_CHANGES: Mutex<()> = Mutex::new(());

pub fn handle(
    broker: &Broker,
    request: &AlterConfigsRequest,
    _version: i16,
) -> AlterConfigsResponse {
    let repeated = repeated_resources(
        request
            .resources
            .iter()
            .map(|r| (r.resource_type, r.resource_name.as_str())),
    );
    let responses = request
        .resources
        .iter()
        .enumerate()
        .map(|(i, resource)| {
            let outcome = if repeated.contains(&i) {
                Err(repeated_resource())
            } else {
                alter(broker, resource, request.validate_only)
            };
            if let Err(err) = &outcome {
                tracing::info!(resource = %resource.resource_name, %err, "AlterConfigs refused");
            }
            let (error_code, error_message) = match outcome {
                Ok(()) => (ErrorCode::NONE, None),
                Err(err) => (err.code, Some(err.message)),
            };
            AlterConfigsResourceResponse {
                error_code,
                error_message,
                resource_type: resource.resource_type,
                resource_name: resource.resource_name.clone(),
            }
        })
        .collect();
    AlterConfigsResponse {
        throttle_time_ms: 0,
        responses,
    }
}

fn alter(
    broker: &Broker,
    resource: &fjord_protocol::messages::alter_configs::AlterConfigsResource,
    validate_only: bool,
) -> Result<(), MetadataError> {
    check_unique_keys(resource.configs.iter().map(|c| c.name.as_str()))?;
    check_no_null_values(
        resource
            .configs
            .iter()
            .map(|c| (c.name.as_str(), c.value.is_some())),
    )?;
    let configs: Vec<(String, String)> = resource
        .configs
        .iter()
        .map(|c| (c.name.clone(), c.value.clone().unwrap_or_default()))
        .collect();
    match resource.resource_type {
        TOPIC => {
            let _serialised = CONFIG_CHANGES.lock();
            replace_topic_configs(broker, &resource.resource_name, configs, validate_only)
        }
        BROKER => {
            check_broker_name(broker, &resource.resource_name)?;
            refuse_broker_changes(configs.iter().map(|(name, _)| name.as_str()))
        }
        other => Err(unknown_resource_type(other)),
    }
}

/// The indexes of resources named more than once (same type and name): Kafka refuses
/// every copy.
pub(crate) fn repeated_resources<'a>(
    resources: impl Iterator<Item = (i8, &'a str)> + Clone,
) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let twice: HashSet<(i8, &str)> = resources.clone().filter(|r| !seen.insert(*r)).collect();
    resources
        .enumerate()
        .filter(|(_, r)| twice.contains(r))
        .map(|(i, _)| i)
        .collect()
}

pub(crate) fn repeated_resource() -> MetadataError {
    MetadataError::new(
        ErrorCode::INVALID_REQUEST,
        "Each resource must appear at most once.",
    )
}

pub(crate) fn check_unique_keys<'a>(
    mut names: impl Iterator<Item = &'a str>,
) -> Result<(), MetadataError> {
    let mut seen = HashSet::new();
    if names.any(|name| !seen.insert(name)) {
        return Err(MetadataError::new(
            ErrorCode::INVALID_REQUEST,
            "Error due to duplicate config keys",
        ));
    }
    Ok(())
}

/// `configs` are (name, whether a value is given) pairs of the keys that need a value.
pub(crate) fn check_no_null_values<'a>(
    configs: impl Iterator<Item = (&'a str, bool)>,
) -> Result<(), MetadataError> {
    let missing: Vec<&str> = configs
        .filter(|(_, has_value)| !has_value)
        .map(|(name, _)| name)
        .collect();
    if !missing.is_empty() {
        return Err(MetadataError::new(
            ErrorCode::INVALID_REQUEST,
            format!("Null value not supported for : {}", missing.join(", ")),
        ));
    }
    Ok(())
}

pub(crate) fn unknown_resource_type(resource_type: i8) -> MetadataError {
    MetadataError::new(
        ErrorCode::INVALID_REQUEST,
        format!("Unknown resource type {resource_type}"),
    )
}

/// A broker resource names this node, or is empty for the cluster-wide default.
pub(crate) fn check_broker_name(broker: &Broker, name: &str) -> Result<(), MetadataError> {
    if name.is_empty() {
        return Ok(());
    }
    let node_id = broker.config.node_id;
    let id: i32 = name.parse().map_err(|_| {
        MetadataError::new(
            ErrorCode::INVALID_REQUEST,
            format!("Node id must be an integer, but it is: {name}"),
        )
    })?;
    if id != node_id {
        return Err(MetadataError::new(
            ErrorCode::INVALID_REQUEST,
            format!("Unexpected broker id, expected {node_id}, but received {name}"),
        ));
    }
    Ok(())
}

/// Fjord reads its broker configs at start only: setting any of them is refused with
/// Kafka's answer for a key that is not dynamically updatable. Removing keys succeeds,
/// as there are no dynamic values to remove.
pub(crate) fn refuse_broker_changes<'a>(
    names: impl Iterator<Item = &'a str>,
) -> Result<(), MetadataError> {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        return Ok(());
    }
    Err(MetadataError::new(
        ErrorCode::INVALID_REQUEST,
        format!(
            "Cannot update these configs dynamically: Set({})",
            names.join(", ")
        ),
    ))
}

/// Validates `configs` as the complete overrides of topic `name` and, unless
/// `validate_only`, stores them and applies them to the topic's logs. The caller holds
/// [`CONFIG_CHANGES`].
pub(crate) fn replace_topic_configs(
    broker: &Broker,
    name: &str,
    configs: Vec<(String, String)>,
    validate_only: bool,
) -> Result<(), MetadataError> {
    if name.is_empty() {
        return Err(MetadataError::new(
            ErrorCode::INVALID_REQUEST,
            "Default topic resources are not allowed.",
        ));
    }
    validate_topic_name(name)?;
    broker
        .config
        .topic_config()
        .with_overrides(&configs)
        .map_err(|err| MetadataError::new(ErrorCode::INVALID_CONFIG, err.to_string()))?;
    let Some(current) = broker.metadata.image().topic(name) else {
        return Err(MetadataError::new(
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
            format!("The topic '{name}' does not exist."),
        ));
    };
    if validate_only || current.configs == configs {
        return Ok(());
    }
    let topic = broker.metadata.set_topic_configs(name, configs)?;
    broker.ensure_logs(&topic)?;
    tracing::info!(topic = name, configs = ?topic.configs, "altered topic configs");
    Ok(())
}
