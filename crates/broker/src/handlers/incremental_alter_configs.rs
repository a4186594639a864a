//! IncrementalAlterConfigs (KIP-339): sets, deletes, appends to or subtracts from
//! single topic config overrides, leaving the others as they are.
//!
//! APPEND and SUBTRACT apply only to LIST keys (`cleanup.policy`) and start from the
//! topic's effective value when it has no override (Kafka starts from the topic key's
//! built-in default, which ignores a broker's `log.cleanup.policy`). The result goes
//! through the same validation and storage as AlterConfigs.

use fjord_config::{topic_config_keys, ConfigType};
use fjord_protocol::messages::incremental_alter_configs::{
    AlterConfigsResource, AlterConfigsResourceResponse, IncrementalAlterConfigsRequest,
    IncrementalAlterConfigsResponse,
};
use fjord_protocol::ErrorCode;

use super::alter_configs::{
    check_broker_name, check_no_null_values, check_unique_keys, refuse_broker_changes,
    repeated_resource, repeated_resources, replace_topic_configs, unknown_resource_type,
    CONFIG_CHANGES,
};
use super::describe_configs::{BROKER, TOPIC};
use crate::metadata::MetadataError;
use crate::Broker;

/// Kafka's `AlterConfigOp.OpType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OpType {
    Set,
    Delete,
    Append,
    Subtract,
}

impl OpType {
    fn from_id(id: i8) -> Result<Self, MetadataError> {
        Ok(match id {
            0 => OpType::Set,
            1 => OpType::Delete,
            2 => OpType::Append,
            3 => OpType::Subtract,
            other => {
                return Err(MetadataError::new(
                    ErrorCode::INVALID_REQUEST,
                    format!("Unknown operations type {other}"),
                ))
            }
        })
    }

    fn name(self) -> &'static str {
        match self {
            OpType::Set => "SET",
            OpType::Delete => "DELETE",
            OpType::Append => "APPEND",
            OpType::Subtract => "SUBTRACT",
        }
    }
}

pub fn handle(
    broker: &Broker,
    request: &IncrementalAlterConfigsRequest,
    _version: i16,
) -> IncrementalAlterConfigsResponse {
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
                tracing::info!(resource = %resource.resource_name, %err, "IncrementalAlterConfigs refused");
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
    IncrementalAlterConfigsResponse {
        throttle_time_ms: 0,
        responses,
    }
}

fn alter(
    broker: &Broker,
    resource: &AlterConfigsResource,
    validate_only: bool,
) -> Result<(), MetadataError> {
    check_unique_keys(resource.configs.iter().map(|c| c.name.as_str()))?;
    // DELETE needs no value; every other operation (known or not) does.
    check_no_null_values(
        resource
            .configs
            .iter()
            .filter(|c| c.config_operation != 1)
            .map(|c| (c.name.as_str(), c.value.is_some())),
    )?;
    let ops = resource
        .configs
        .iter()
        .map(|c| {
            let op = OpType::from_id(c.config_operation)?;
            Ok((c.name.as_str(), op, c.value.as_deref().unwrap_or_default()))
        })
        .collect::<Result<Vec<_>, MetadataError>>()?;
    match resource.resource_type {
        TOPIC => {
            let _serialised = CONFIG_CHANGES.lock();
            let name = &resource.resource_name;
            // A missing topic is reported after validation, as Kafka does.
            let current = broker
                .metadata
                .image()
                .topic(name)
                .map(|t| t.configs.clone())
                .unwrap_or_default();
            let configs = apply(broker, current, &ops)?;
            replace_topic_configs(broker, name, configs, validate_only)
        }
        BROKER => {
            check_broker_name(broker, &resource.resource_name)?;
            refuse_broker_changes(
                ops.iter()
                    .filter(|(_, op, _)| *op != OpType::Delete)
                    .map(|(name, _, _)| *name),
            )
        }
        other => Err(unknown_resource_type(other)),
    }
}

/// `overrides` with `ops` applied in order; a key keeps its place when set again.
fn apply(
    broker: &Broker,
    mut overrides: Vec<(String, String)>,
    ops: &[(&str, OpType, &str)],
) -> Result<Vec<(String, String)>, MetadataError> {
    for &(name, op, value) in ops {
        let position = overrides.iter().position(|(k, _)| k == name);
        let new_value = match op {
            OpType::Set => value.to_owned(),
            OpType::Delete => {
                if let Some(i) = position {
                    overrides.remove(i);
                }
                continue;
            }
            OpType::Append | OpType::Subtract => {
                let is_list = topic_config_keys()
                    .iter()
                    .any(|k| k.key.name == name && k.key.ty == ConfigType::List);
                if !is_list {
                    return Err(MetadataError::new(
                        ErrorCode::INVALID_CONFIG,
                        format!(
                            "Can't {} to key {name} because its type is not LIST.",
                            op.name()
                        ),
                    ));
                }
                let current = match position {
                    Some(i) => overrides[i].1.clone(),
                    None => broker
                        .config
                        .topic_config()
                        .value_of(name)
                        .unwrap_or_default(),
                };
                let mut items: Vec<&str> = list_items(&current).collect();
                for item in list_items(value) {
                    if op == OpType::Append {
                        if !items.contains(&item) {
                            items.push(item);
                        }
                    } else {
                        items.retain(|i| *i != item);
                    }
                }
                items.join(",")
            }
        };
        match position {
            Some(i) => overrides[i].1 = new_value,
            None => overrides.push((name.to_owned(), new_value)),
        }
    }
    Ok(overrides)
}

fn list_items(value: &str) -> impl Iterator<Item = &str> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty())
}
