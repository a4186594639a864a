//! ConsumerGroupHeartbeat: joining, staying, leaving, and the clock that removes
//! members whose session lapsed or who would not revoke in time.

use std::collections::{BTreeMap, BTreeSet};

use fjord_protocol::ErrorCode;

use super::reconcile::{is_subset, reconcile};
use super::{
    ConsumerGroup, ConsumerMember, MemberState, TopicsView, LEAVE_GROUP_MEMBER_EPOCH,
    LEAVE_GROUP_STATIC_MEMBER_EPOCH,
};
use crate::context::Ctx;
use crate::records::consumer_group::{Assignment, TopicId};
use crate::records::CoordinatorRecord;

#[derive(Debug, Clone, Default)]
pub struct HeartbeatRequest {
    pub group_id: String,
    /// Chosen by the client from v1 (KIP-1082); "" to be given one on v0.
    pub member_id: String,
    pub member_epoch: i32,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    /// -1: unchanged.
    pub rebalance_timeout_ms: i32,
    /// `None`: unchanged since the last heartbeat.
    pub subscribed_topic_names: Option<Vec<String>>,
    pub subscribed_topic_regex: Option<String>,
    pub server_assignor: Option<String>,
    /// What the member owns now; `None`: unchanged.
    pub owned: Option<Assignment>,
    pub client_id: String,
    pub client_host: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeartbeatResponse {
    pub error: ErrorCode,
    pub error_message: Option<String>,
    pub member_id: Option<String>,
    pub member_epoch: i32,
    pub heartbeat_interval_ms: i32,
    /// The member's assignment, when it has to learn it.
    pub assignment: Option<Assignment>,
}

impl HeartbeatResponse {
    pub fn error(error: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error,
            error_message: Some(message.into()),
            member_id: None,
            member_epoch: -1,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }
}

impl ConsumerGroup {
    pub fn heartbeat(
        &mut self,
        request: HeartbeatRequest,
        topics: &dyn TopicsView,
        ctx: &mut Ctx<'_>,
    ) -> HeartbeatResponse {
        if request.member_epoch == LEAVE_GROUP_MEMBER_EPOCH
            || request.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH
        {
            return self.leave(&request, ctx);
        }
        if let Some(assignor) = &request.server_assignor {
            if !ctx.config.consumer_assignors.contains(assignor) {
                return HeartbeatResponse::error(
                    ErrorCode::UNSUPPORTED_ASSIGNOR,
                    format!(
                        "Assignor {assignor} is not supported. Supported assignors: {}.",
                        ctx.config.consumer_assignors.join(", ")
                    ),
                );
            }
        }
        if let Some(pattern) = &request.subscribed_topic_regex {
            if self.compiled(pattern).is_none() {
                return HeartbeatResponse::error(
                    ErrorCode::INVALID_REGULAR_EXPRESSION,
                    format!("SubscribedTopicRegex `{pattern}` is not a valid regular expression."),
                );
            }
        }
        let mut records = Vec::new();
        let member_id = match self.admit(&request, ctx, &mut records) {
            Ok(member_id) => member_id,
            Err(response) => return response,
        };
        let mut bump = self.update_subscription(&member_id, &request, ctx.now_ms, &mut records);
        bump |= self.refresh_topics(topics);
        if bump {
            self.group_epoch += 1;
            records.push(self.epoch_record());
        }
        records.extend(self.update_target(ctx.config.default_assignor()));
        let changed = self.reconcile_member(&member_id, request.owned.as_ref(), ctx.now_ms);
        let Some(member) = self.members.get(&member_id) else {
            return HeartbeatResponse::error(ErrorCode::UNKNOWN_MEMBER_ID, "member vanished");
        };
        if changed {
            records.push(self.current_record(member));
        }
        if let Err(code) = ctx.write(&records) {
            return HeartbeatResponse::error(code, "could not store the group");
        }
        let tell = request.member_epoch == 0
            || changed
            || request
                .owned
                .as_ref()
                .is_some_and(|owned| !same_partitions(owned, &member.assigned));
        HeartbeatResponse {
            error: ErrorCode::NONE,
            error_message: None,
            member_id: Some(member_id.clone()),
            member_epoch: member.member_epoch,
            heartbeat_interval_ms: ctx.config.consumer_heartbeat_interval_ms,
            assignment: tell.then(|| member.assigned.clone()),
        }
    }

    /// Finds (or, for epoch 0, creates) the member and checks its epoch; returns its id.
    fn admit(
        &mut self,
        request: &HeartbeatRequest,
        ctx: &Ctx<'_>,
        records: &mut Vec<CoordinatorRecord>,
    ) -> Result<String, HeartbeatResponse> {
        let now = ctx.now_ms;
        if request.member_epoch == 0 {
            let member_id = if request.member_id.is_empty() {
                uuid::Uuid::new_v4().simple().to_string()
            } else {
                request.member_id.clone()
            };
            let rejoining = self.members.contains_key(&member_id);
            if let Some(instance) = &request.instance_id {
                self.take_over_static_member(instance, &member_id, records)?;
            }
            if !rejoining && self.members.contains_key(&member_id) {
                // A static member that took its predecessor's place: keeps all of it.
            } else if let Some(member) = self.members.get_mut(&member_id) {
                // Rejoining (after being fenced): it owns nothing any more.
                member.member_epoch = 0;
                member.state = MemberState::Stable;
                member.assigned.clear();
                member.pending_revocation.clear();
                member.revoking_since_ms = None;
            } else {
                if self.members.len() >= ctx.config.consumer_max_size {
                    return Err(HeartbeatResponse::error(
                        ErrorCode::GROUP_MAX_SIZE_REACHED,
                        format!(
                            "The consumer group has reached its maximum capacity of {} members.",
                            ctx.config.consumer_max_size
                        ),
                    ));
                }
                self.members.insert(
                    member_id.clone(),
                    ConsumerMember::new(member_id.clone(), now),
                );
            }
            return Ok(member_id);
        }
        let Some(member) = self.members.get(&request.member_id) else {
            return Err(HeartbeatResponse::error(
                ErrorCode::UNKNOWN_MEMBER_ID,
                format!(
                    "Member {} is not a member of group {}.",
                    request.member_id, self.id
                ),
            ));
        };
        let lost_response = request.member_epoch == member.previous_member_epoch
            && request
                .owned
                .as_ref()
                .is_some_and(|o| is_subset(o, &member.assigned));
        if request.member_epoch != member.member_epoch && !lost_response {
            return Err(HeartbeatResponse::error(
                ErrorCode::FENCED_MEMBER_EPOCH,
                format!(
                    "The consumer group member has a different epoch ({}) than the one known by the group coordinator ({}).",
                    request.member_epoch, member.member_epoch
                ),
            ));
        }
        Ok(request.member_id.clone())
    }

    /// A static member coming back under a new member id takes the place (and
    /// assignment) of the one that left for now (KIP-848's static membership).
    fn take_over_static_member(
        &mut self,
        instance: &str,
        member_id: &str,
        records: &mut Vec<CoordinatorRecord>,
    ) -> Result<(), HeartbeatResponse> {
        let previous = self
            .members
            .values()
            .find(|m| m.subscription.instance_id.as_deref() == Some(instance))
            .map(|m| (m.member_id.clone(), m.member_epoch));
        let Some((old_id, old_epoch)) = previous else {
            return Ok(());
        };
        if old_id == member_id {
            return Ok(());
        }
        if old_epoch != LEAVE_GROUP_STATIC_MEMBER_EPOCH {
            return Err(HeartbeatResponse::error(
                ErrorCode::UNRELEASED_INSTANCE_ID,
                format!("Static member {old_id} with instance id {instance} is not released yet."),
            ));
        }
        let Some(mut member) = self.members.remove(&old_id) else {
            return Ok(());
        };
        records.extend(self.member_tombstones(&old_id));
        member.member_id = member_id.to_owned();
        member.member_epoch = member.previous_member_epoch.max(0);
        if let Some(target) = self.target.remove(&old_id) {
            records.push(CoordinatorRecord::keyed(
                crate::records::RecordKey::TargetAssignmentMember {
                    group: self.id.clone(),
                    member: member_id.to_owned(),
                },
                Some(crate::records::consumer_group::encode_assignment(&target)),
            ));
            self.target.insert(member_id.to_owned(), target);
        }
        records.push(self.current_record(&member));
        self.members.insert(member_id.to_owned(), member);
        Ok(())
    }

    /// Applies the request's (non-null) subscription fields; true if the group epoch
    /// must move (a new member or a new subscription).
    fn update_subscription(
        &mut self,
        member_id: &str,
        request: &HeartbeatRequest,
        now_ms: i64,
        records: &mut Vec<CoordinatorRecord>,
    ) -> bool {
        let Some(member) = self.members.get_mut(member_id) else {
            return false;
        };
        member.last_heartbeat_ms = now_ms;
        let mut sub = member.subscription.clone();
        if let Some(topics) = &request.subscribed_topic_names {
            let mut topics = topics.clone();
            topics.sort();
            topics.dedup();
            sub.subscribed_topic_names = topics;
        }
        if request.subscribed_topic_regex.is_some() {
            sub.subscribed_topic_regex = request.subscribed_topic_regex.clone();
        }
        if request.server_assignor.is_some() {
            sub.server_assignor = request.server_assignor.clone();
        }
        if request.rack_id.is_some() {
            sub.rack_id = request.rack_id.clone();
        }
        if request.rebalance_timeout_ms > 0 {
            sub.rebalance_timeout_ms = request.rebalance_timeout_ms;
        }
        if request.instance_id.is_some() {
            sub.instance_id = request.instance_id.clone();
        }
        sub.client_id = request.client_id.clone();
        sub.client_host = request.client_host.clone();
        let new_member =
            request.member_epoch == 0 && member.member_epoch == 0 && member.assigned.is_empty();
        let resubscribed = sub.subscribed_topic_names != member.subscription.subscribed_topic_names
            || sub.subscribed_topic_regex != member.subscription.subscribed_topic_regex
            || sub.server_assignor != member.subscription.server_assignor;
        if sub == member.subscription && !new_member {
            return false;
        }
        member.subscription = sub;
        let member = member.clone();
        records.push(self.member_record(&member));
        resubscribed || new_member
    }

    /// Re-reads the subscribed topics (resolving patterns); true if partitions or
    /// matching topics appeared or went away.
    fn refresh_topics(&mut self, view: &dyn TopicsView) -> bool {
        let regex_changed = self.resolve_regexes(view);
        let names: BTreeSet<String> = self
            .members
            .values()
            .flat_map(ConsumerMember::subscribed_topics)
            .collect();
        let topics: BTreeMap<String, (TopicId, i32)> = names
            .into_iter()
            .filter_map(|name| view.topic(&name).map(|t| (name, t)))
            .collect();
        if regex_changed && self.topics.is_some() {
            self.topics = Some(topics);
            return true;
        }
        match &self.topics {
            None => {
                self.topics = Some(topics);
                false
            }
            Some(known) if *known == topics => false,
            Some(_) => {
                self.topics = Some(topics);
                true
            }
        }
    }

    /// Matches each member's pattern against the topics (internal ones excluded, as in
    /// Kafka); true if any member's matches changed.
    fn resolve_regexes(&mut self, view: &dyn TopicsView) -> bool {
        let patterns: Vec<(String, String)> = self
            .members
            .values()
            .filter_map(|m| {
                let pattern = m.subscription.subscribed_topic_regex.clone()?;
                Some((m.member_id.clone(), pattern))
            })
            .collect();
        let names = if patterns.is_empty() {
            Vec::new()
        } else {
            view.topic_names()
        };
        let mut changed = false;
        for member in self.members.values_mut() {
            if member.subscription.subscribed_topic_regex.is_none()
                && !member.regex_topics.is_empty()
            {
                member.regex_topics.clear();
                changed = true;
            }
        }
        for (member_id, pattern) in patterns {
            let Some(regex) = self.compiled(&pattern) else {
                continue;
            };
            let mut matched: Vec<String> = names
                .iter()
                .filter(|name| !name.starts_with("__") && regex.is_match(name))
                .cloned()
                .collect();
            matched.sort();
            if let Some(member) = self.members.get_mut(&member_id) {
                if member.regex_topics != matched {
                    member.regex_topics = matched;
                    changed = true;
                }
            }
        }
        changed
    }

    /// The compiled pattern (cached), or `None` if it is not a valid expression.
    fn compiled(&mut self, pattern: &str) -> Option<regex::Regex> {
        self.regexes
            .entry(pattern.to_owned())
            // Anchored: Kafka matches whole topic names (RE2/J `matches()`).
            .or_insert_with(|| regex::Regex::new(&format!("^(?:{pattern})$")).ok())
            .clone()
    }

    /// Moves the member towards its target; true if its assignment or epoch changed.
    fn reconcile_member(
        &mut self,
        member_id: &str,
        owned: Option<&Assignment>,
        now_ms: i64,
    ) -> bool {
        let owners = self.owners_except(member_id);
        let empty = Assignment::new();
        let target = self.target.get(member_id).unwrap_or(&empty);
        let Some(member) = self.members.get(member_id) else {
            return false;
        };
        let Some(next) = reconcile(member, self.assignment_epoch, target, owned, |t, p| {
            owners.contains(&(*t, p))
        }) else {
            return false;
        };
        let Some(member) = self.members.get_mut(member_id) else {
            return false;
        };
        member.member_epoch = next.member_epoch;
        member.previous_member_epoch = next.previous_member_epoch;
        member.revoking_since_ms = match next.state {
            MemberState::UnrevokedPartitions => member.revoking_since_ms.or(Some(now_ms)),
            _ => None,
        };
        member.state = next.state;
        member.assigned = next.assigned;
        member.pending_revocation = next.pending_revocation;
        true
    }

    /// Partitions held (assigned or still being revoked) by members other than `id`.
    fn owners_except(&self, id: &str) -> BTreeSet<(TopicId, i32)> {
        self.members
            .values()
            .filter(|m| m.member_id != id)
            .flat_map(|m| m.assigned.iter().chain(m.pending_revocation.iter()))
            .flat_map(|(topic, partitions)| partitions.iter().map(move |p| (*topic, *p)))
            .collect()
    }

    fn leave(&mut self, request: &HeartbeatRequest, ctx: &mut Ctx<'_>) -> HeartbeatResponse {
        let Some(member) = self.members.get_mut(&request.member_id) else {
            return HeartbeatResponse::error(
                ErrorCode::UNKNOWN_MEMBER_ID,
                format!(
                    "Member {} is not a member of group {}.",
                    request.member_id, self.id
                ),
            );
        };
        let records = if request.member_epoch == LEAVE_GROUP_STATIC_MEMBER_EPOCH
            && member.subscription.instance_id.is_some()
        {
            // Kept, assignment and all, until it returns or its session lapses.
            member.previous_member_epoch = member.member_epoch;
            member.member_epoch = LEAVE_GROUP_STATIC_MEMBER_EPOCH;
            member.last_heartbeat_ms = ctx.now_ms;
            let member = member.clone();
            vec![self.current_record(&member)]
        } else {
            self.remove_member(&request.member_id, ctx)
        };
        if let Err(code) = ctx.write(&records) {
            return HeartbeatResponse::error(code, "could not store the group");
        }
        HeartbeatResponse {
            error: ErrorCode::NONE,
            error_message: None,
            member_id: Some(request.member_id.clone()),
            member_epoch: request.member_epoch,
            heartbeat_interval_ms: 0,
            assignment: None,
        }
    }

    /// Removes a member and recomputes the target without it; returns the records.
    fn remove_member(&mut self, member_id: &str, ctx: &Ctx<'_>) -> Vec<CoordinatorRecord> {
        let mut records: Vec<CoordinatorRecord> = self.member_tombstones(member_id).into();
        self.members.remove(member_id);
        self.target.remove(member_id);
        self.group_epoch += 1;
        records.push(self.epoch_record());
        records.extend(self.update_target(ctx.config.default_assignor()));
        if self.members.is_empty() {
            self.state_since_ms = ctx.now_ms;
        }
        records
    }

    /// Members whose session lapsed, or who kept partitions past their rebalance
    /// timeout, are removed (and the group reassigns their partitions).
    pub fn tick(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now_ms;
        let session = i64::from(ctx.config.consumer_session_timeout_ms);
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| {
                let session_over = m.last_heartbeat_ms + session <= now;
                let revocation_over = m.revoking_since_ms.is_some_and(|since| {
                    since + i64::from(m.subscription.rebalance_timeout_ms.max(0)) <= now
                });
                session_over || revocation_over
            })
            .map(|m| m.member_id.clone())
            .collect();
        let mut records = Vec::new();
        for member_id in expired {
            tracing::info!(group = %self.id, member = %member_id, "consumer group member expired");
            records.extend(self.remove_member(&member_id, ctx));
        }
        if let Err(code) = ctx.write(&records) {
            tracing::warn!(group = %self.id, ?code, "could not store expired members");
        }
    }

    pub fn next_deadline_ms(&self, session_timeout_ms: i32) -> Option<i64> {
        self.members
            .values()
            .flat_map(|m| {
                let session = m.last_heartbeat_ms + i64::from(session_timeout_ms);
                let revoke = m
                    .revoking_since_ms
                    .map(|s| s + i64::from(m.subscription.rebalance_timeout_ms.max(0)));
                std::iter::once(session).chain(revoke)
            })
            .min()
    }
}

fn same_partitions(a: &Assignment, b: &Assignment) -> bool {
    is_subset(a, b) && is_subset(b, a)
}
