//! JoinGroup: new and returning members, the join phase and its completion.

use fjord_protocol::ErrorCode;
use tokio::sync::oneshot;

use super::{ClassicGroup, ClassicMember, ClassicState, Delivery};
use crate::context::{Ctx, Reply};

#[derive(Debug, Clone, Default)]
pub struct JoinRequest {
    pub group_id: String,
    /// "" for a member joining for the first time.
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub protocol_type: String,
    pub protocols: Vec<(String, Vec<u8>)>,
    pub session_timeout_ms: i32,
    pub rebalance_timeout_ms: i32,
    pub client_id: String,
    pub client_host: String,
    /// JoinGroup v4+: a new member first gets an id (MEMBER_ID_REQUIRED), KIP-394.
    pub require_known_member_id: bool,
    /// JoinGroup v9+: a static leader rejoining may be told to keep its assignment.
    pub supports_skip_assignment: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinResponse {
    pub error: ErrorCode,
    pub generation_id: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader: String,
    pub skip_assignment: bool,
    pub member_id: String,
    /// Every member with its metadata for the chosen protocol; leader only.
    pub members: Vec<JoinedMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub metadata: Vec<u8>,
}

impl JoinResponse {
    pub fn error(member_id: &str, error: ErrorCode) -> Self {
        Self {
            error,
            generation_id: -1,
            protocol_type: None,
            protocol_name: None,
            leader: String::new(),
            skip_assignment: false,
            member_id: member_id.to_owned(),
            members: Vec::new(),
        }
    }
}

impl ClassicGroup {
    pub fn join(&mut self, request: JoinRequest, ctx: &mut Ctx<'_>) -> Reply<JoinResponse> {
        let refuse = |code| Reply::Now(JoinResponse::error(&request.member_id, code));
        if self.is(ClassicState::Dead) {
            return refuse(ErrorCode::COORDINATOR_NOT_AVAILABLE);
        }
        if !self.supports_protocols(&request.protocol_type, &request.protocols) {
            return refuse(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
        }
        if request.member_id.is_empty() {
            self.join_new_member(request, ctx)
        } else {
            self.join_known_member(request, ctx)
        }
    }

    fn is_full(&self, ctx: &Ctx<'_>) -> bool {
        self.members.len() + self.pending_members.len() >= ctx.config.max_size
    }

    fn join_new_member(&mut self, request: JoinRequest, ctx: &mut Ctx<'_>) -> Reply<JoinResponse> {
        let member_id = format!("{}-{}", request.client_id, uuid::Uuid::new_v4());
        if let Some(instance) = request.group_instance_id.clone() {
            if let Some(old_id) = self.static_members.get(&instance).cloned() {
                return self.replace_static_member(&old_id, member_id, request, ctx);
            }
        } else if request.require_known_member_id {
            if self.is_full(ctx) {
                return Reply::Now(JoinResponse::error("", ErrorCode::GROUP_MAX_SIZE_REACHED));
            }
            let deadline = ctx.now_ms + i64::from(request.session_timeout_ms);
            self.pending_members.insert(member_id.clone(), deadline);
            return Reply::Now(JoinResponse::error(
                &member_id,
                ErrorCode::MEMBER_ID_REQUIRED,
            ));
        }
        if self.is_full(ctx) {
            return Reply::Now(JoinResponse::error("", ErrorCode::GROUP_MAX_SIZE_REACHED));
        }
        self.add_member_and_rebalance(member_id, request, ctx)
    }

    fn join_known_member(
        &mut self,
        request: JoinRequest,
        ctx: &mut Ctx<'_>,
    ) -> Reply<JoinResponse> {
        let member_id = request.member_id.clone();
        if self.pending_members.remove(&member_id).is_some() {
            return self.add_member_and_rebalance(member_id, request, ctx);
        }
        if let Err(code) = self.validate_member(&member_id, request.group_instance_id.as_deref()) {
            return Reply::Now(JoinResponse::error(&member_id, code));
        }
        let unchanged = self
            .members
            .get(&member_id)
            .is_some_and(|m| m.protocols == request.protocols);
        let is_leader = self.leader.as_deref() == Some(member_id.as_str());
        match self.state {
            ClassicState::PreparingRebalance => self.update_member_and_rebalance(request, ctx),
            ClassicState::CompletingRebalance if unchanged => {
                // The member lost its JoinGroup answer: give it again.
                self.touch(&member_id, ctx.now_ms);
                Reply::Now(self.current_join_response(&member_id, is_leader))
            }
            ClassicState::Stable if unchanged && !is_leader => {
                self.touch(&member_id, ctx.now_ms);
                Reply::Now(self.current_join_response(&member_id, false))
            }
            ClassicState::CompletingRebalance | ClassicState::Stable => {
                self.update_member_and_rebalance(request, ctx)
            }
            ClassicState::Empty | ClassicState::Dead => Reply::Now(JoinResponse::error(
                &member_id,
                ErrorCode::UNKNOWN_MEMBER_ID,
            )),
        }
    }

    /// A static member restarted: the new member id takes the old one's place (and
    /// assignment), and the old instance is fenced. No rebalance unless its
    /// protocols changed (KIP-345).
    fn replace_static_member(
        &mut self,
        old_id: &str,
        new_id: String,
        request: JoinRequest,
        ctx: &mut Ctx<'_>,
    ) -> Reply<JoinResponse> {
        let Some(mut member) = self.members.remove(old_id) else {
            return Reply::Now(JoinResponse::error("", ErrorCode::UNKNOWN_MEMBER_ID));
        };
        member.refuse_waiting(ErrorCode::FENCED_INSTANCE_ID, ctx);
        let protocols_changed = member.protocols != request.protocols;
        member.member_id = new_id.clone();
        member.client_id = request.client_id.clone();
        member.client_host = request.client_host.clone();
        member.session_timeout_ms = request.session_timeout_ms;
        member.rebalance_timeout_ms = request.rebalance_timeout_ms;
        member.last_heartbeat_ms = ctx.now_ms;
        if let Some(instance) = &member.group_instance_id {
            self.static_members.insert(instance.clone(), new_id.clone());
        }
        let was_leader = self.leader.as_deref() == Some(old_id);
        if was_leader {
            self.leader = Some(new_id.clone());
        }
        if self.pending_sync.remove(old_id) {
            self.pending_sync.insert(new_id.clone());
        }
        self.members.insert(new_id.clone(), member);
        let request = JoinRequest {
            member_id: new_id.clone(),
            ..request
        };
        match self.state {
            ClassicState::Stable if !protocols_changed => {
                // Persist the new member id so a restart does not resurrect the old one.
                let record = self.metadata_record(ctx.now_ms);
                if let Err(code) = ctx.write(&[record]) {
                    return Reply::Now(JoinResponse::error(&new_id, code));
                }
                let skip = was_leader && request.supports_skip_assignment;
                let mut response = self.current_join_response(&new_id, skip);
                response.skip_assignment = skip;
                Reply::Now(response)
            }
            ClassicState::CompletingRebalance if !protocols_changed => {
                Reply::Now(self.current_join_response(&new_id, was_leader))
            }
            _ => self.update_member_and_rebalance(request, ctx),
        }
    }

    fn add_member_and_rebalance(
        &mut self,
        member_id: String,
        request: JoinRequest,
        ctx: &mut Ctx<'_>,
    ) -> Reply<JoinResponse> {
        let (tx, rx) = oneshot::channel();
        if let Some(instance) = &request.group_instance_id {
            self.static_members
                .insert(instance.clone(), member_id.clone());
        }
        if self.leader.is_none() {
            self.leader = Some(member_id.clone());
        }
        if self.members.is_empty() {
            self.protocol_type = Some(request.protocol_type.clone());
        }
        self.members.insert(
            member_id.clone(),
            ClassicMember {
                member_id,
                group_instance_id: request.group_instance_id,
                client_id: request.client_id,
                client_host: request.client_host,
                rebalance_timeout_ms: request.rebalance_timeout_ms,
                session_timeout_ms: request.session_timeout_ms,
                protocol_type: request.protocol_type,
                protocols: request.protocols,
                assignment: Vec::new(),
                awaiting_join: Some(tx),
                awaiting_sync: None,
                last_heartbeat_ms: ctx.now_ms,
            },
        );
        if self.is(ClassicState::PreparingRebalance) && self.generation == 0 {
            self.new_member_added = true;
        }
        self.prepare_rebalance(ctx);
        self.try_complete_join(ctx);
        Reply::Later(rx)
    }

    fn update_member_and_rebalance(
        &mut self,
        request: JoinRequest,
        ctx: &mut Ctx<'_>,
    ) -> Reply<JoinResponse> {
        let (tx, rx) = oneshot::channel();
        if let Some(member) = self.members.get_mut(&request.member_id) {
            member.protocols = request.protocols;
            member.session_timeout_ms = request.session_timeout_ms;
            member.rebalance_timeout_ms = request.rebalance_timeout_ms;
            member.last_heartbeat_ms = ctx.now_ms;
            if let Some(old) = member.awaiting_join.replace(tx) {
                // A second JoinGroup replaces the first; the first is answered as
                // Kafka does for a superseded request.
                drop(old);
            }
        }
        self.prepare_rebalance(ctx);
        self.try_complete_join(ctx);
        Reply::Later(rx)
    }

    /// Starts a join phase (no-op if one is running). Members waiting in SyncGroup
    /// are told to rejoin; a new group first waits `group.initial.rebalance.delay.ms`.
    pub(super) fn prepare_rebalance(&mut self, ctx: &mut Ctx<'_>) {
        match self.state {
            ClassicState::PreparingRebalance | ClassicState::Dead => return,
            ClassicState::CompletingRebalance => {
                for member in self.members.values_mut() {
                    member.assignment.clear();
                    if let Some(tx) = member.awaiting_sync.take() {
                        ctx.deliver(Delivery::Sync(
                            tx,
                            super::SyncResponse::error(ErrorCode::REBALANCE_IN_PROGRESS),
                        ));
                    }
                }
            }
            ClassicState::Empty | ClassicState::Stable => {}
        }
        self.pending_sync.clear();
        let delay = i64::from(ctx.config.initial_rebalance_delay_ms);
        if self.is(ClassicState::Empty) && delay > 0 {
            let remaining = (self.max_rebalance_timeout_ms() - delay).max(0);
            self.initial_delay_left_ms = Some(remaining);
            self.new_member_added = false;
            self.phase_deadline_ms = Some(ctx.now_ms + delay);
        } else {
            self.phase_deadline_ms = Some(ctx.now_ms + self.max_rebalance_timeout_ms());
        }
        self.transition(ClassicState::PreparingRebalance, ctx.now_ms);
    }

    /// Completes the join phase early when every member has rejoined (never during
    /// the initial delay, which waits for more members).
    pub(super) fn try_complete_join(&mut self, ctx: &mut Ctx<'_>) {
        let all_joined = self.members.values().all(ClassicMember::is_awaiting_join)
            && self.pending_members.is_empty();
        if self.is(ClassicState::PreparingRebalance)
            && self.initial_delay_left_ms.is_none()
            && all_joined
        {
            self.complete_join(ctx);
        }
    }

    /// The join-phase deadline passed: extend a new group's initial delay while
    /// members keep arriving, else complete with whoever rejoined.
    pub(super) fn on_join_deadline(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(remaining) = self.initial_delay_left_ms {
            if self.new_member_added && remaining > 0 {
                let delay = i64::from(ctx.config.initial_rebalance_delay_ms).min(remaining);
                self.initial_delay_left_ms = Some((remaining - delay).max(0));
                self.new_member_added = false;
                self.phase_deadline_ms = Some(ctx.now_ms + delay);
                return;
            }
        }
        self.complete_join(ctx);
    }

    /// Ends the join phase: drops dynamic members that did not rejoin, starts the next
    /// generation and answers every waiting member (the leader gets the member list).
    fn complete_join(&mut self, ctx: &mut Ctx<'_>) {
        self.initial_delay_left_ms = None;
        self.phase_deadline_ms = None;
        let gone: Vec<String> = self
            .members
            .values()
            .filter(|m| !m.is_awaiting_join() && m.group_instance_id.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for member_id in gone {
            self.remove_member(&member_id, ctx);
        }
        self.generation += 1;
        if self.members.is_empty() {
            self.protocol_name = None;
            self.leader = None;
            self.transition(ClassicState::Empty, ctx.now_ms);
            let record = self.metadata_record(ctx.now_ms);
            if let Err(code) = ctx.write(&[record]) {
                tracing::warn!(group = %self.id, ?code, "could not record the empty group");
            }
            return;
        }
        self.protocol_name = self.select_protocol();
        let leader_joined = self
            .leader
            .as_ref()
            .and_then(|l| self.members.get(l))
            .is_some_and(ClassicMember::is_awaiting_join);
        if !leader_joined {
            self.leader = self
                .members
                .values()
                .find(|m| m.is_awaiting_join())
                .or_else(|| self.members.values().next())
                .map(|m| m.member_id.clone());
        }
        self.transition(ClassicState::CompletingRebalance, ctx.now_ms);
        self.pending_sync = self.members.keys().cloned().collect();
        self.phase_deadline_ms = Some(ctx.now_ms + self.max_rebalance_timeout_ms());
        let leader = self.leader.clone().unwrap_or_default();
        let waiting: Vec<String> = self
            .members
            .values()
            .filter(|m| m.is_awaiting_join())
            .map(|m| m.member_id.clone())
            .collect();
        for member_id in waiting {
            let response = self.current_join_response(&member_id, member_id == leader);
            if let Some(member) = self.members.get_mut(&member_id) {
                member.last_heartbeat_ms = ctx.now_ms;
                if let Some(tx) = member.awaiting_join.take() {
                    ctx.deliver(Delivery::Join(tx, response));
                }
            }
        }
    }

    /// The current generation as a JoinGroup answer to `member_id`; `with_members`
    /// lists every member's metadata (what the leader needs to assign).
    fn current_join_response(&self, member_id: &str, with_members: bool) -> JoinResponse {
        let protocol = self.protocol_name.clone();
        let members = if with_members {
            self.members
                .values()
                .map(|m| JoinedMember {
                    member_id: m.member_id.clone(),
                    group_instance_id: m.group_instance_id.clone(),
                    metadata: protocol
                        .as_deref()
                        .and_then(|p| m.metadata(p))
                        .unwrap_or_default()
                        .to_vec(),
                })
                .collect()
        } else {
            Vec::new()
        };
        JoinResponse {
            error: ErrorCode::NONE,
            generation_id: self.generation,
            protocol_type: self.protocol_type.clone(),
            protocol_name: protocol,
            leader: self.leader.clone().unwrap_or_default(),
            skip_assignment: false,
            member_id: member_id.to_owned(),
            members,
        }
    }

    pub(super) fn touch(&mut self, member_id: &str, now_ms: i64) {
        if let Some(member) = self.members.get_mut(member_id) {
            member.last_heartbeat_ms = now_ms;
        }
    }
}
