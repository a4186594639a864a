//! InitProducerId: a new producer id for an idempotent producer. Transactional ids
//! (a coordinator, epoch bumps, fencing) come with transactions.

use fjord_protocol::messages::init_producer_id::{InitProducerIdRequest, InitProducerIdResponse};
use fjord_protocol::ErrorCode;

use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &InitProducerIdRequest,
    _version: i16,
) -> InitProducerIdResponse {
    let mut response = InitProducerIdResponse {
        throttle_time_ms: 0,
        error_code: ErrorCode::NONE,
        producer_id: -1,
        producer_epoch: -1,
    };
    if request.transactional_id.is_some() {
        // No transaction coordinator yet: clients retry on this code and fail clearly.
        response.error_code = ErrorCode::COORDINATOR_NOT_AVAILABLE;
        return response;
    }
    match broker.metadata.allocate_producer_id() {
        Ok(id) => {
            response.producer_id = id;
            response.producer_epoch = 0;
        }
        Err(err) => {
            tracing::error!(%err, "cannot allocate a producer id");
            response.error_code = err.code;
        }
    }
    response
}
