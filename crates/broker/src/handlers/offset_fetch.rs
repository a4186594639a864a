//! OffsetFetch: a group's committed offsets — one group before v8, a batch after.

use fjord_group_coordinator::shard::FetchedOffset;
use fjord_protocol::messages::offset_fetch::{
    OffsetFetchRequest, OffsetFetchRequestTopic, OffsetFetchResponse, OffsetFetchResponseGroup,
    OffsetFetchResponsePartition, OffsetFetchResponseTopic,
};
use fjord_protocol::ErrorCode;

use crate::Broker;

const BATCHED: i16 = 8;
/// Before v2 there is no top-level error: each partition carries it.
const TOP_LEVEL_ERROR: i16 = 2;

pub fn handle(broker: &Broker, request: &OffsetFetchRequest, version: i16) -> OffsetFetchResponse {
    if version >= BATCHED {
        return OffsetFetchResponse {
            groups: request
                .groups
                .iter()
                .map(|g| {
                    let member = g.member_id.as_deref().map(|m| (m, g.member_epoch));
                    let (topics, error_code) =
                        fetch(broker, &g.group_id, g.topics.as_deref(), member);
                    OffsetFetchResponseGroup {
                        group_id: g.group_id.clone(),
                        topics,
                        error_code,
                    }
                })
                .collect(),
            ..Default::default()
        };
    }
    let (topics, error_code) = fetch(broker, &request.group_id, request.topics.as_deref(), None);
    OffsetFetchResponse {
        topics,
        error_code,
        ..Default::default()
    }
    .with_partition_errors(version)
}

/// The group's offsets as response topics, and the group-level error.
fn fetch(
    broker: &Broker,
    group_id: &str,
    topics: Option<&[OffsetFetchRequestTopic]>,
    member: Option<(&str, i32)>,
) -> (Vec<OffsetFetchResponseTopic>, ErrorCode) {
    let wanted: Option<Vec<(String, Vec<i32>)>> = topics.map(|topics| {
        topics
            .iter()
            .map(|t| (t.name.clone(), t.partition_indexes.clone()))
            .collect()
    });
    match broker
        .groups
        .fetch_offsets(group_id, wanted.as_deref(), member)
    {
        Ok(offsets) => (group_by_topic(offsets), ErrorCode::NONE),
        Err(code) => {
            // The requested partitions are listed with the error too (v0-1 read it there).
            let failed = wanted
                .unwrap_or_default()
                .into_iter()
                .flat_map(|(topic, partitions)| {
                    partitions.into_iter().map(move |partition| FetchedOffset {
                        topic: topic.clone(),
                        partition,
                        offset: -1,
                        leader_epoch: -1,
                        metadata: String::new(),
                        error: code,
                    })
                })
                .collect();
            (group_by_topic(failed), code)
        }
    }
}

fn group_by_topic(offsets: Vec<FetchedOffset>) -> Vec<OffsetFetchResponseTopic> {
    let mut topics: Vec<OffsetFetchResponseTopic> = Vec::new();
    for offset in offsets {
        if topics.last().is_none_or(|t| t.name != offset.topic) {
            topics.push(OffsetFetchResponseTopic {
                name: offset.topic.clone(),
                partitions: Vec::new(),
            });
        }
        if let Some(topic) = topics.last_mut() {
            topic.partitions.push(OffsetFetchResponsePartition {
                partition_index: offset.partition,
                committed_offset: offset.offset,
                committed_leader_epoch: offset.leader_epoch,
                metadata: Some(offset.metadata),
                error_code: offset.error,
            });
        }
    }
    topics
}

trait PartitionErrors {
    fn with_partition_errors(self, version: i16) -> Self;
}

impl PartitionErrors for OffsetFetchResponse {
    /// v0-1 have no top-level error: a group-level error is only in the partitions.
    fn with_partition_errors(mut self, version: i16) -> Self {
        if version < TOP_LEVEL_ERROR {
            self.error_code = ErrorCode::NONE;
        }
        self
    }
}
