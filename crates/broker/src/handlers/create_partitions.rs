//! CreatePartitions: grow a topic; existing partitions and their records stay put.

use fjord_protocol::messages::create_partitions::{
    CreatePartitionsRequest, CreatePartitionsResponse, CreatePartitionsTopicResult,
};
use fjord_protocol::ErrorCode;

use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &CreatePartitionsRequest,
    _version: i16,
) -> CreatePartitionsResponse {
    let results = request
        .topics
        .iter()
        .map(|topic| {
            let outcome = if topic.assignments.as_ref().is_some_and(|a| !a.is_empty()) {
                Err((
                    ErrorCode::INVALID_REQUEST,
                    "Manual replica assignment is not supported yet.".to_owned(),
                ))
            } else {
                broker
                    .metadata
                    .create_partitions(&topic.name, topic.count, request.validate_only)
                    .and_then(|grown| {
                        if request.validate_only {
                            Ok(())
                        } else {
                            broker.ensure_logs(&grown)
                        }
                    })
                    .map_err(|err| (err.code, err.message))
            };
            match outcome {
                Ok(()) => CreatePartitionsTopicResult {
                    name: topic.name.clone(),
                    error_code: ErrorCode::NONE,
                    error_message: None,
                },
                Err((code, message)) => CreatePartitionsTopicResult {
                    name: topic.name.clone(),
                    error_code: code,
                    error_message: Some(message),
                },
            }
        })
        .collect();
    CreatePartitionsResponse {
        throttle_time_ms: 0,
        results,
    }
}
