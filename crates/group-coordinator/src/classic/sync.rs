//! SyncGroup: the leader hands in the assignment, every member gets its share.

use fjord_protocol::ErrorCode;
use tokio::sync::oneshot;

use super::{ClassicGroup, ClassicState, Delivery};
use crate::context::{Ctx, Reply};

#[derive(Debug, Clone, Default)]
pub struct SyncRequest {
    pub group_id: String,
    pub member_id: String,
    pub generation_id: i32,
    pub group_instance_id: Option<String>,
    /// SyncGroup v5+: checked against the group's when given.
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    /// (member id, assignment); only the leader sends any.
    pub assignments: Vec<(String, Vec<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResponse {
    pub error: ErrorCode,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub assignment: Vec<u8>,
}

impl SyncResponse {
    pub fn error(error: ErrorCode) -> Self {
        Self {
            error,
            protocol_type: None,
            protocol_name: None,
            assignment: Vec::new(),
        }
    }
}

impl ClassicGroup {
    pub fn sync(&mut self, request: SyncRequest, ctx: &mut Ctx<'_>) -> Reply<SyncResponse> {
        let refuse = |code| Reply::Now(SyncResponse::error(code));
        if self.is(ClassicState::Dead) {
            return refuse(ErrorCode::COORDINATOR_NOT_AVAILABLE);
        }
        if let Err(code) =
            self.validate_member(&request.member_id, request.group_instance_id.as_deref())
        {
            return refuse(code);
        }
        if request.generation_id != self.generation {
            return refuse(ErrorCode::ILLEGAL_GENERATION);
        }
        let mismatch =
            |given: &Option<String>, ours: &Option<String>| given.is_some() && given != ours;
        if mismatch(&request.protocol_type, &self.protocol_type)
            || mismatch(&request.protocol_name, &self.protocol_name)
        {
            return refuse(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
        }
        match self.state {
            ClassicState::Empty | ClassicState::Dead => refuse(ErrorCode::UNKNOWN_MEMBER_ID),
            ClassicState::PreparingRebalance => refuse(ErrorCode::REBALANCE_IN_PROGRESS),
            ClassicState::CompletingRebalance => self.sync_completing(request, ctx),
            ClassicState::Stable => {
                self.pending_sync.remove(&request.member_id);
                self.touch(&request.member_id, ctx.now_ms);
                let assignment = self
                    .members
                    .get(&request.member_id)
                    .map(|m| m.assignment.clone())
                    .unwrap_or_default();
                Reply::Now(self.sync_response(assignment))
            }
        }
    }

    fn sync_completing(&mut self, request: SyncRequest, ctx: &mut Ctx<'_>) -> Reply<SyncResponse> {
        let (tx, rx) = oneshot::channel();
        let member_id = request.member_id;
        self.pending_sync.remove(&member_id);
        if let Some(member) = self.members.get_mut(&member_id) {
            member.awaiting_sync = Some(tx);
            member.last_heartbeat_ms = ctx.now_ms;
        }
        if self.leader.as_deref() != Some(member_id.as_str()) {
            return Reply::Later(rx);
        }
        let mut assignments = request.assignments;
        for member in self.members.values_mut() {
            member.assignment = assignments
                .iter_mut()
                .find(|(id, _)| *id == member.member_id)
                .map(|(_, a)| std::mem::take(a))
                .unwrap_or_default();
        }
        let record = self.metadata_record(ctx.now_ms);
        if let Err(code) = ctx.write(&[record]) {
            // Kafka's answer when the group could not be stored: everyone rejoins.
            for member in self.members.values_mut() {
                member.assignment.clear();
                if let Some(tx) = member.awaiting_sync.take() {
                    ctx.deliver(Delivery::Sync(tx, SyncResponse::error(code)));
                }
            }
            self.prepare_rebalance(ctx);
            return Reply::Later(rx);
        }
        let protocol_type = self.protocol_type.clone();
        let protocol_name = self.protocol_name.clone();
        for member in self.members.values_mut() {
            if let Some(tx) = member.awaiting_sync.take() {
                let response = SyncResponse {
                    error: ErrorCode::NONE,
                    protocol_type: protocol_type.clone(),
                    protocol_name: protocol_name.clone(),
                    assignment: member.assignment.clone(),
                };
                ctx.deliver(Delivery::Sync(tx, response));
            }
        }
        self.transition(ClassicState::Stable, ctx.now_ms);
        if self.pending_sync.is_empty() {
            self.phase_deadline_ms = None;
        }
        Reply::Later(rx)
    }

    fn sync_response(&self, assignment: Vec<u8>) -> SyncResponse {
        SyncResponse {
            error: ErrorCode::NONE,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol_name.clone(),
            assignment,
        }
    }
}
