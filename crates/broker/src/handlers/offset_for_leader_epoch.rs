//! OffsetForLeaderEpoch: the end offset of a leader epoch on the partition leader, with
//! which consumers (KIP-320) and followers (KIP-101) detect a diverged log.
//!
//! As Kafka's `Partition.lastOffsetForLeaderEpoch`: the requester's current leader
//! epoch is checked first (-1 skips the check), then leadership; the answer is the
//! largest epoch not above the requested one and the offset where the next epoch starts
//! (the log end offset for the current epoch), or -1 and -1 when it is unknown.

use fjord_protocol::messages::offset_for_leader_epoch::{
    EpochEndOffset, OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse,
    OffsetForLeaderTopicResult,
};
use fjord_protocol::ErrorCode;
use fjord_storage::Log;

use crate::Broker;

/// Kafka's `RecordBatch.NO_PARTITION_LEADER_EPOCH` and `UNDEFINED_EPOCH`.
const NO_EPOCH: i32 = -1;
const UNDEFINED_OFFSET: i64 = -1;

pub fn handle(
    broker: &Broker,
    request: &OffsetForLeaderEpochRequest,
    _version: i16,
) -> OffsetForLeaderEpochResponse {
    let topics = request
        .topics
        .iter()
        .map(|topic| OffsetForLeaderTopicResult {
            topic: topic.topic.clone(),
            partitions: topic
                .partitions
                .iter()
                .map(|p| {
                    let outcome = end_offset(
                        broker,
                        &topic.topic,
                        p.partition,
                        p.current_leader_epoch,
                        p.leader_epoch,
                    );
                    let (error_code, (leader_epoch, end_offset)) = match outcome {
                        Ok(found) => (ErrorCode::NONE, found),
                        Err(code) => (code, (NO_EPOCH, UNDEFINED_OFFSET)),
                    };
                    EpochEndOffset {
                        error_code,
                        partition: p.partition,
                        leader_epoch,
                        end_offset,
                    }
                })
                .collect(),
        })
        .collect();
    OffsetForLeaderEpochResponse {
        throttle_time_ms: 0,
        topics,
    }
}

fn end_offset(
    broker: &Broker,
    topic: &str,
    partition: i32,
    current_leader_epoch: i32,
    requested: i32,
) -> Result<(i32, i64), ErrorCode> {
    let partition_epoch = broker
        .metadata
        .image()
        .topic(topic)
        .and_then(|t| {
            let index = usize::try_from(partition).ok()?;
            t.partitions.get(index).map(|p| p.leader_epoch)
        })
        .ok_or(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)?;
    if current_leader_epoch != NO_EPOCH {
        if current_leader_epoch < partition_epoch {
            return Err(ErrorCode::FENCED_LEADER_EPOCH);
        }
        if current_leader_epoch > partition_epoch {
            return Err(ErrorCode::UNKNOWN_LEADER_EPOCH);
        }
    }
    let (log, leader_epoch) = broker.leader_log(topic, partition)?;
    Ok(epoch_end_offset(&log, leader_epoch, requested))
}

/// Kafka's `LeaderEpochFileCache.endOffsetFor` on a leader, whose cache always ends with
/// its own epoch: Fjord's cache gets that epoch only with the first batch appended in
/// it, so the current epoch is answered here rather than from the cache.
fn epoch_end_offset(log: &Log, leader_epoch: i32, requested: i32) -> (i32, i64) {
    if requested == NO_EPOCH || requested > leader_epoch {
        return (NO_EPOCH, UNDEFINED_OFFSET);
    }
    if requested == leader_epoch {
        return (leader_epoch, log.log_end_offset());
    }
    match log.end_offset_for_epoch(requested) {
        Some(found) => found,
        // Older than every epoch still cached: the data is gone, and the requester
        // should go on from where the first cached epoch starts — the log start
        // offset, to which the cache is truncated — or, with nothing cached, from
        // where the current epoch starts: the log end.
        None if log.latest_epoch().is_some() => (requested, log.log_start_offset()),
        None => (requested, log.log_end_offset()),
    }
}
