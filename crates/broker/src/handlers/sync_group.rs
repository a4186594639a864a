//! SyncGroup: the leader hands in the assignment; every member waits for its share.

use std::sync::Arc;

use fjord_group_coordinator::classic::SyncRequest;
use fjord_protocol::messages::sync_group::{SyncGroupRequest, SyncGroupResponse};
use fjord_protocol::ApiKey;

use crate::response::{later, ResponseFuture};
use crate::Broker;

pub fn handle(
    broker: &Arc<Broker>,
    request: SyncGroupRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let sync = SyncRequest {
        group_id: request.group_id,
        member_id: request.member_id,
        generation_id: request.generation_id,
        group_instance_id: request.group_instance_id,
        protocol_type: request.protocol_type,
        protocol_name: request.protocol_name,
        assignments: request
            .assignments
            .into_iter()
            .map(|a| (a.member_id, a.assignment))
            .collect(),
    };
    let groups = Arc::clone(&broker.groups);
    later(ApiKey::SyncGroup, version, correlation_id, async move {
        let synced = groups.sync_group(sync).await;
        SyncGroupResponse {
            error_code: synced.error,
            protocol_type: synced.protocol_type,
            protocol_name: synced.protocol_name,
            assignment: synced.assignment,
            ..Default::default()
        }
    })
}
