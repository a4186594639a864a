//! CreateTopics: validated as Kafka does (names, partitions, replication factor against
//! live brokers, configs), with `validate_only`.

use fjord_protocol::messages::create_topics::{
    CreatableReplicaAssignment, CreatableTopic, CreatableTopicResult, CreateTopicsRequest,
    CreateTopicsResponse,
};
use fjord_protocol::ErrorCode;

use crate::metadata::Placement;
use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &CreateTopicsRequest,
    _version: i16,
) -> CreateTopicsResponse {
    let topics = request
        .topics
        .iter()
        .map(|topic| {
            let duplicate = request
                .topics
                .iter()
                .filter(|t| t.name == topic.name)
                .count()
                > 1;
            let mut result = CreatableTopicResult {
                name: topic.name.clone(),
                topic_id: [0; 16],
                error_code: ErrorCode::NONE,
                error_message: None,
                topic_config_error_code: ErrorCode::NONE,
                num_partitions: -1,
                replication_factor: -1,
                configs: None,
            };
            if duplicate {
                result.error_code = ErrorCode::INVALID_REQUEST;
                result.error_message = Some(format!(
                    "Create topics request from client contains duplicate topic {}",
                    topic.name
                ));
                return result;
            }
            let configs: Vec<(String, String)> = topic
                .configs
                .iter()
                .filter_map(|c| c.value.clone().map(|v| (c.name.clone(), v)))
                .collect();
            let placement = match placement(broker, topic) {
                Ok(placement) => placement,
                Err(message) => {
                    result.error_code = ErrorCode::INVALID_REQUEST;
                    result.error_message = Some(message);
                    return result;
                }
            };
            match broker.create_topic_placed(&topic.name, placement, configs, request.validate_only)
            {
                Ok(created) => {
                    result.topic_id = *created.id.as_bytes();
                    result.num_partitions = created.partitions.len() as i32;
                    result.replication_factor = created
                        .partitions
                        .first()
                        .map_or(0, |p| p.replicas.len() as i16);
                }
                Err(err) => {
                    result.error_code = err.code;
                    result.error_message = Some(err.message);
                }
            }
            result
        })
        .collect();
    CreateTopicsResponse {
        throttle_time_ms: 0,
        topics,
    }
}

/// The placement a CreateTopics entry asks for: counts (with -1 meaning the broker's
/// default, KIP-464) or an explicit assignment, never both.
fn placement(broker: &Broker, topic: &CreatableTopic) -> Result<Placement, String> {
    if !topic.assignments.is_empty() {
        if topic.num_partitions != -1 || topic.replication_factor != -1 {
            return Err("Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.".into());
        }
        let mut assignments: Vec<&CreatableReplicaAssignment> = topic.assignments.iter().collect();
        assignments.sort_by_key(|a| a.partition_index);
        if assignments
            .iter()
            .enumerate()
            .any(|(i, a)| a.partition_index != i as i32)
        {
            return Err("Partitions should be consecutive and start from 0.".into());
        }
        return Ok(Placement::Assigned(
            assignments
                .into_iter()
                .map(|a| a.broker_ids.clone())
                .collect(),
        ));
    }
    let count = if topic.num_partitions == -1 {
        broker.config.num_partitions
    } else {
        topic.num_partitions
    };
    let replication_factor = if topic.replication_factor == -1 {
        broker
            .config
            .default_replication_factor
            .clamp(1, i16::MAX as i32) as i16
    } else {
        topic.replication_factor
    };
    Ok(Placement::Spread {
        count,
        replication_factor,
    })
}
