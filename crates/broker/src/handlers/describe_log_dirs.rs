//! DescribeLogDirs: each of this broker's log dirs with the partitions it holds and
//! their sizes, as Kafka's `ReplicaManager.describeLogDirs` reports them.
//!
//! A dir that cannot be read answers KAFKA_STORAGE_ERROR, as an offline dir does in
//! Kafka. The volume's total and usable bytes are -1 (Kafka's "unknown"): the standard
//! library has no `statvfs`. The metadata log (`__cluster_metadata-0`) is not listed,
//! as Kafka's log manager does not hold it either.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use fjord_protocol::messages::describe_log_dirs::{
    DescribeLogDirsPartition, DescribeLogDirsRequest, DescribeLogDirsResponse,
    DescribeLogDirsResult, DescribeLogDirsTopic,
};
use fjord_protocol::ErrorCode;
use fjord_storage::{Log, TopicPartition};

use crate::Broker;

/// The KRaft metadata topic, whose log the broker keeps beside the partitions.
const METADATA_TOPIC: &str = "__cluster_metadata";
/// Kafka's `DescribeLogDirsResponse.UNKNOWN_VOLUME_BYTES`.
const UNKNOWN_VOLUME_BYTES: i64 = -1;

pub fn handle(
    broker: &Broker,
    request: &DescribeLogDirsRequest,
    _version: i16,
) -> DescribeLogDirsResponse {
    let wanted: Option<HashSet<TopicPartition>> = request.topics.as_ref().map(|topics| {
        topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|&p| TopicPartition::new(t.topic.clone(), p))
            })
            .collect()
    });
    let logs: Vec<Arc<Log>> = broker
        .logs
        .all_logs()
        .into_iter()
        .filter(|log| log.topic_partition().topic != METADATA_TOPIC)
        .filter(|log| {
            wanted
                .as_ref()
                .is_none_or(|w| w.contains(log.topic_partition()))
        })
        .collect();
    let mut seen = HashSet::new();
    let results = broker
        .logs
        .config()
        .log_dirs
        .iter()
        .filter(|dir| seen.insert(dir.as_path()))
        .map(|dir| describe_dir(dir, &logs))
        .collect();
    DescribeLogDirsResponse {
        throttle_time_ms: 0,
        error_code: ErrorCode::NONE,
        results,
    }
}

fn describe_dir(dir: &Path, logs: &[Arc<Log>]) -> DescribeLogDirsResult {
    let log_dir = std::path::absolute(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string();
    if let Err(err) = std::fs::read_dir(dir) {
        tracing::warn!(dir = %log_dir, %err, "log dir unreadable");
        return DescribeLogDirsResult {
            error_code: ErrorCode::KAFKA_STORAGE_ERROR,
            log_dir,
            topics: Vec::new(),
            total_bytes: UNKNOWN_VOLUME_BYTES,
            usable_bytes: UNKNOWN_VOLUME_BYTES,
        };
    }
    let mut topics: BTreeMap<&str, Vec<DescribeLogDirsPartition>> = BTreeMap::new();
    for log in logs.iter().filter(|log| log.dir().parent() == Some(dir)) {
        let tp = log.topic_partition();
        topics
            .entry(tp.topic.as_str())
            .or_default()
            .push(DescribeLogDirsPartition {
                partition_index: tp.partition,
                partition_size: i64::try_from(log.size()).unwrap_or(i64::MAX),
                // The high watermark minus the log end offset: 0 on the only replica.
                offset_lag: 0,
                is_future_key: false,
            });
    }
    DescribeLogDirsResult {
        error_code: ErrorCode::NONE,
        log_dir,
        topics: topics
            .into_iter()
            .map(|(name, mut partitions)| {
                partitions.sort_by_key(|p| p.partition_index);
                DescribeLogDirsTopic {
                    name: name.to_owned(),
                    partitions,
                }
            })
            .collect(),
        total_bytes: UNKNOWN_VOLUME_BYTES,
        usable_bytes: UNKNOWN_VOLUME_BYTES,
    }
}
