//! LeaveGroup: members leave a classic group (one by id before v3, a batch after).

use std::sync::Arc;

use fjord_group_coordinator::classic::LeaveMember;
use fjord_protocol::messages::leave_group::{
    LeaveGroupRequest, LeaveGroupResponse, MemberResponse,
};
use fjord_protocol::{ApiKey, ErrorCode};

use crate::response::{later, ResponseFuture};
use crate::Broker;

const BATCHED: i16 = 3;

pub fn handle(
    broker: &Arc<Broker>,
    request: LeaveGroupRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let members: Vec<LeaveMember> = if version < BATCHED {
        vec![LeaveMember {
            member_id: request.member_id,
            group_instance_id: None,
        }]
    } else {
        request
            .members
            .into_iter()
            .map(|m| LeaveMember {
                member_id: m.member_id,
                group_instance_id: m.group_instance_id,
            })
            .collect()
    };
    let groups = Arc::clone(&broker.groups);
    later(ApiKey::LeaveGroup, version, correlation_id, async move {
        match groups.leave_group(&request.group_id, &members).await {
            Err(error_code) => LeaveGroupResponse {
                error_code,
                ..Default::default()
            },
            // Before v3 the one member's error is the response's error.
            Ok(outcomes) if version < BATCHED => LeaveGroupResponse {
                error_code: outcomes.first().map_or(ErrorCode::NONE, |o| o.error),
                ..Default::default()
            },
            Ok(outcomes) => LeaveGroupResponse {
                members: outcomes
                    .into_iter()
                    .map(|o| MemberResponse {
                        member_id: o.member_id,
                        group_instance_id: o.group_instance_id,
                        error_code: o.error,
                    })
                    .collect(),
                ..Default::default()
            },
        }
    })
}
