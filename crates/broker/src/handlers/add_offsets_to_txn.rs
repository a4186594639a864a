//! AddOffsetsToTxn: a transaction will commit offsets of a group, so the group's
//! `__consumer_offsets` partition joins it (and gets its marker).

use std::sync::Arc;

use fjord_protocol::messages::add_offsets_to_txn::{
    AddOffsetsToTxnRequest, AddOffsetsToTxnResponse,
};
use fjord_protocol::{ApiKey, ErrorCode};

use crate::group_coordination::OFFSETS_TOPIC;
use crate::response::{later, ResponseFuture};
use crate::Broker;

pub fn handle(
    broker: &Arc<Broker>,
    request: AddOffsetsToTxnRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let broker = Arc::clone(broker);
    later(
        ApiKey::AddOffsetsToTxn,
        version,
        correlation_id,
        async move {
            let error_code = tokio::task::spawn_blocking(move || {
                if let Err(err) = broker.ensure_offsets_topic() {
                    tracing::warn!(%err, "cannot create {OFFSETS_TOPIC}");
                    return ErrorCode::COORDINATOR_NOT_AVAILABLE;
                }
                let partition = broker.groups.partition_for(&request.group_id);
                let outcome = broker.txns.add_partitions(
                    &request.transactional_id,
                    request.producer_id,
                    request.producer_epoch,
                    &[(OFFSETS_TOPIC.to_owned(), partition)],
                );
                match outcome {
                    Ok(()) => ErrorCode::NONE,
                    Err(ErrorCode::PRODUCER_FENCED) if version < 2 => {
                        ErrorCode::INVALID_PRODUCER_EPOCH
                    }
                    Err(code) => code,
                }
            })
            .await
            .unwrap_or(ErrorCode::UNKNOWN_SERVER_ERROR);
            AddOffsetsToTxnResponse {
                error_code,
                ..Default::default()
            }
        },
    )
}
