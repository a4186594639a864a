//! EndTxn: commit or abort a producer's transaction (markers go to every partition
//! in it before the answer).

use std::sync::Arc;

use fjord_protocol::messages::end_txn::{EndTxnRequest, EndTxnResponse};
use fjord_protocol::{ApiKey, ErrorCode};

use crate::response::{later, ResponseFuture};
use crate::Broker;

/// EndTxn v5 (KIP-890): the transaction ends at the next producer epoch.
const BUMPS_EPOCH: i16 = 5;

pub fn handle(
    broker: &Arc<Broker>,
    request: EndTxnRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let txns = Arc::clone(&broker.txns);
    later(ApiKey::EndTxn, version, correlation_id, async move {
        let outcome = tokio::task::spawn_blocking(move || {
            txns.end_txn(
                &request.transactional_id,
                request.producer_id,
                request.producer_epoch,
                request.committed,
                version >= BUMPS_EPOCH,
            )
        })
        .await
        .unwrap_or(Err(ErrorCode::UNKNOWN_SERVER_ERROR));
        match outcome {
            Ok((producer_id, producer_epoch)) => EndTxnResponse {
                producer_id,
                producer_epoch,
                ..Default::default()
            },
            Err(code) => EndTxnResponse {
                error_code: match code {
                    ErrorCode::PRODUCER_FENCED if version < 2 => ErrorCode::INVALID_PRODUCER_EPOCH,
                    code => code,
                },
                ..Default::default()
            },
        }
    })
}
