//! Heartbeats, leaving, and what the clock does: session expiry, join and sync
//! deadlines, forgotten KIP-394 member ids.

use fjord_protocol::ErrorCode;

use super::{ClassicGroup, ClassicState};
use crate::context::Ctx;

/// One member named in a LeaveGroup request (v3+ batches them).
#[derive(Debug, Clone, Default)]
pub struct LeaveMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveOutcome {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub error: ErrorCode,
}

impl ClassicGroup {
    pub fn heartbeat(
        &mut self,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation_id: i32,
        ctx: &mut Ctx<'_>,
    ) -> ErrorCode {
        if self.is(ClassicState::Dead) {
            return ErrorCode::COORDINATOR_NOT_AVAILABLE;
        }
        if let Err(code) = self.validate_member(member_id, group_instance_id) {
            return code;
        }
        if generation_id != self.generation {
            return ErrorCode::ILLEGAL_GENERATION;
        }
        match self.state {
            ClassicState::Empty | ClassicState::Dead => ErrorCode::UNKNOWN_MEMBER_ID,
            ClassicState::PreparingRebalance => {
                self.touch(member_id, ctx.now_ms);
                ErrorCode::REBALANCE_IN_PROGRESS
            }
            ClassicState::CompletingRebalance => {
                self.touch(member_id, ctx.now_ms);
                ErrorCode::NONE
            }
            ClassicState::Stable => {
                self.touch(member_id, ctx.now_ms);
                self.pending_sync.remove(member_id);
                ErrorCode::NONE
            }
        }
    }

    pub fn leave(&mut self, members: &[LeaveMember], ctx: &mut Ctx<'_>) -> Vec<LeaveOutcome> {
        members
            .iter()
            .map(|m| LeaveOutcome {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                error: self.leave_one(m, ctx),
            })
            .collect()
    }

    fn leave_one(&mut self, leaving: &LeaveMember, ctx: &mut Ctx<'_>) -> ErrorCode {
        if self.is(ClassicState::Dead) {
            return ErrorCode::COORDINATOR_NOT_AVAILABLE;
        }
        let member_id = match &leaving.group_instance_id {
            Some(instance) => match self.static_members.get(instance) {
                None => return ErrorCode::UNKNOWN_MEMBER_ID,
                Some(current) if !leaving.member_id.is_empty() && *current != leaving.member_id => {
                    return ErrorCode::FENCED_INSTANCE_ID
                }
                Some(current) => current.clone(),
            },
            None => leaving.member_id.clone(),
        };
        if self.pending_members.remove(&member_id).is_some() {
            self.try_complete_join(ctx);
            return ErrorCode::NONE;
        }
        if !self.members.contains_key(&member_id) {
            return ErrorCode::UNKNOWN_MEMBER_ID;
        }
        self.remove_member_and_update(&member_id, ctx);
        ErrorCode::NONE
    }

    /// Removes a member (answering it if it waits) and moves the group on: a stable
    /// group rebalances, a join phase may now be complete.
    pub(super) fn remove_member_and_update(&mut self, member_id: &str, ctx: &mut Ctx<'_>) {
        self.remove_member(member_id, ctx);
        match self.state {
            ClassicState::Stable | ClassicState::CompletingRebalance => {
                self.prepare_rebalance(ctx);
                // With no one left the join phase is over at once (the group empties).
                self.try_complete_join(ctx);
            }
            ClassicState::PreparingRebalance => self.try_complete_join(ctx),
            ClassicState::Empty | ClassicState::Dead => {}
        }
    }

    pub(super) fn remove_member(&mut self, member_id: &str, ctx: &mut Ctx<'_>) {
        let Some(mut member) = self.members.remove(member_id) else {
            return;
        };
        member.refuse_waiting(ErrorCode::UNKNOWN_MEMBER_ID, ctx);
        if let Some(instance) = &member.group_instance_id {
            if self.static_members.get(instance).map(String::as_str) == Some(member_id) {
                self.static_members.remove(instance);
            }
        }
        self.pending_sync.remove(member_id);
        if self.leader.as_deref() == Some(member_id) {
            self.leader = self
                .members
                .values()
                .find(|m| m.is_awaiting_join())
                .or_else(|| self.members.values().next())
                .map(|m| m.member_id.clone());
        }
    }

    /// Runs the group's clock: expired sessions, forgotten pending member ids, and
    /// the deadline of the current join or sync phase.
    pub fn tick(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now_ms;
        let before = self.pending_members.len();
        self.pending_members.retain(|_, deadline| *deadline > now);
        if self.pending_members.len() != before {
            self.try_complete_join(ctx);
        }
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| {
                // A member waiting in JoinGroup is bounded by the join deadline instead.
                !m.is_awaiting_join()
                    && m.awaiting_sync.is_none()
                    && m.last_heartbeat_ms + i64::from(m.session_timeout_ms) <= now
            })
            .map(|m| m.member_id.clone())
            .collect();
        for member_id in expired {
            tracing::info!(group = %self.id, member = %member_id, "member session expired");
            self.remove_member_and_update(&member_id, ctx);
        }
        if self.phase_deadline_ms.is_some_and(|d| d <= now) {
            match self.state {
                ClassicState::PreparingRebalance => self.on_join_deadline(ctx),
                ClassicState::CompletingRebalance | ClassicState::Stable => {
                    self.on_sync_deadline(ctx)
                }
                ClassicState::Empty | ClassicState::Dead => self.phase_deadline_ms = None,
            }
        }
    }

    /// Members that never sent SyncGroup within the rebalance timeout are removed,
    /// and the group rebalances without them.
    fn on_sync_deadline(&mut self, ctx: &mut Ctx<'_>) {
        self.phase_deadline_ms = None;
        let missing: Vec<String> = self.pending_sync.drain().collect();
        if missing.is_empty() {
            return;
        }
        for member_id in &missing {
            tracing::info!(group = %self.id, member = %member_id, "member did not sync in time");
            self.remove_member(member_id, ctx);
        }
        self.prepare_rebalance(ctx);
    }

    /// The earliest time the group's clock has something to do.
    pub fn next_deadline_ms(&self) -> Option<i64> {
        let sessions = self
            .members
            .values()
            .map(|m| m.last_heartbeat_ms + i64::from(m.session_timeout_ms));
        let pending = self.pending_members.values().copied();
        sessions.chain(pending).chain(self.phase_deadline_ms).min()
    }
}

impl ClassicGroup {
    /// Kafka's checks before a classic group accepts a commit.
    pub fn validate_offset_commit(
        &self,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation_id: i32,
    ) -> Result<(), ErrorCode> {
        if self.is(ClassicState::Dead) {
            return Err(ErrorCode::COORDINATOR_NOT_AVAILABLE);
        }
        let simple = generation_id < 0 && member_id.is_empty() && group_instance_id.is_none();
        if simple {
            return if self.is(ClassicState::Empty) {
                Ok(())
            } else {
                Err(ErrorCode::UNKNOWN_MEMBER_ID)
            };
        }
        if generation_id < 0 && self.is(ClassicState::Empty) {
            return Ok(());
        }
        self.validate_member(member_id, group_instance_id)?;
        if generation_id != self.generation {
            return Err(ErrorCode::ILLEGAL_GENERATION);
        }
        if self.is(ClassicState::CompletingRebalance) {
            return Err(ErrorCode::REBALANCE_IN_PROGRESS);
        }
        Ok(())
    }
}
