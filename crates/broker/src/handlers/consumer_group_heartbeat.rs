//! ConsumerGroupHeartbeat (KIP-848): a member of a consumer-protocol group reports its
//! subscription and what it owns, and learns its epoch and assignment.

use std::collections::BTreeSet;
use std::sync::Arc;

use fjord_group_coordinator::consumer::HeartbeatRequest;
use fjord_group_coordinator::records::consumer_group::Assignment;
use fjord_protocol::messages::consumer_group_heartbeat::{
    ConsumerGroupHeartbeatRequest, ConsumerGroupHeartbeatResponse, HeartbeatAssignment,
    HeartbeatTopicPartitions,
};
use fjord_protocol::ApiKey;

use crate::group_coordination::ImageTopics;
use crate::response::{later, ResponseFuture};
use crate::{Broker, RequestContext};

pub fn handle(
    broker: &Arc<Broker>,
    ctx: &RequestContext,
    client_id: &str,
    request: ConsumerGroupHeartbeatRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let heartbeat = HeartbeatRequest {
        group_id: request.group_id,
        member_id: request.member_id,
        member_epoch: request.member_epoch,
        instance_id: request.instance_id,
        rack_id: request.rack_id,
        rebalance_timeout_ms: request.rebalance_timeout_ms,
        subscribed_topic_names: request.subscribed_topic_names,
        subscribed_topic_regex: request.subscribed_topic_regex,
        server_assignor: request.server_assignor,
        owned: request.topic_partitions.map(to_assignment),
        client_id: client_id.to_owned(),
        client_host: format!("/{}", ctx.peer.ip()),
    };
    let groups = Arc::clone(&broker.groups);
    let topics = ImageTopics(broker.metadata.image());
    later(
        ApiKey::ConsumerGroupHeartbeat,
        version,
        correlation_id,
        async move {
            let outcome = groups.consumer_heartbeat(heartbeat, &topics).await;
            ConsumerGroupHeartbeatResponse {
                error_code: outcome.error,
                error_message: outcome.error_message,
                member_id: outcome.member_id,
                member_epoch: outcome.member_epoch,
                heartbeat_interval_ms: outcome.heartbeat_interval_ms,
                assignment: outcome.assignment.map(|a| HeartbeatAssignment {
                    topic_partitions: from_assignment(&a),
                }),
                ..Default::default()
            }
        },
    )
}

fn to_assignment(topics: Vec<HeartbeatTopicPartitions>) -> Assignment {
    let mut assignment = Assignment::new();
    for topic in topics {
        assignment
            .entry(topic.topic_id)
            .or_default()
            .extend(topic.partitions);
    }
    assignment
}

pub(crate) fn from_assignment(assignment: &Assignment) -> Vec<HeartbeatTopicPartitions> {
    assignment
        .iter()
        .filter(|(_, partitions)| !partitions.is_empty())
        .map(
            |(id, partitions): (&[u8; 16], &BTreeSet<i32>)| HeartbeatTopicPartitions {
                topic_id: *id,
                partitions: partitions.iter().copied().collect(),
            },
        )
        .collect()
}
