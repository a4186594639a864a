//! OffsetCommit: a group's consumed positions, stored in `__consumer_offsets`.

use std::sync::Arc;

use fjord_group_coordinator::shard::{CommitEntry, CommitRequest};
use fjord_protocol::messages::offset_commit::{
    OffsetCommitRequest, OffsetCommitResponse, OffsetCommitResponsePartition,
    OffsetCommitResponseTopic,
};
use fjord_protocol::{ApiKey, ErrorCode};

use crate::response::{later, ResponseFuture};
use crate::Broker;

pub fn handle(
    broker: &Arc<Broker>,
    request: OffsetCommitRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let image = broker.metadata.image();
    // Partitions that do not exist are answered here, as Kafka's request handler does;
    // the rest go to the coordinator.
    let mut answers: Vec<(String, i32, Option<ErrorCode>)> = Vec::new();
    let mut entries = Vec::new();
    for topic in &request.topics {
        let known = image.topic(&topic.name);
        for p in &topic.partitions {
            let exists = known.as_ref().is_some_and(|t| {
                p.partition_index >= 0 && (p.partition_index as usize) < t.partitions.len()
            });
            if exists {
                entries.push(CommitEntry {
                    topic: topic.name.clone(),
                    partition: p.partition_index,
                    offset: p.committed_offset,
                    leader_epoch: p.committed_leader_epoch,
                    metadata: p.committed_metadata.clone(),
                });
                answers.push((topic.name.clone(), p.partition_index, None));
            } else {
                answers.push((
                    topic.name.clone(),
                    p.partition_index,
                    Some(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION),
                ));
            }
        }
    }
    let commit = CommitRequest {
        group_id: request.group_id,
        generation_id: request.generation_id_or_member_epoch,
        member_id: request.member_id,
        group_instance_id: request.group_instance_id,
        retention_time_ms: request.retention_time_ms,
        entries,
    };
    let groups = Arc::clone(&broker.groups);
    later(ApiKey::OffsetCommit, version, correlation_id, async move {
        let mut errors = if commit.entries.is_empty() {
            Vec::new()
        } else {
            groups.commit_offsets(&commit).await
        }
        .into_iter();
        let mut response = OffsetCommitResponse::default();
        for (topic, partition, refused) in answers {
            let error_code = refused.unwrap_or_else(|| errors.next().unwrap_or(ErrorCode::NONE));
            if response.topics.last().is_none_or(|t| t.name != topic) {
                response.topics.push(OffsetCommitResponseTopic {
                    name: topic,
                    partitions: Vec::new(),
                });
            }
            if let Some(t) = response.topics.last_mut() {
                t.partitions.push(OffsetCommitResponsePartition {
                    partition_index: partition,
                    error_code,
                });
            }
        }
        response
    })
}
