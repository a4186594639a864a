//! CreateTopics: validated as Kafka does (names, partitions, replication factor against
//! live brokers, configs), with `validate_only`.

use fjord_protocol::messages::create_topics::{
    CreatableTopicResult, CreateTopicsRequest, CreateTopicsResponse,
};
use fjord_protocol::ErrorCode;

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
            if !topic.assignments.is_empty() {
                result.error_code = ErrorCode::INVALID_REQUEST;
                result.error_message =
                    Some("Manual replica assignment is not supported yet.".into());
                return result;
            }
            // -1 means "the broker's default" (KIP-464).
            let partitions = if topic.num_partitions == -1 {
                broker.config.num_partitions
            } else {
                topic.num_partitions
            };
            let replication = if topic.replication_factor == -1 {
                broker
                    .config
                    .default_replication_factor
                    .clamp(1, i16::MAX as i32) as i16
            } else {
                topic.replication_factor
            };
            let configs: Vec<(String, String)> = topic
                .configs
                .iter()
                .filter_map(|c| c.value.clone().map(|v| (c.name.clone(), v)))
                .collect();
            match broker.create_topic(
                &topic.name,
                partitions,
                replication,
                configs,
                request.validate_only,
            ) {
                Ok(created) => {
                    result.topic_id = *created.id.as_bytes();
                    result.num_partitions = created.partitions.len() as i32;
                    result.replication_factor = replication;
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
