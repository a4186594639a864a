//! Fetch: stored batches straight from the log files, with long polling.
//!
//! The response waits until `min_bytes` are available or `max_wait_ms` passes; an
//! append anywhere wakes waiting fetches to look again. Each partition returns whole
//! batches up to `partition_max_bytes`, the response stays within `max_bytes`, and the
//! first partition with data returns at least one batch even if it is larger (KIP-74).
//! Consumers read up to the high watermark, or the last stable offset under
//! `read_committed` (the same offset until transactions exist).

use std::sync::Arc;
use std::time::Duration;

use fjord_protocol::messages::fetch::{
    AbortedTransaction, FetchRecords, FetchRequest, FetchResponse, FetchableTopicResponse,
    PartitionData,
};
use fjord_protocol::{ApiKey, ErrorCode};
use fjord_storage::{FileSlice, StorageError};
use tokio::time::Instant;

use super::fetch_session::{SessionContext, SessionKey, SessionPartition};
use crate::error::storage_error_code;
use crate::response::{encode_with_files, EncodedResponse, ResponseFuture};
use crate::Broker;

const READ_COMMITTED: i8 = 1;
/// Topic ids replace topic names from this version.
const TOPIC_ID_VERSION: i16 = 13;

/// One partition to read, in response order.
struct Wanted {
    key: SessionKey,
    topic_id: [u8; 16],
    state: SessionPartition,
    /// For incremental sessions: answer only if there is news.
    only_if_changed: bool,
    /// A topic id the metadata does not know.
    unknown_topic_id: bool,
}

pub fn handle(
    broker: Arc<Broker>,
    request: FetchRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    Box::pin(async move { Some(run(&broker, &request, version, correlation_id).await) })
}

async fn run(
    broker: &Broker,
    request: &FetchRequest,
    version: i16,
    correlation_id: i32,
) -> EncodedResponse {
    let (wanted, session_id) = match plan(broker, request, version) {
        Ok(plan) => plan,
        Err(code) => {
            let response = FetchResponse {
                error_code: code,
                ..Default::default()
            };
            return encode_with_files(
                ApiKey::Fetch,
                version,
                correlation_id,
                &response,
                Vec::new(),
            );
        }
    };
    let deadline = Instant::now() + Duration::from_millis(request.max_wait_ms.max(0) as u64);
    loop {
        let notified = broker.appended.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let read = read_all(broker, request, version, &wanted);
        let done = read.bytes >= request.min_bytes.max(0) as u64
            || read.has_error
            || Instant::now() >= deadline;
        if done {
            if let Some(id) = session_id {
                for (key, hw, log_start) in &read.reported {
                    broker.fetch_sessions.record(id, key, *hw, *log_start, None);
                }
            }
            let response = FetchResponse {
                session_id: session_id.unwrap_or(0),
                responses: read.topics,
                ..Default::default()
            };
            return encode_with_files(
                ApiKey::Fetch,
                version,
                correlation_id,
                &response,
                read.files,
            );
        }
        tokio::select! {
            _ = &mut notified => {}
            _ = tokio::time::sleep_until(deadline) => {}
        }
    }
}

/// Resolves topic ids and applies the fetch session; returns the partitions to read
/// and the session id to report.
fn plan(
    broker: &Broker,
    request: &FetchRequest,
    version: i16,
) -> Result<(Vec<Wanted>, Option<i32>), ErrorCode> {
    let image = broker.metadata.image();
    let resolve = |name: &str, id: [u8; 16]| -> (String, [u8; 16], bool) {
        if version < TOPIC_ID_VERSION {
            let id = image.topic(name).map_or([0; 16], |t| *t.id.as_bytes());
            return (name.to_owned(), id, false);
        }
        match image.topic_by_id(uuid::Uuid::from_bytes(id)) {
            Some(topic) => (topic.name.clone(), id, false),
            None => (String::new(), id, true),
        }
    };
    let mut requested = Vec::new();
    let mut unknown_ids = Vec::new();
    for topic in &request.topics {
        let (name, id, unknown) = resolve(&topic.topic, topic.topic_id);
        for p in &topic.partitions {
            let state = SessionPartition {
                fetch_offset: p.fetch_offset,
                max_bytes: p.partition_max_bytes,
                current_leader_epoch: p.current_leader_epoch,
                last_high_watermark: -1,
                last_log_start_offset: -1,
            };
            if unknown {
                unknown_ids.push(Wanted {
                    key: (name.clone(), p.partition),
                    topic_id: id,
                    state,
                    only_if_changed: false,
                    unknown_topic_id: true,
                });
            } else {
                requested.push(((name.clone(), p.partition), id, state));
            }
        }
    }
    let forgotten: Vec<SessionKey> = request
        .forgotten_topics_data
        .iter()
        .flat_map(|t| {
            let (name, _, _) = resolve(&t.topic, t.topic_id);
            t.partitions.iter().map(move |p| (name.clone(), *p))
        })
        .collect();
    let keyed: Vec<(SessionKey, SessionPartition)> =
        requested.iter().map(|(k, _, s)| (k.clone(), *s)).collect();
    let context = broker.fetch_sessions.begin(
        request.session_id,
        request.session_epoch,
        &keyed,
        &forgotten,
    )?;
    let topic_id_of = |name: &str| image.topic(name).map_or([0; 16], |t| *t.id.as_bytes());
    let (mut wanted, session_id): (Vec<Wanted>, Option<i32>) = match context {
        SessionContext::Sessionless => (
            requested
                .into_iter()
                .map(|(key, topic_id, state)| Wanted {
                    key,
                    topic_id,
                    state,
                    only_if_changed: false,
                    unknown_topic_id: false,
                })
                .collect(),
            None,
        ),
        SessionContext::New { id } => (
            requested
                .into_iter()
                .map(|(key, topic_id, state)| Wanted {
                    key,
                    topic_id,
                    state,
                    only_if_changed: false,
                    unknown_topic_id: false,
                })
                .collect(),
            Some(id),
        ),
        SessionContext::Incremental { id, partitions } => (
            partitions
                .into_iter()
                .map(|(key, state)| {
                    let topic_id = topic_id_of(&key.0);
                    Wanted {
                        key,
                        topic_id,
                        state,
                        only_if_changed: true,
                        unknown_topic_id: false,
                    }
                })
                .collect(),
            Some(id),
        ),
    };
    wanted.extend(unknown_ids);
    Ok((wanted, session_id))
}

struct ReadResult {
    topics: Vec<FetchableTopicResponse>,
    files: Vec<FileSlice>,
    bytes: u64,
    has_error: bool,
    reported: Vec<(SessionKey, i64, i64)>,
}

fn read_all(
    broker: &Broker,
    request: &FetchRequest,
    version: i16,
    wanted: &[Wanted],
) -> ReadResult {
    let mut result = ReadResult {
        topics: Vec::new(),
        files: Vec::new(),
        bytes: 0,
        has_error: false,
        reported: Vec::new(),
    };
    let max_bytes = request.max_bytes.max(0) as u64;
    for w in wanted {
        let remaining = max_bytes.saturating_sub(result.bytes);
        let (mut data, file) = if w.unknown_topic_id {
            (error_partition(w.key.1, ErrorCode::UNKNOWN_TOPIC_ID), None)
        } else {
            read_partition(broker, request, w, remaining, result.bytes == 0)
        };
        let changed = data.error_code != ErrorCode::NONE
            || file.is_some()
            || data.high_watermark != w.state.last_high_watermark
            || data.log_start_offset != w.state.last_log_start_offset;
        if w.only_if_changed && !changed {
            continue;
        }
        result.has_error |= data.error_code != ErrorCode::NONE;
        if let Some(file) = file {
            result.bytes += file.len;
            data.records = FetchRecords::File {
                len: file.len as usize,
            };
            result.files.push(file);
        }
        result
            .reported
            .push((w.key.clone(), data.high_watermark, data.log_start_offset));
        push_partition(&mut result.topics, &w.key.0, w.topic_id, version, data);
    }
    result
}

fn push_partition(
    topics: &mut Vec<FetchableTopicResponse>,
    name: &str,
    topic_id: [u8; 16],
    version: i16,
    data: PartitionData,
) {
    let same_topic = |t: &FetchableTopicResponse| {
        if version >= TOPIC_ID_VERSION {
            t.topic_id == topic_id
        } else {
            t.topic == name
        }
    };
    match topics.last_mut() {
        Some(last) if same_topic(last) => last.partitions.push(data),
        _ => topics.push(FetchableTopicResponse {
            topic: name.to_owned(),
            topic_id,
            partitions: vec![data],
        }),
    }
}

fn error_partition(partition: i32, code: ErrorCode) -> PartitionData {
    PartitionData {
        partition_index: partition,
        error_code: code,
        ..Default::default()
    }
}

fn read_partition(
    broker: &Broker,
    request: &FetchRequest,
    w: &Wanted,
    remaining: u64,
    first: bool,
) -> (PartitionData, Option<FileSlice>) {
    let (topic, partition) = (&w.key.0, w.key.1);
    let (log, leader_epoch) = match broker.leader_log(topic, partition) {
        Ok(found) => found,
        Err(code) => return (error_partition(partition, code), None),
    };
    let requested_epoch = w.state.current_leader_epoch;
    if requested_epoch >= 0 && requested_epoch != leader_epoch {
        let code = if requested_epoch < leader_epoch {
            ErrorCode::FENCED_LEADER_EPOCH
        } else {
            ErrorCode::UNKNOWN_LEADER_EPOCH
        };
        return (error_partition(partition, code), None);
    }
    // One node: everything appended is replicated to the whole ISR (itself).
    let high_watermark = log.log_end_offset();
    // Below every open transaction: what read_committed consumers may see.
    let last_stable_offset = log.last_stable_offset().min(high_watermark);
    let read_committed = request.isolation_level == READ_COMMITTED;
    let bound = if read_committed {
        last_stable_offset
    } else {
        high_watermark
    };
    let mut data = PartitionData {
        partition_index: partition,
        high_watermark,
        last_stable_offset,
        log_start_offset: log.log_start_offset(),
        // The aborted transactions the fetched range may hold, so the consumer drops
        // their records.
        aborted_transactions: read_committed.then(|| {
            log.collect_aborted_transactions(w.state.fetch_offset, bound)
                .into_iter()
                .map(|a| AbortedTransaction {
                    producer_id: a.producer_id,
                    first_offset: a.first_offset,
                })
                .collect()
        }),
        ..Default::default()
    };
    let limit = (w.state.max_bytes.max(0) as u64).min(remaining);
    match log.read(w.state.fetch_offset, limit, Some(bound), first) {
        Ok(read) => (data, read.records.filter(|slice| slice.len > 0)),
        Err(err @ StorageError::OffsetOutOfRange { .. }) => {
            data.error_code = storage_error_code(&err);
            (data, None)
        }
        Err(err) => {
            tracing::warn!(topic, partition, %err, "fetch failed");
            data.error_code = storage_error_code(&err);
            (data, None)
        }
    }
}
