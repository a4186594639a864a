//! FindCoordinator: which node coordinates a group (the leader of its
//! `__consumer_offsets` partition), one key or a batch of them (v4+).

use fjord_protocol::messages::find_coordinator::{
    Coordinator, FindCoordinatorRequest, FindCoordinatorResponse, KEY_TYPE_GROUP,
    KEY_TYPE_TRANSACTION,
};
use fjord_protocol::ErrorCode;

use crate::group_coordination::OFFSETS_TOPIC;
use crate::transaction_coordination::TRANSACTION_STATE_TOPIC;
use crate::{Broker, RequestContext};

/// v4 replaced the single key by a batch.
const BATCHED: i16 = 4;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    request: &FindCoordinatorRequest,
    version: i16,
) -> FindCoordinatorResponse {
    if version < BATCHED {
        let found = find(broker, ctx, &request.key, request.key_type);
        return FindCoordinatorResponse {
            error_code: found.error_code,
            error_message: found.error_message,
            node_id: found.node_id,
            host: found.host,
            port: found.port,
            ..Default::default()
        };
    }
    FindCoordinatorResponse {
        coordinators: request
            .coordinator_keys
            .iter()
            .map(|key| find(broker, ctx, key, request.key_type))
            .collect(),
        ..Default::default()
    }
}

fn find(broker: &Broker, ctx: &RequestContext, key: &str, key_type: i8) -> Coordinator {
    let failed = |code: ErrorCode| Coordinator {
        key: key.to_owned(),
        node_id: -1,
        host: String::new(),
        port: -1,
        error_code: code,
        error_message: Some(error_message(code).to_owned()),
    };
    if key.is_empty() {
        return failed(ErrorCode::INVALID_REQUEST);
    }
    let (topic, created, partition) = match key_type {
        KEY_TYPE_GROUP => (
            OFFSETS_TOPIC,
            broker.ensure_offsets_topic(),
            broker.groups.partition_for(key),
        ),
        KEY_TYPE_TRANSACTION => (
            TRANSACTION_STATE_TOPIC,
            broker.ensure_transaction_topic(),
            broker.txns.partition_for(key),
        ),
        // Share groups are not served.
        _ => return failed(ErrorCode::COORDINATOR_NOT_AVAILABLE),
    };
    if let Err(err) = created {
        tracing::warn!(%err, "cannot create {topic}");
        return failed(ErrorCode::COORDINATOR_NOT_AVAILABLE);
    }
    let image = broker.metadata.image();
    let leader = image
        .topic(topic)
        .and_then(|t| t.partitions.get(partition as usize).map(|p| p.leader));
    let endpoint = leader.and_then(|leader| {
        image
            .brokers_on(&ctx.listener)
            .into_iter()
            .find(|b| b.node_id == leader)
            .cloned()
    });
    match endpoint {
        Some(b) => Coordinator {
            key: key.to_owned(),
            node_id: b.node_id,
            host: b.host,
            port: b.port,
            error_code: ErrorCode::NONE,
            error_message: None,
        },
        None => failed(ErrorCode::COORDINATOR_NOT_AVAILABLE),
    }
}

/// Kafka's messages for the errors FindCoordinator gives.
fn error_message(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::INVALID_REQUEST => "Group id must not be empty",
        _ => "The coordinator is not available.",
    }
}
