//! Classic consumer groups (the JoinGroup/SyncGroup protocol): the group state machine
//! Kafka's `ClassicGroup` runs — Empty → PreparingRebalance → CompletingRebalance →
//! Stable — with member sessions, rebalance deadlines, the initial rebalance delay,
//! KIP-394 member ids and KIP-345 static members. Assignments are computed by the
//! group's leader (a client); the coordinator only carries them.

mod join;
mod membership;
mod sync;

use std::collections::{BTreeMap, HashMap, HashSet};

use fjord_protocol::ErrorCode;
use tokio::sync::oneshot;

use crate::records::{CoordinatorRecord, GroupMetadataValue, MemberMetadata};

pub use join::{JoinRequest, JoinResponse, JoinedMember};
pub use membership::{LeaveMember, LeaveOutcome};
pub use sync::{SyncRequest, SyncResponse};

/// A classic group's state, named as Kafka names it in ListGroups/DescribeGroups.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassicState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl ClassicState {
    pub fn name(self) -> &'static str {
        match self {
            ClassicState::Empty => "Empty",
            ClassicState::PreparingRebalance => "PreparingRebalance",
            ClassicState::CompletingRebalance => "CompletingRebalance",
            ClassicState::Stable => "Stable",
            ClassicState::Dead => "Dead",
        }
    }
}

/// A response owed to a member that is waiting in JoinGroup or SyncGroup; sent once
/// the records of the operation that settled it are durable.
pub enum Delivery {
    Join(oneshot::Sender<JoinResponse>, JoinResponse),
    Sync(oneshot::Sender<SyncResponse>, SyncResponse),
}

impl Delivery {
    pub fn send(self) {
        // A member that went away no longer listens; nothing to do then.
        match self {
            Delivery::Join(tx, response) => drop(tx.send(response)),
            Delivery::Sync(tx, response) => drop(tx.send(response)),
        }
    }
}

pub struct ClassicMember {
    pub member_id: String,
    pub group_instance_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub rebalance_timeout_ms: i32,
    pub session_timeout_ms: i32,
    pub protocol_type: String,
    /// (name, metadata) in the member's order of preference.
    pub protocols: Vec<(String, Vec<u8>)>,
    pub assignment: Vec<u8>,
    awaiting_join: Option<oneshot::Sender<JoinResponse>>,
    awaiting_sync: Option<oneshot::Sender<SyncResponse>>,
    /// When the member last proved it is alive (join, sync, heartbeat).
    last_heartbeat_ms: i64,
}

impl ClassicMember {
    pub fn metadata(&self, protocol: &str) -> Option<&[u8]> {
        self.protocols
            .iter()
            .find(|(name, _)| name == protocol)
            .map(|(_, metadata)| metadata.as_slice())
    }

    pub fn is_awaiting_join(&self) -> bool {
        self.awaiting_join.is_some()
    }

    fn supports(&self, protocol: &str) -> bool {
        self.metadata(protocol).is_some()
    }

    /// Answers its waiting JoinGroup or SyncGroup, if any, with `error` (it was
    /// removed or fenced).
    fn refuse_waiting(&mut self, error: ErrorCode, ctx: &mut crate::context::Ctx<'_>) {
        if let Some(tx) = self.awaiting_join.take() {
            ctx.deliver(Delivery::Join(
                tx,
                JoinResponse::error(&self.member_id, error),
            ));
        }
        if let Some(tx) = self.awaiting_sync.take() {
            ctx.deliver(Delivery::Sync(tx, SyncResponse::error(error)));
        }
    }
}

pub struct ClassicGroup {
    pub id: String,
    pub state: ClassicState,
    /// When the group entered `state` (wall clock, ms).
    pub state_since_ms: i64,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub generation: i32,
    pub leader: Option<String>,
    members: BTreeMap<String, ClassicMember>,
    /// Member ids handed out by a KIP-394 MEMBER_ID_REQUIRED answer, not joined yet,
    /// with the time they are forgotten.
    pending_members: HashMap<String, i64>,
    /// Members of the new generation that have not sent SyncGroup yet.
    pending_sync: HashSet<String>,
    /// group.instance.id → member id of the static members.
    static_members: HashMap<String, String>,
    /// Deadline of the join phase (PreparingRebalance) or of the sync phase
    /// (CompletingRebalance).
    phase_deadline_ms: Option<i64>,
    /// While a new group waits for more members: the delay still allowed in total.
    initial_delay_left_ms: Option<i64>,
    /// A member joined during the initial delay (which then extends).
    new_member_added: bool,
}

impl ClassicGroup {
    pub fn new(id: &str, now_ms: i64) -> Self {
        Self {
            id: id.to_owned(),
            state: ClassicState::Empty,
            state_since_ms: now_ms,
            protocol_type: None,
            protocol_name: None,
            generation: 0,
            leader: None,
            members: BTreeMap::new(),
            pending_members: HashMap::new(),
            pending_sync: HashSet::new(),
            static_members: HashMap::new(),
            phase_deadline_ms: None,
            initial_delay_left_ms: None,
            new_member_added: false,
        }
    }

    pub fn members(&self) -> impl Iterator<Item = &ClassicMember> {
        self.members.values()
    }

    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// Are KIP-394 member ids out that may still join?
    pub fn has_pending_members(&self) -> bool {
        !self.pending_members.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    pub fn is(&self, state: ClassicState) -> bool {
        self.state == state
    }

    fn transition(&mut self, state: ClassicState, now_ms: i64) {
        self.state = state;
        self.state_since_ms = now_ms;
    }

    /// Does any member's subscription name `topic`? Only knowable for the "consumer"
    /// protocol type, whose subscription layout is public (OffsetDelete needs it).
    pub fn is_subscribed_to(&self, topic: &str) -> bool {
        let Some(protocol) = &self.protocol_name else {
            return false;
        };
        if self.protocol_type.as_deref() != Some("consumer") {
            return false;
        }
        self.members.values().any(|m| {
            m.metadata(protocol)
                .is_some_and(|metadata| subscription_topics(metadata).iter().any(|t| t == topic))
        })
    }

    /// Checks `member_id` / `group_instance_id` the way every classic request does.
    fn validate_member(
        &self,
        member_id: &str,
        group_instance_id: Option<&str>,
    ) -> Result<(), ErrorCode> {
        if let Some(instance) = group_instance_id {
            match self.static_members.get(instance) {
                Some(current) if current != member_id => return Err(ErrorCode::FENCED_INSTANCE_ID),
                Some(_) => return Ok(()),
                None => {}
            }
        }
        if self.members.contains_key(member_id) {
            Ok(())
        } else {
            Err(ErrorCode::UNKNOWN_MEMBER_ID)
        }
    }

    /// The protocol names every member supports.
    fn candidate_protocols(&self) -> Vec<&str> {
        let mut members = self.members.values();
        let Some(first) = members.next() else {
            return Vec::new();
        };
        let mut candidates: Vec<&str> = first.protocols.iter().map(|(n, _)| n.as_str()).collect();
        for member in members {
            candidates.retain(|name| member.supports(name));
        }
        candidates
    }

    /// Can a member with these protocols join? (INCONSISTENT_GROUP_PROTOCOL if not.)
    fn supports_protocols(&self, protocol_type: &str, protocols: &[(String, Vec<u8>)]) -> bool {
        if self.members.is_empty() {
            return !protocol_type.is_empty() && !protocols.is_empty();
        }
        if self.protocol_type.as_deref() != Some(protocol_type) {
            return false;
        }
        let candidates = self.candidate_protocols();
        protocols
            .iter()
            .any(|(name, _)| candidates.contains(&name.as_str()))
    }

    /// The protocol for the next generation: each member votes for the first of its
    /// protocols that all support; the most votes win (ties: the earlier candidate).
    fn select_protocol(&self) -> Option<String> {
        let candidates = self.candidate_protocols();
        let mut votes = vec![0usize; candidates.len()];
        for member in self.members.values() {
            if let Some(i) = member
                .protocols
                .iter()
                .find_map(|(name, _)| candidates.iter().position(|c| c == name))
            {
                votes[i] += 1;
            }
        }
        let best = votes.iter().copied().max()?;
        let winner = votes.iter().position(|v| *v == best)?;
        candidates.get(winner).map(|s| (*s).to_owned())
    }

    fn max_rebalance_timeout_ms(&self) -> i64 {
        self.members
            .values()
            .map(|m| i64::from(m.rebalance_timeout_ms))
            .max()
            .unwrap_or(0)
    }

    /// The group's state as a GroupMetadataValue record (written when a generation's
    /// assignment settles and when the group empties).
    pub fn metadata_record(&self, now_ms: i64) -> CoordinatorRecord {
        let protocol = self.protocol_name.clone();
        let members = self
            .members
            .values()
            .map(|m| MemberMetadata {
                member_id: m.member_id.clone(),
                group_instance_id: m.group_instance_id.clone(),
                client_id: m.client_id.clone(),
                client_host: m.client_host.clone(),
                rebalance_timeout: m.rebalance_timeout_ms,
                session_timeout: m.session_timeout_ms,
                subscription: protocol
                    .as_deref()
                    .and_then(|p| m.metadata(p))
                    .unwrap_or_default()
                    .to_vec(),
                assignment: m.assignment.clone(),
            })
            .collect();
        let value = GroupMetadataValue {
            protocol_type: self.protocol_type.clone().unwrap_or_default(),
            generation: self.generation,
            protocol,
            leader: self.leader.clone(),
            current_state_timestamp: now_ms,
            members,
        };
        CoordinatorRecord::group_metadata(&self.id, &value)
    }

    /// Rebuilds a group from its last GroupMetadataValue (loading the partition).
    /// Members come back as Stable with fresh sessions: if they are gone, their
    /// sessions expire and the group rebalances, as in Kafka.
    pub fn from_record(id: &str, value: GroupMetadataValue, now_ms: i64) -> Self {
        let mut group = Self::new(id, now_ms);
        group.generation = value.generation;
        group.protocol_type = (!value.protocol_type.is_empty()).then_some(value.protocol_type);
        group.protocol_name = value.protocol.clone();
        group.leader = value.leader;
        if value.current_state_timestamp >= 0 {
            group.state_since_ms = value.current_state_timestamp;
        }
        for m in value.members {
            if let Some(instance) = &m.group_instance_id {
                group
                    .static_members
                    .insert(instance.clone(), m.member_id.clone());
            }
            let protocols = value
                .protocol
                .clone()
                .map(|p| vec![(p, m.subscription)])
                .unwrap_or_default();
            group.members.insert(
                m.member_id.clone(),
                ClassicMember {
                    member_id: m.member_id,
                    group_instance_id: m.group_instance_id,
                    client_id: m.client_id,
                    client_host: m.client_host,
                    rebalance_timeout_ms: m.rebalance_timeout,
                    session_timeout_ms: m.session_timeout,
                    protocol_type: group.protocol_type.clone().unwrap_or_default(),
                    protocols,
                    assignment: m.assignment,
                    awaiting_join: None,
                    awaiting_sync: None,
                    last_heartbeat_ms: now_ms,
                },
            );
        }
        group.state = if group.members.is_empty() {
            ClassicState::Empty
        } else {
            ClassicState::Stable
        };
        group
    }
}

/// The topics of a "consumer" protocol subscription (ConsumerProtocolSubscription:
/// int16 version, then an array of topic names). Unreadable metadata has none.
pub fn subscription_topics(metadata: &[u8]) -> Vec<String> {
    let mut r = fjord_protocol::codec::Reader::new(metadata);
    let topics = r
        .i16()
        .and_then(|_| r.array(false, 2, |r| r.string(false).map(str::to_owned)));
    topics.unwrap_or_default()
}

#[cfg(test)]
mod tests;
