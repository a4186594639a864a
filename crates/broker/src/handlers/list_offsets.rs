//! ListOffsets: earliest, latest, max timestamp (KIP-734), earliest local (KIP-1005),
//! and the first offset at or after a timestamp.

use fjord_protocol::messages::list_offsets::{
    ListOffsetsPartitionResponse, ListOffsetsRequest, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use fjord_protocol::ErrorCode;
use fjord_storage::Log;

use crate::error::storage_error_code;
use crate::Broker;

const LATEST: i64 = -1;
const EARLIEST: i64 = -2;
const MAX_TIMESTAMP: i64 = -3;
const EARLIEST_LOCAL: i64 = -4;
const LATEST_TIERED: i64 = -5;
const READ_COMMITTED: i8 = 1;

pub fn handle(broker: &Broker, request: &ListOffsetsRequest, _version: i16) -> ListOffsetsResponse {
    let topics = request
        .topics
        .iter()
        .map(|topic| ListOffsetsTopicResponse {
            name: topic.name.clone(),
            partitions: topic
                .partitions
                .iter()
                .map(|p| {
                    let mut response = ListOffsetsPartitionResponse {
                        partition_index: p.partition_index,
                        error_code: ErrorCode::NONE,
                        timestamp: -1,
                        offset: -1,
                        leader_epoch: -1,
                    };
                    match lookup(
                        broker,
                        &topic.name,
                        p.partition_index,
                        p.current_leader_epoch,
                        p.timestamp,
                        request.isolation_level,
                    ) {
                        Ok(Some((timestamp, offset, epoch))) => {
                            response.timestamp = timestamp;
                            response.offset = offset;
                            response.leader_epoch = epoch;
                        }
                        Ok(None) => {}
                        Err(code) => response.error_code = code,
                    }
                    response
                })
                .collect(),
        })
        .collect();
    ListOffsetsResponse {
        throttle_time_ms: 0,
        topics,
    }
}

/// `(timestamp, offset, leader epoch)` for `target`, or `None` when no record matches.
fn lookup(
    broker: &Broker,
    topic: &str,
    partition: i32,
    current_leader_epoch: i32,
    target: i64,
    isolation_level: i8,
) -> Result<Option<(i64, i64, i32)>, ErrorCode> {
    let (log, leader_epoch) = broker.leader_log(topic, partition)?;
    if current_leader_epoch >= 0 && current_leader_epoch != leader_epoch {
        return Err(if current_leader_epoch < leader_epoch {
            ErrorCode::FENCED_LEADER_EPOCH
        } else {
            ErrorCode::UNKNOWN_LEADER_EPOCH
        });
    }
    let epoch_of = |log: &Log, offset: i64| log.epoch_for_offset(offset).unwrap_or(-1);
    // One node: the high watermark and the last stable offset are the log end.
    let high_watermark = log.log_end_offset();
    let last_stable_offset = log.last_stable_offset().min(high_watermark);
    Ok(match target {
        LATEST => {
            let offset = if isolation_level == READ_COMMITTED {
                last_stable_offset
            } else {
                high_watermark
            };
            Some((-1, offset, log.latest_epoch().unwrap_or(-1)))
        }
        EARLIEST | EARLIEST_LOCAL => {
            let offset = log.log_start_offset();
            Some((-1, offset, epoch_of(&log, offset)))
        }
        LATEST_TIERED => None,
        MAX_TIMESTAMP => log
            .fetch_offset_of_max_timestamp()
            .map_err(|err| storage_error_code(&err))?
            .map(|(found, epoch)| (found.timestamp, found.offset, epoch.unwrap_or(-1))),
        t if t >= 0 => log
            .fetch_offset_by_timestamp(t)
            .map_err(|err| storage_error_code(&err))?
            .filter(|(found, _)| found.offset < high_watermark)
            .map(|(found, epoch)| (found.timestamp, found.offset, epoch.unwrap_or(-1))),
        _ => return Err(ErrorCode::INVALID_REQUEST),
    })
}
