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
            let assignment = topic
                .assignments
                .as_ref()
                .filter(|a| !a.is_empty())
                .map(|a| a.iter().map(|x| x.broker_ids.clone()).collect());
            let outcome = broker
                .metadata
                .create_partitions(&topic.name, topic.count, assignment, request.validate_only)
                .and_then(|grown| {
                    if request.validate_only {
                        Ok(())
                    } else {
                        broker.ensure_logs(&grown)
                    }
                })
                .map_err(|err| (err.code, err.message));
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
