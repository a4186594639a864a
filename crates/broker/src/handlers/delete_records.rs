//! DeleteRecords: moves partitions' log start offsets forward, as Kafka's
//! `ReplicaManager.deleteRecords` and `Partition.deleteRecordsOnLeader` do.
//!
//! The requested offset (-1 for the high watermark) becomes the log start offset; it
//! never moves back, and it may not pass the high watermark. The low watermark answered
//! is the partition's log start offset afterwards: the smallest among its replicas,
//! which on one node is the leader's own, so there is nothing to wait for and
//! `timeout_ms` is not used.

use fjord_protocol::messages::delete_records::{
    DeleteRecordsPartitionResult, DeleteRecordsRequest, DeleteRecordsResponse,
    DeleteRecordsTopicResult,
};
use fjord_protocol::ErrorCode;

use crate::error::storage_error_code;
use crate::metadata::INTERNAL_TOPICS;
use crate::Broker;

/// The offset meaning "up to the high watermark".
const HIGH_WATERMARK: i64 = -1;

pub fn handle(
    broker: &Broker,
    request: &DeleteRecordsRequest,
    _version: i16,
) -> DeleteRecordsResponse {
    let topics = request
        .topics
        .iter()
        .map(|topic| DeleteRecordsTopicResult {
            name: topic.name.clone(),
            partitions: topic
                .partitions
                .iter()
                .map(|p| {
                    let (low_watermark, error_code) =
                        match delete(broker, &topic.name, p.partition_index, p.offset) {
                            Ok(low_watermark) => (low_watermark, ErrorCode::NONE),
                            Err(code) => (-1, code),
                        };
                    DeleteRecordsPartitionResult {
                        partition_index: p.partition_index,
                        low_watermark,
                        error_code,
                    }
                })
                .collect(),
        })
        .collect();
    DeleteRecordsResponse {
        throttle_time_ms: 0,
        topics,
    }
}

/// The partition's low watermark after deleting the records below `offset`.
fn delete(broker: &Broker, topic: &str, partition: i32, offset: i64) -> Result<i64, ErrorCode> {
    if INTERNAL_TOPICS.contains(&topic) {
        return Err(ErrorCode::INVALID_TOPIC_EXCEPTION);
    }
    let (log, _) = broker.leader_log(topic, partition)?;
    // A compacted-only log keeps the latest record of every key; deleting would break that.
    if !log.config().cleanup_policy.delete {
        return Err(ErrorCode::POLICY_VIOLATION);
    }
    // One replica: the high watermark is the log end offset.
    let high_watermark = log.log_end_offset();
    let offset = if offset == HIGH_WATERMARK {
        high_watermark
    } else {
        offset
    };
    if !(0..=high_watermark).contains(&offset) {
        return Err(ErrorCode::OFFSET_OUT_OF_RANGE);
    }
    log.delete_records_before(offset).map_err(|err| {
        tracing::warn!(topic, partition, %err, "DeleteRecords failed");
        storage_error_code(&err)
    })
}
