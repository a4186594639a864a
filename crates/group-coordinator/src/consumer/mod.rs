//! KIP-848 consumer groups (`group.protocol=consumer`): members heartbeat their
//! subscription, the coordinator computes the target assignment with a server-side
//! assignor at each new group epoch, and each member is moved towards its target
//! through member epochs and incremental revocation.

pub mod assignor;
mod heartbeat;
pub mod reconcile;

use std::collections::BTreeMap;

use crate::records::consumer_group::{
    encode_assignment, encode_epoch, Assignment, CurrentAssignmentValue, MemberSubscription,
    TopicId,
};
use crate::records::{CoordinatorRecord, RecordKey};

pub use heartbeat::{HeartbeatRequest, HeartbeatResponse};

/// Epochs a leaving member sends: -1 leaves, -2 leaves for now (a static member that
/// will be back).
pub const LEAVE_GROUP_MEMBER_EPOCH: i32 = -1;
pub const LEAVE_GROUP_STATIC_MEMBER_EPOCH: i32 = -2;

/// Kafka's MemberState, with its on-disk numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberState {
    Stable = 0,
    UnrevokedPartitions = 1,
    UnreleasedPartitions = 2,
}

impl MemberState {
    fn from_i8(v: i8) -> Self {
        match v {
            1 => MemberState::UnrevokedPartitions,
            2 => MemberState::UnreleasedPartitions,
            _ => MemberState::Stable,
        }
    }
}

/// How the broker's metadata looks to the coordinator.
pub trait TopicsView: Send + Sync {
    /// The id and partition count of `name`, if it exists.
    fn topic(&self, name: &str) -> Option<(TopicId, i32)>;
    fn topic_name(&self, id: &TopicId) -> Option<String>;
    /// Every topic's name (regex subscriptions are matched against them).
    fn topic_names(&self) -> Vec<String>;
}

#[derive(Debug, Clone)]
pub struct ConsumerMember {
    pub member_id: String,
    pub subscription: MemberSubscription,
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub state: MemberState,
    pub assigned: Assignment,
    pub pending_revocation: Assignment,
    last_heartbeat_ms: i64,
    /// When it was asked to revoke partitions: the rebalance timeout runs from here.
    revoking_since_ms: Option<i64>,
    /// The existing topics its `subscribed_topic_regex` matches.
    regex_topics: Vec<String>,
}

impl ConsumerMember {
    fn new(member_id: String, now_ms: i64) -> Self {
        Self {
            member_id,
            subscription: MemberSubscription::default(),
            member_epoch: 0,
            previous_member_epoch: -1,
            state: MemberState::Stable,
            assigned: Assignment::new(),
            pending_revocation: Assignment::new(),
            last_heartbeat_ms: now_ms,
            revoking_since_ms: None,
            regex_topics: Vec::new(),
        }
    }

    /// The topics it consumes: those it names and those its pattern matches.
    pub fn subscribed_topics(&self) -> Vec<String> {
        let mut topics = self.subscription.subscribed_topic_names.clone();
        topics.extend(self.regex_topics.iter().cloned());
        topics.sort();
        topics.dedup();
        topics
    }

    fn current_value(&self) -> CurrentAssignmentValue {
        CurrentAssignmentValue {
            member_epoch: self.member_epoch,
            previous_member_epoch: self.previous_member_epoch,
            state: self.state as i8,
            assigned: self.assigned.clone(),
            pending_revocation: self.pending_revocation.clone(),
        }
    }
}

pub struct ConsumerGroup {
    pub id: String,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub members: BTreeMap<String, ConsumerMember>,
    /// Member id → its target assignment at `assignment_epoch`.
    pub target: BTreeMap<String, Assignment>,
    /// The subscribed topics the target was computed for (None after a load: adopted
    /// as is at the next heartbeat).
    topics: Option<assignor::TopicMetadata>,
    pub state_since_ms: i64,
    /// Compiled subscription patterns (None: invalid), by their text.
    regexes: std::collections::HashMap<String, Option<regex::Regex>>,
}

impl ConsumerGroup {
    pub fn new(id: &str, now_ms: i64) -> Self {
        Self {
            id: id.to_owned(),
            group_epoch: 0,
            assignment_epoch: 0,
            members: BTreeMap::new(),
            target: BTreeMap::new(),
            topics: None,
            state_since_ms: now_ms,
            regexes: std::collections::HashMap::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Kafka's ConsumerGroupState names.
    pub fn state_name(&self) -> &'static str {
        if self.members.is_empty() {
            "Empty"
        } else if self.group_epoch > self.assignment_epoch {
            "Assigning"
        } else if self
            .members
            .values()
            .any(|m| m.member_epoch != self.assignment_epoch || m.state != MemberState::Stable)
        {
            "Reconciling"
        } else {
            "Stable"
        }
    }

    /// The assignor the group uses: the one most members ask for, else the default.
    pub fn assignor_name(&self, default: &str) -> String {
        let mut votes: BTreeMap<&str, usize> = BTreeMap::new();
        for member in self.members.values() {
            if let Some(name) = member.subscription.server_assignor.as_deref() {
                *votes.entry(name).or_default() += 1;
            }
        }
        votes
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map_or_else(|| default.to_owned(), |(name, _)| name.to_owned())
    }

    pub fn is_subscribed_to(&self, topic: &str) -> bool {
        self.members
            .values()
            .any(|m| m.subscribed_topics().iter().any(|t| t == topic))
    }

    /// Kafka's checks before a consumer group accepts an offset commit (or a fetch
    /// that names a member).
    pub fn validate_offset_commit(
        &self,
        member_id: &str,
        member_epoch: i32,
    ) -> Result<(), fjord_protocol::ErrorCode> {
        use fjord_protocol::ErrorCode;
        if member_id.is_empty() && member_epoch < 0 && self.members.is_empty() {
            return Ok(());
        }
        let member = self
            .members
            .get(member_id)
            .ok_or(ErrorCode::UNKNOWN_MEMBER_ID)?;
        if member_epoch == member.member_epoch || member_epoch == member.previous_member_epoch {
            Ok(())
        } else {
            Err(ErrorCode::STALE_MEMBER_EPOCH)
        }
    }

    // Records, in Kafka's consumer group schemas.

    fn epoch_record(&self) -> CoordinatorRecord {
        CoordinatorRecord::keyed(
            RecordKey::ConsumerGroupMetadata {
                group: self.id.clone(),
            },
            Some(encode_epoch(self.group_epoch)),
        )
    }

    fn member_record(&self, member: &ConsumerMember) -> CoordinatorRecord {
        CoordinatorRecord::keyed(
            RecordKey::ConsumerGroupMember {
                group: self.id.clone(),
                member: member.member_id.clone(),
            },
            Some(member.subscription.encode()),
        )
    }

    fn current_record(&self, member: &ConsumerMember) -> CoordinatorRecord {
        CoordinatorRecord::keyed(
            RecordKey::CurrentMemberAssignment {
                group: self.id.clone(),
                member: member.member_id.clone(),
            },
            Some(member.current_value().encode()),
        )
    }

    fn member_tombstones(&self, member_id: &str) -> [CoordinatorRecord; 3] {
        let (group, member) = (self.id.clone(), member_id.to_owned());
        [
            CoordinatorRecord::keyed(
                RecordKey::CurrentMemberAssignment {
                    group: group.clone(),
                    member: member.clone(),
                },
                None,
            ),
            CoordinatorRecord::keyed(
                RecordKey::TargetAssignmentMember {
                    group: group.clone(),
                    member: member.clone(),
                },
                None,
            ),
            CoordinatorRecord::keyed(RecordKey::ConsumerGroupMember { group, member }, None),
        ]
    }

    /// Tombstones for the whole group (DeleteGroups, expiry).
    pub fn removal_records(&self) -> Vec<CoordinatorRecord> {
        let mut records: Vec<CoordinatorRecord> = self
            .members
            .keys()
            .flat_map(|m| self.member_tombstones(m))
            .collect();
        records.push(CoordinatorRecord::keyed(
            RecordKey::TargetAssignmentMetadata {
                group: self.id.clone(),
            },
            None,
        ));
        records.push(CoordinatorRecord::keyed(
            RecordKey::ConsumerGroupMetadata {
                group: self.id.clone(),
            },
            None,
        ));
        records
    }

    /// Recomputes the target assignment if the group epoch moved past it; returns the
    /// records of the new target.
    fn update_target(&mut self, default_assignor: &str) -> Vec<CoordinatorRecord> {
        if self.group_epoch <= self.assignment_epoch {
            return Vec::new();
        }
        let topics = self.topics.clone().unwrap_or_default();
        let subscriptions: Vec<(String, Vec<String>)> = self
            .members
            .iter()
            .map(|(id, m)| (id.clone(), m.subscribed_topics()))
            .collect();
        let inputs: BTreeMap<String, assignor::AssignorMember<'_>> = subscriptions
            .iter()
            .map(|(id, subscribed)| {
                let member = assignor::AssignorMember {
                    subscribed,
                    previous: self.target.get(id),
                };
                (id.clone(), member)
            })
            .collect();
        let name = self.assignor_name(default_assignor);
        let target = assignor::assign(&name, &inputs, &topics);
        drop(inputs);
        let mut records = Vec::new();
        for (member_id, assignment) in &target {
            if self.target.get(member_id) != Some(assignment) {
                records.push(CoordinatorRecord::keyed(
                    RecordKey::TargetAssignmentMember {
                        group: self.id.clone(),
                        member: member_id.clone(),
                    },
                    Some(encode_assignment(assignment)),
                ));
            }
        }
        self.target = target;
        self.assignment_epoch = self.group_epoch;
        records.push(CoordinatorRecord::keyed(
            RecordKey::TargetAssignmentMetadata {
                group: self.id.clone(),
            },
            Some(encode_epoch(self.assignment_epoch)),
        ));
        records
    }

    // Loading.

    pub fn replay_epoch(&mut self, epoch: i32) {
        self.group_epoch = epoch;
    }

    pub fn replay_assignment_epoch(&mut self, epoch: i32) {
        self.assignment_epoch = epoch;
    }

    pub fn replay_member(
        &mut self,
        member_id: &str,
        value: Option<MemberSubscription>,
        now_ms: i64,
    ) {
        match value {
            None => {
                self.members.remove(member_id);
            }
            Some(subscription) => {
                self.members
                    .entry(member_id.to_owned())
                    .or_insert_with(|| ConsumerMember::new(member_id.to_owned(), now_ms))
                    .subscription = subscription;
            }
        }
    }

    pub fn replay_target(&mut self, member_id: &str, value: Option<Assignment>) {
        match value {
            None => {
                self.target.remove(member_id);
            }
            Some(assignment) => {
                self.target.insert(member_id.to_owned(), assignment);
            }
        }
    }

    pub fn replay_current(&mut self, member_id: &str, value: Option<CurrentAssignmentValue>) {
        let (Some(value), Some(member)) = (value, self.members.get_mut(member_id)) else {
            return;
        };
        member.member_epoch = value.member_epoch;
        member.previous_member_epoch = value.previous_member_epoch;
        member.state = MemberState::from_i8(value.state);
        member.assigned = value.assigned;
        member.pending_revocation = value.pending_revocation;
    }
}

#[cfg(test)]
mod tests;
