//! Heartbeat: a member of a classic group is alive (and learns of rebalances).

use std::sync::Arc;

use fjord_protocol::messages::heartbeat::{HeartbeatRequest, HeartbeatResponse};
use fjord_protocol::ApiKey;

use crate::response::{later, ResponseFuture};
use crate::Broker;

pub fn handle(
    broker: &Arc<Broker>,
    request: HeartbeatRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let groups = Arc::clone(&broker.groups);
    later(ApiKey::Heartbeat, version, correlation_id, async move {
        let error_code = groups
            .heartbeat(
                &request.group_id,
                &request.member_id,
                request.group_instance_id.as_deref(),
                request.generation_id,
            )
            .await;
        HeartbeatResponse {
            error_code,
            ..Default::default()
        }
    })
}
