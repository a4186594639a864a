//! Membership requests routed to a shard's groups, and the views of them that
//! ListGroups and DescribeGroups give.

use fjord_protocol::ErrorCode;

use super::{Group, ShardState};
use crate::classic::{
    ClassicState, JoinRequest, JoinResponse, LeaveMember, LeaveOutcome, SyncRequest, SyncResponse,
};
use crate::context::{Ctx, Reply};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedGroup {
    pub group_id: String,
    pub protocol_type: String,
    pub state: &'static str,
    /// "classic" or "consumer".
    pub group_type: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedGroup {
    pub error: ErrorCode,
    pub group_id: String,
    pub state: &'static str,
    pub protocol_type: String,
    /// The chosen protocol, e.g. "range".
    pub protocol_data: String,
    pub members: Vec<DescribedMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub metadata: Vec<u8>,
    pub assignment: Vec<u8>,
}

impl ShardState {
    pub fn join(&mut self, request: JoinRequest, ctx: &mut Ctx<'_>) -> Reply<JoinResponse> {
        let session = request.session_timeout_ms;
        if session < ctx.config.min_session_timeout_ms
            || session > ctx.config.max_session_timeout_ms
        {
            return Reply::Now(JoinResponse::error(
                &request.member_id,
                ErrorCode::INVALID_SESSION_TIMEOUT,
            ));
        }
        let strings = [
            &request.member_id,
            &request.client_id,
            &request.client_host,
            &request.protocol_type,
        ]
        .into_iter()
        .map(String::as_str)
        .chain(request.group_instance_id.as_deref())
        .chain(request.protocols.iter().map(|(name, _)| name.as_str()));
        if !crate::records::fits(strings) {
            return Reply::Now(JoinResponse::error(
                &request.member_id,
                ErrorCode::INVALID_REQUEST,
            ));
        }
        let exists = self.groups.contains_key(&request.group_id);
        if !exists && !request.member_id.is_empty() {
            return Reply::Now(JoinResponse::error(
                &request.member_id,
                ErrorCode::UNKNOWN_MEMBER_ID,
            ));
        }
        match self.classic_or_create(&request.group_id, ctx.now_ms) {
            Ok(group) => group.join(request, ctx),
            Err(code) => Reply::Now(JoinResponse::error(&request.member_id, code)),
        }
    }

    pub fn sync(&mut self, request: SyncRequest, ctx: &mut Ctx<'_>) -> Reply<SyncResponse> {
        match self.classic(&request.group_id) {
            Some(group) => group.sync(request, ctx),
            None => Reply::Now(SyncResponse::error(ErrorCode::UNKNOWN_MEMBER_ID)),
        }
    }

    pub fn heartbeat(
        &mut self,
        group_id: &str,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation_id: i32,
        ctx: &mut Ctx<'_>,
    ) -> ErrorCode {
        match self.classic(group_id) {
            Some(group) => group.heartbeat(member_id, group_instance_id, generation_id, ctx),
            None => ErrorCode::UNKNOWN_MEMBER_ID,
        }
    }

    pub fn leave(
        &mut self,
        group_id: &str,
        members: &[LeaveMember],
        ctx: &mut Ctx<'_>,
    ) -> Vec<LeaveOutcome> {
        match self.classic(group_id) {
            Some(group) => group.leave(members, ctx),
            None => members
                .iter()
                .map(|m| LeaveOutcome {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    error: ErrorCode::UNKNOWN_MEMBER_ID,
                })
                .collect(),
        }
    }

    pub fn list(&self) -> Vec<ListedGroup> {
        self.groups
            .iter()
            .map(|(id, group)| match group {
                Group::Classic(g) => ListedGroup {
                    group_id: id.clone(),
                    protocol_type: g.protocol_type.clone().unwrap_or_default(),
                    state: g.state.name(),
                    group_type: "classic",
                },
                Group::Consumer(g) => ListedGroup {
                    group_id: id.clone(),
                    protocol_type: "consumer".to_owned(),
                    state: g.state_name(),
                    group_type: "consumer",
                },
            })
            .collect()
    }

    /// A group as DescribeGroups shows it; an unknown group is "Dead" with no error
    /// (as Kafka answers DescribeGroups v0-5).
    pub fn describe(&self, group_id: &str) -> DescribedGroup {
        if let Some(Group::Consumer(group)) = self.groups.get(group_id) {
            // What a classic DescribeGroups shows of a consumer-protocol group.
            return DescribedGroup {
                error: ErrorCode::NONE,
                group_id: group_id.to_owned(),
                state: group.state_name(),
                protocol_type: "consumer".to_owned(),
                protocol_data: String::new(),
                members: group
                    .members
                    .values()
                    .map(|m| DescribedMember {
                        member_id: m.member_id.clone(),
                        group_instance_id: m.subscription.instance_id.clone(),
                        client_id: m.subscription.client_id.clone(),
                        client_host: m.subscription.client_host.clone(),
                        metadata: Vec::new(),
                        assignment: Vec::new(),
                    })
                    .collect(),
            };
        }
        let Some(Group::Classic(group)) = self.groups.get(group_id) else {
            return DescribedGroup {
                error: ErrorCode::NONE,
                group_id: group_id.to_owned(),
                state: ClassicState::Dead.name(),
                protocol_type: String::new(),
                protocol_data: String::new(),
                members: Vec::new(),
            };
        };
        let stable = group.is(ClassicState::Stable);
        let protocol = group.protocol_name.clone().unwrap_or_default();
        let members = group
            .members()
            .map(|m| DescribedMember {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                // Kafka shows metadata and assignment only once they are settled.
                metadata: if stable {
                    m.metadata(&protocol).unwrap_or_default().to_vec()
                } else {
                    Vec::new()
                },
                assignment: if stable {
                    m.assignment.clone()
                } else {
                    Vec::new()
                },
            })
            .collect();
        DescribedGroup {
            error: ErrorCode::NONE,
            group_id: group_id.to_owned(),
            state: group.state.name(),
            protocol_type: group.protocol_type.clone().unwrap_or_default(),
            protocol_data: if stable { protocol } else { String::new() },
            members,
        }
    }
}
