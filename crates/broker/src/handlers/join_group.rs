//! JoinGroup: a member (re)joins a classic group and waits for the generation to form.

use std::sync::Arc;

use fjord_group_coordinator::classic::{JoinRequest, JoinResponse};
use fjord_protocol::messages::join_group::{
    JoinGroupRequest, JoinGroupResponse, JoinGroupResponseMember,
};
use fjord_protocol::ApiKey;

use crate::response::{later, ResponseFuture};
use crate::{Broker, RequestContext};

/// v4 made new members fetch an id first (KIP-394); v9 lets a static leader skip
/// reassigning.
const REQUIRE_KNOWN_MEMBER_ID: i16 = 4;
const SKIP_ASSIGNMENT: i16 = 9;

pub fn handle(
    broker: &Arc<Broker>,
    ctx: &RequestContext,
    client_id: &str,
    request: JoinGroupRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let join = JoinRequest {
        group_id: request.group_id,
        member_id: request.member_id,
        group_instance_id: request.group_instance_id,
        protocol_type: request.protocol_type,
        protocols: request
            .protocols
            .into_iter()
            .map(|p| (p.name, p.metadata))
            .collect(),
        session_timeout_ms: request.session_timeout_ms,
        // v0 has no rebalance timeout: the session timeout stands in for it.
        rebalance_timeout_ms: if request.rebalance_timeout_ms < 0 {
            request.session_timeout_ms
        } else {
            request.rebalance_timeout_ms
        },
        client_id: client_id.to_owned(),
        client_host: format!("/{}", ctx.peer.ip()),
        require_known_member_id: version >= REQUIRE_KNOWN_MEMBER_ID,
        supports_skip_assignment: version >= SKIP_ASSIGNMENT,
    };
    let groups = Arc::clone(&broker.groups);
    later(ApiKey::JoinGroup, version, correlation_id, async move {
        response(groups.join_group(join).await)
    })
}

fn response(joined: JoinResponse) -> JoinGroupResponse {
    JoinGroupResponse {
        error_code: joined.error,
        generation_id: joined.generation_id,
        protocol_type: joined.protocol_type,
        protocol_name: joined.protocol_name,
        leader: joined.leader,
        skip_assignment: joined.skip_assignment,
        member_id: joined.member_id,
        members: joined
            .members
            .into_iter()
            .map(|m| JoinGroupResponseMember {
                member_id: m.member_id,
                group_instance_id: m.group_instance_id,
                metadata: m.metadata,
            })
            .collect(),
        ..Default::default()
    }
}
