//! Metadata: brokers, controller, topics with their partitions, leaders and ISR;
//! auto-creation of requested topics when `auto.create.topics.enable` is on.

use fjord_protocol::messages::metadata::{
    MetadataRequest, MetadataResponse, MetadataResponseBroker, MetadataResponsePartition,
    MetadataResponseTopic,
};
use fjord_protocol::ErrorCode;

use crate::metadata::{MetadataImage, TopicMetadata};
use crate::{Broker, RequestContext};

/// Kafka's "not requested" value for authorized-operation fields.
const NOT_REQUESTED: i32 = i32::MIN;
/// Without ACLs every topic operation is allowed: READ, WRITE, CREATE, DELETE, ALTER,
/// DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS.
const ALL_TOPIC_OPERATIONS: i32 =
    (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 10) | (1 << 11);

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    request: &MetadataRequest,
    version: i16,
) -> MetadataResponse {
    // Before v4 there is no flag: a named topic is created if the broker allows it.
    let may_create = broker.config.auto_create_topics_enable
        && (version < 4 || request.allow_auto_topic_creation);
    let operations = if request.include_topic_authorized_operations {
        ALL_TOPIC_OPERATIONS
    } else {
        NOT_REQUESTED
    };
    let topics = match &request.topics {
        // v0 used an empty list for "all topics"; v1+ uses null.
        Some(topics) if !(version == 0 && topics.is_empty()) => topics
            .iter()
            .map(|t| {
                let by_id = t.topic_id != [0u8; 16];
                describe_requested(
                    broker,
                    t.name.as_deref(),
                    t.topic_id,
                    by_id,
                    may_create,
                    operations,
                )
            })
            .collect(),
        _ => broker
            .metadata
            .image()
            .topics()
            .map(|t| describe(t, operations))
            .collect(),
    };
    let image = broker.metadata.image();
    MetadataResponse {
        throttle_time_ms: 0,
        brokers: brokers(&image, &ctx.listener),
        cluster_id: Some(image.cluster_id().to_owned()),
        controller_id: image.controller_id(),
        topics,
        cluster_authorized_operations: NOT_REQUESTED,
    }
}

fn brokers(image: &MetadataImage, listener: &str) -> Vec<MetadataResponseBroker> {
    image
        .brokers_on(listener)
        .into_iter()
        .map(|b| MetadataResponseBroker {
            node_id: b.node_id,
            host: b.host.clone(),
            port: b.port,
            rack: b.rack.clone(),
        })
        .collect()
}

fn describe_requested(
    broker: &Broker,
    name: Option<&str>,
    topic_id: [u8; 16],
    by_id: bool,
    may_create: bool,
    operations: i32,
) -> MetadataResponseTopic {
    let image = broker.metadata.image();
    let found = match (name, by_id) {
        (Some(name), _) => image.topic(name),
        (None, true) => image.topic_by_id(uuid::Uuid::from_bytes(topic_id)),
        (None, false) => None,
    };
    if let Some(topic) = found {
        return describe(&topic, operations);
    }
    let error = |code: ErrorCode| MetadataResponseTopic {
        error_code: code,
        name: name.map(str::to_owned),
        topic_id,
        is_internal: false,
        partitions: Vec::new(),
        topic_authorized_operations: operations,
    };
    let Some(name) = name else {
        return error(ErrorCode::UNKNOWN_TOPIC_ID);
    };
    if !may_create {
        return error(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    }
    match broker.auto_create_topic(name) {
        Ok(topic) => describe(&topic, operations),
        Err(err) => {
            tracing::info!(topic = name, %err, "auto-creation refused");
            error(err.code)
        }
    }
}

fn describe(topic: &TopicMetadata, operations: i32) -> MetadataResponseTopic {
    MetadataResponseTopic {
        error_code: ErrorCode::NONE,
        name: Some(topic.name.clone()),
        topic_id: *topic.id.as_bytes(),
        is_internal: topic.internal,
        partitions: topic
            .partitions
            .iter()
            .map(|p| MetadataResponsePartition {
                error_code: ErrorCode::NONE,
                partition_index: p.index,
                leader_id: p.leader,
                leader_epoch: p.leader_epoch,
                replica_nodes: p.replicas.clone(),
                isr_nodes: p.isr.clone(),
                offline_replicas: Vec::new(),
            })
            .collect(),
        topic_authorized_operations: operations,
    }
}
