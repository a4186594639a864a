//! DeleteTopics: by name (v1–5) or by name or id (v6+).

use fjord_protocol::messages::delete_topics::{
    DeletableTopicResult, DeleteTopicsRequest, DeleteTopicsResponse,
};
use fjord_protocol::ErrorCode;
use fjord_storage::TopicPartition;

use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &DeleteTopicsRequest,
    _version: i16,
) -> DeleteTopicsResponse {
    let image = broker.metadata.image();
    let mut targets: Vec<(Option<String>, [u8; 16])> = request
        .topic_names
        .iter()
        .map(|n| (Some(n.clone()), [0; 16]))
        .collect();
    targets.extend(request.topics.iter().map(|t| (t.name.clone(), t.topic_id)));
    let responses = targets
        .into_iter()
        .map(|(name, id)| {
            let topic = match &name {
                Some(name) if !name.is_empty() => image.topic(name),
                _ => image.topic_by_id(uuid::Uuid::from_bytes(id)),
            };
            let Some(topic) = topic else {
                let code = if name.as_deref().is_some_and(|n| !n.is_empty()) {
                    ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                } else {
                    ErrorCode::UNKNOWN_TOPIC_ID
                };
                return DeletableTopicResult { name, topic_id: id, error_code: code, error_message: Some(unknown_message(code)) };
            };
            if !broker.config.delete_topic_enable {
                return DeletableTopicResult {
                    name: Some(topic.name.clone()),
                    topic_id: *topic.id.as_bytes(),
                    error_code: ErrorCode::TOPIC_DELETION_DISABLED,
                    error_message: Some("Topic deletion is disabled.".into()),
                };
            }
            match broker.metadata.delete_topic(&topic.name) {
                Ok(_) => {
                    broker.groups.on_topic_deleted(&topic.name);
                    for p in &topic.partitions {
                        if let Err(err) = broker.logs.delete_log(&TopicPartition::new(topic.name.clone(), p.index)) {
                            tracing::warn!(topic = %topic.name, partition = p.index, %err, "cannot delete log");
                        }
                    }
                    DeletableTopicResult { name: Some(topic.name.clone()), topic_id: *topic.id.as_bytes(), error_code: ErrorCode::NONE, error_message: None }
                }
                Err(err) => DeletableTopicResult {
                    name: Some(topic.name.clone()),
                    topic_id: *topic.id.as_bytes(),
                    error_code: err.code,
                    error_message: Some(err.message),
                },
            }
        })
        .collect();
    DeleteTopicsResponse {
        throttle_time_ms: 0,
        responses,
    }
}

fn unknown_message(code: ErrorCode) -> String {
    if code == ErrorCode::UNKNOWN_TOPIC_ID {
        "This server does not host this topic ID.".into()
    } else {
        "This server does not host this topic-partition.".into()
    }
}
