//! Produce: validate and append each partition's batch where it lies in the request
//! frame, then answer — at once for `acks=1`, after the group-commit fsync for
//! `acks=-1` (one node: durable means fsynced), never for `acks=0`.

use std::sync::Arc;

use fjord_protocol::codec::FrameRange;
use fjord_protocol::messages::produce::{
    PartitionProduceResponse, ProduceRequest, ProduceResponse, TopicProduceResponse,
};
use fjord_protocol::record_batch::BatchIter;
use fjord_protocol::records::recompress;
use fjord_protocol::{ApiKey, CompressionType, ErrorCode, RecordBatch};
use fjord_storage::{AppendOrigin, Log};

use crate::error::storage_error_code;
use crate::response::{encode, EncodedResponse, ResponseFuture};
use crate::Broker;

/// A partition appended with `acks=-1`, waiting for its fsync.
struct AwaitingDurability {
    topic: usize,
    partition: usize,
    log: Arc<Log>,
    end_offset: i64,
}

pub fn handle(
    broker: &Broker,
    request: &ProduceRequest,
    frame: &mut [u8],
    version: i16,
    correlation_id: i32,
) -> Option<ResponseFuture> {
    let acks = request.acks;
    let mut awaiting = Vec::new();
    let mut responses = Vec::with_capacity(request.topic_data.len());
    for (t, topic) in request.topic_data.iter().enumerate() {
        let mut partition_responses = Vec::with_capacity(topic.partition_data.len());
        for (p, partition) in topic.partition_data.iter().enumerate() {
            let outcome = if !matches!(acks, -1..=1) {
                Err((ErrorCode::INVALID_REQUIRED_ACKS, None))
            } else {
                append(
                    broker,
                    &topic.name,
                    partition.index,
                    partition.records.clone(),
                    frame,
                    acks,
                )
            };
            let response = match outcome {
                Ok((info, log)) => {
                    if acks == -1 {
                        awaiting.push(AwaitingDurability {
                            topic: t,
                            partition: p,
                            log,
                            end_offset: info.last_offset + 1,
                        });
                    }
                    PartitionProduceResponse {
                        index: partition.index,
                        error_code: ErrorCode::NONE,
                        base_offset: info.first_offset,
                        log_append_time_ms: info.log_append_time,
                        log_start_offset: info.log_start_offset,
                        ..Default::default()
                    }
                }
                Err((code, message)) => PartitionProduceResponse {
                    index: partition.index,
                    error_code: code,
                    base_offset: -1,
                    error_message: message,
                    ..Default::default()
                },
            };
            partition_responses.push(response);
        }
        responses.push(TopicProduceResponse {
            name: topic.name.clone(),
            partition_responses,
        });
    }
    broker.appended.notify_waiters();
    if acks == 0 {
        return None;
    }
    let mut response = ProduceResponse {
        responses,
        ..Default::default()
    };
    if awaiting.is_empty() {
        return Some(crate::response::ready(encode(
            ApiKey::Produce,
            version,
            correlation_id,
            &response,
        )));
    }
    Some(Box::pin(async move {
        let outcomes = tokio::task::spawn_blocking(move || {
            awaiting
                .into_iter()
                .map(|a| (a.topic, a.partition, a.log.flush_to(a.end_offset)))
                .collect::<Vec<_>>()
        })
        .await;
        for (t, p, flushed) in outcomes.unwrap_or_default() {
            if let Err(err) = flushed {
                tracing::error!(%err, "fsync failed; failing acks=all produce");
                let partition = &mut response.responses[t].partition_responses[p];
                partition.error_code = ErrorCode::KAFKA_STORAGE_ERROR;
                partition.base_offset = -1;
            }
        }
        Some::<EncodedResponse>(encode(ApiKey::Produce, version, correlation_id, &response))
    }))
}

type AppendOutcome = Result<(fjord_storage::LogAppendInfo, Arc<Log>), (ErrorCode, Option<String>)>;

fn append(
    broker: &Broker,
    topic: &str,
    partition: i32,
    records: Option<FrameRange>,
    frame: &mut [u8],
    acks: i16,
) -> AppendOutcome {
    if crate::metadata::INTERNAL_TOPICS.contains(&topic) {
        return Err((
            ErrorCode::INVALID_TOPIC_EXCEPTION,
            Some(format!("Cannot append to internal topic {topic}")),
        ));
    }
    let (log, leader_epoch) = broker
        .leader_log(topic, partition)
        .map_err(|code| (code, None))?;
    if acks == -1 {
        check_min_insync_replicas(broker, topic, partition)?;
    }
    let Some(range) = records.filter(|r| r.end <= frame.len()) else {
        return Err((
            ErrorCode::INVALID_RECORD,
            Some("Produce request has no records".into()),
        ));
    };
    let records = &mut frame[range];
    // Since produce v3 a partition carries exactly one batch (as Kafka's validator requires).
    let batches = BatchIter::new(records).take(2).count();
    if batches != 1 {
        return Err((ErrorCode::INVALID_RECORD, Some("Produce requests with version 3 are only allowed to contain exactly one record batch".into())));
    }
    let mut recompressed = match broker.target_compression(topic) {
        Some(codec) => recompress_if_needed(records, codec)?,
        None => None,
    };
    let records = match recompressed.as_mut() {
        Some(bytes) => bytes.as_mut_slice(),
        None => records,
    };
    match log.append_as_leader(records, leader_epoch, AppendOrigin::Client) {
        Ok(info) => Ok((info, log)),
        Err(err) => {
            tracing::debug!(topic, partition, %err, "produce refused");
            Err((storage_error_code(&err), Some(err.to_string())))
        }
    }
}

/// The batch recompressed with `codec` when it uses another one; `None` when it can be
/// stored as sent.
fn recompress_if_needed(
    records: &[u8],
    codec: CompressionType,
) -> Result<Option<Vec<u8>>, (ErrorCode, Option<String>)> {
    let corrupt = |reason: String| (ErrorCode::CORRUPT_MESSAGE, Some(reason));
    let batch = RecordBatch::parse_exact(records).map_err(|err| corrupt(err.to_string()))?;
    if batch.compression() == Some(codec) {
        return Ok(None);
    }
    // Check the CRC before trusting the payload enough to decompress it.
    batch.validate().map_err(|err| corrupt(err.to_string()))?;
    recompress(&batch, codec)
        .map(Some)
        .map_err(|err| corrupt(err.to_string()))
}

/// `acks=all` needs at least `min.insync.replicas` in the ISR (NOT_ENOUGH_REPLICAS).
fn check_min_insync_replicas(
    broker: &Broker,
    topic: &str,
    partition: i32,
) -> Result<(), (ErrorCode, Option<String>)> {
    let image = broker.metadata.image();
    let isr = image
        .topic(topic)
        .and_then(|t| t.partitions.get(partition as usize).map(|p| p.isr.len()))
        .unwrap_or(0) as i32;
    let required = broker.min_insync_replicas(topic);
    if isr >= required {
        return Ok(());
    }
    Err((
        ErrorCode::NOT_ENOUGH_REPLICAS,
        Some(format!(
            "The size of the current ISR {isr} is insufficient to satisfy the min.isr requirement of {required} for partition {topic}-{partition}"
        )),
    ))
}
