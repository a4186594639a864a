//! TxnOffsetCommit: offsets a transactional producer commits within its transaction
//! (they count once the transaction commits).

use std::sync::Arc;

use fjord_group_coordinator::shard::{CommitEntry, CommitRequest};
use fjord_protocol::messages::txn_offset_commit::{
    TxnOffsetCommitRequest, TxnOffsetCommitResponse, TxnOffsetCommitResponsePartition,
    TxnOffsetCommitResponseTopic,
};
use fjord_protocol::ApiKey;

use crate::response::{later, ResponseFuture};
use crate::Broker;

pub fn handle(
    broker: &Arc<Broker>,
    request: TxnOffsetCommitRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let commit = CommitRequest {
        group_id: request.group_id.clone(),
        generation_id: request.generation_id,
        member_id: request.member_id.clone(),
        group_instance_id: request.group_instance_id.clone(),
        retention_time_ms: -1,
        entries: request
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions.iter().map(|p| CommitEntry {
                    topic: t.name.clone(),
                    partition: p.partition_index,
                    offset: p.committed_offset,
                    leader_epoch: p.committed_leader_epoch,
                    metadata: p.committed_metadata.clone(),
                })
            })
            .collect(),
    };
    let producer = (request.producer_id, request.producer_epoch);
    let groups = Arc::clone(&broker.groups);
    later(
        ApiKey::TxnOffsetCommit,
        version,
        correlation_id,
        async move {
            let mut errors = groups
                .txn_commit_offsets(&commit, producer)
                .await
                .into_iter();
            TxnOffsetCommitResponse {
                topics: request
                    .topics
                    .into_iter()
                    .map(|t| TxnOffsetCommitResponseTopic {
                        name: t.name,
                        partitions: t
                            .partitions
                            .into_iter()
                            .map(|p| TxnOffsetCommitResponsePartition {
                                partition_index: p.partition_index,
                                error_code: errors
                                    .next()
                                    .unwrap_or(fjord_protocol::ErrorCode::NONE),
                            })
                            .collect(),
                    })
                    .collect(),
                ..Default::default()
            }
        },
    )
}
