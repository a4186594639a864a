//! DescribeTopicPartitions (KIP-966): topics and partitions in pages, resumed from a
//! cursor, at most `response_partition_limit` partitions per response.

use fjord_protocol::messages::describe_topic_partitions::{
    Cursor, DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse,
    DescribeTopicPartitionsResponsePartition, DescribeTopicPartitionsResponseTopic,
};
use fjord_protocol::ErrorCode;

use crate::metadata::TopicMetadata;
use crate::Broker;

/// Kafka's `max.request.partition.size.limit` default.
const MAX_PARTITIONS_PER_RESPONSE: i32 = 2000;

pub fn handle(
    broker: &Broker,
    request: &DescribeTopicPartitionsRequest,
    _version: i16,
) -> DescribeTopicPartitionsResponse {
    let image = broker.metadata.image();
    let mut names: Vec<String> = if request.topics.is_empty() {
        image.topics().map(|t| t.name.clone()).collect()
    } else {
        request.topics.iter().map(|t| t.name.clone()).collect()
    };
    names.sort();
    names.dedup();
    let limit = request
        .response_partition_limit
        .clamp(1, MAX_PARTITIONS_PER_RESPONSE) as usize;
    let mut budget = limit;
    let mut topics = Vec::new();
    let mut next_cursor = None;
    let start = request.cursor.as_ref();
    for name in names
        .iter()
        .filter(|n| start.is_none_or(|c| n.as_str() >= c.topic_name.as_str()))
    {
        let Some(topic) = image.topic(name) else {
            topics.push(unknown(name));
            continue;
        };
        let first = start
            .filter(|c| c.topic_name == *name)
            .map_or(0, |c| c.partition_index.max(0) as usize);
        if budget == 0 {
            next_cursor = Some(Cursor {
                topic_name: name.clone(),
                partition_index: first as i32,
            });
            break;
        }
        let take = (topic.partitions.len().saturating_sub(first)).min(budget);
        budget -= take;
        topics.push(describe(&topic, first, take));
        if first + take < topic.partitions.len() {
            next_cursor = Some(Cursor {
                topic_name: name.clone(),
                partition_index: (first + take) as i32,
            });
            break;
        }
    }
    DescribeTopicPartitionsResponse {
        throttle_time_ms: 0,
        topics,
        next_cursor,
    }
}

fn unknown(name: &str) -> DescribeTopicPartitionsResponseTopic {
    DescribeTopicPartitionsResponseTopic {
        error_code: ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
        name: Some(name.to_owned()),
        topic_id: [0; 16],
        is_internal: false,
        partitions: Vec::new(),
        topic_authorized_operations: i32::MIN,
    }
}

fn describe(
    topic: &TopicMetadata,
    first: usize,
    take: usize,
) -> DescribeTopicPartitionsResponseTopic {
    DescribeTopicPartitionsResponseTopic {
        error_code: ErrorCode::NONE,
        name: Some(topic.name.clone()),
        topic_id: *topic.id.as_bytes(),
        is_internal: topic.internal,
        partitions: topic.partitions[first..first + take]
            .iter()
            .map(|p| DescribeTopicPartitionsResponsePartition {
                error_code: ErrorCode::NONE,
                partition_index: p.index,
                leader_id: p.leader,
                leader_epoch: p.leader_epoch,
                replica_nodes: p.replicas.clone(),
                isr_nodes: p.isr.clone(),
                eligible_leader_replicas: None,
                last_known_elr: None,
                offline_replicas: Vec::new(),
            })
            .collect(),
        topic_authorized_operations: i32::MIN,
    }
}
