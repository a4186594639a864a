//! InitProducerId: a producer id for an idempotent producer, or, with a
//! `transactional.id`, the transaction coordinator's id and a new epoch that fences
//! the previous incarnation.

use std::sync::Arc;

use fjord_protocol::messages::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use fjord_protocol::{ApiKey, ErrorCode};

use crate::response::{encode, later, ready, ResponseFuture};
use crate::Broker;

/// v4 introduced PRODUCER_FENCED; older clients know INVALID_PRODUCER_EPOCH.
const PRODUCER_FENCED_VERSION: i16 = 4;

pub fn handle(
    broker: &Arc<Broker>,
    request: InitProducerIdRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let Some(transactional_id) = request.transactional_id else {
        let response = idempotent(broker);
        return ready(encode(
            ApiKey::InitProducerId,
            version,
            correlation_id,
            &response,
        ));
    };
    let txns = Arc::clone(&broker.txns);
    let expected =
        (request.producer_id >= 0).then_some((request.producer_id, request.producer_epoch));
    let timeout = request.transaction_timeout_ms;
    later(
        ApiKey::InitProducerId,
        version,
        correlation_id,
        async move {
            let outcome = tokio::task::spawn_blocking(move || {
                txns.init_producer_id(&transactional_id, timeout, expected)
            })
            .await
            .unwrap_or(Err(ErrorCode::UNKNOWN_SERVER_ERROR));
            match outcome {
                Ok((producer_id, producer_epoch)) => InitProducerIdResponse {
                    producer_id,
                    producer_epoch,
                    ..Default::default()
                },
                Err(code) => InitProducerIdResponse {
                    error_code: if code == ErrorCode::PRODUCER_FENCED
                        && version < PRODUCER_FENCED_VERSION
                    {
                        ErrorCode::INVALID_PRODUCER_EPOCH
                    } else {
                        code
                    },
                    ..Default::default()
                },
            }
        },
    )
}

fn idempotent(broker: &Broker) -> InitProducerIdResponse {
    match broker.metadata.allocate_producer_id() {
        Ok(producer_id) => InitProducerIdResponse {
            producer_id,
            producer_epoch: 0,
            ..Default::default()
        },
        Err(err) => {
            tracing::error!(%err, "cannot allocate a producer id");
            InitProducerIdResponse {
                error_code: err.code,
                ..Default::default()
            }
        }
    }
}
