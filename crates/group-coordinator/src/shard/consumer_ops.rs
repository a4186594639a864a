//! KIP-848 requests routed to a shard: ConsumerGroupHeartbeat and ConsumerGroupDescribe.

use fjord_protocol::ErrorCode;

use super::{Group, ShardState};
use crate::consumer::{HeartbeatRequest, HeartbeatResponse, TopicsView};
use crate::context::Ctx;
use crate::records::consumer_group::Assignment;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupDescription {
    pub error: ErrorCode,
    pub error_message: Option<String>,
    pub group_id: String,
    pub state: &'static str,
    pub group_epoch: i32,
    pub assignment_epoch: i32,
    pub assignor_name: String,
    pub members: Vec<ConsumerMemberDescription>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerMemberDescription {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub member_epoch: i32,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub subscribed_topic_regex: Option<String>,
    pub assignment: Assignment,
    pub target_assignment: Assignment,
}

impl ShardState {
    pub fn consumer_heartbeat(
        &mut self,
        request: HeartbeatRequest,
        topics: &dyn TopicsView,
        ctx: &mut Ctx<'_>,
    ) -> HeartbeatResponse {
        if let Err(message) = validate(&request) {
            return HeartbeatResponse::error(ErrorCode::INVALID_REQUEST, message);
        }
        let joining = request.member_epoch == 0;
        let group = if joining {
            self.consumer_or_create(&request.group_id, ctx.now_ms)
        } else {
            self.consumer(&request.group_id)
                .ok_or(ErrorCode::UNKNOWN_MEMBER_ID)
        };
        match group {
            Ok(group) => group.heartbeat(request, topics, ctx),
            Err(ErrorCode::GROUP_ID_NOT_FOUND) => HeartbeatResponse::error(
                ErrorCode::GROUP_ID_NOT_FOUND,
                format!("Group {} is not a consumer group.", request.group_id),
            ),
            Err(code) => HeartbeatResponse::error(
                code,
                format!(
                    "Member {} is not a member of group {}.",
                    request.member_id, request.group_id
                ),
            ),
        }
    }

    pub fn consumer_describe(
        &self,
        group_id: &str,
        default_assignor: &str,
    ) -> ConsumerGroupDescription {
        let Some(Group::Consumer(group)) = self.groups.get(group_id) else {
            return ConsumerGroupDescription {
                error: ErrorCode::GROUP_ID_NOT_FOUND,
                error_message: Some(format!("Group {group_id} not found.")),
                group_id: group_id.to_owned(),
                state: "Dead",
                group_epoch: -1,
                assignment_epoch: -1,
                assignor_name: String::new(),
                members: Vec::new(),
            };
        };
        ConsumerGroupDescription {
            error: ErrorCode::NONE,
            error_message: None,
            group_id: group_id.to_owned(),
            state: group.state_name(),
            group_epoch: group.group_epoch,
            assignment_epoch: group.assignment_epoch,
            assignor_name: group.assignor_name(default_assignor),
            members: group
                .members
                .values()
                .map(|m| ConsumerMemberDescription {
                    member_id: m.member_id.clone(),
                    instance_id: m.subscription.instance_id.clone(),
                    rack_id: m.subscription.rack_id.clone(),
                    member_epoch: m.member_epoch,
                    client_id: m.subscription.client_id.clone(),
                    client_host: m.subscription.client_host.clone(),
                    subscribed_topic_names: m.subscription.subscribed_topic_names.clone(),
                    subscribed_topic_regex: m.subscription.subscribed_topic_regex.clone(),
                    assignment: m.assigned.clone(),
                    target_assignment: group.target.get(&m.member_id).cloned().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// The request checks Kafka makes before looking at the group.
fn validate(request: &HeartbeatRequest) -> Result<(), String> {
    if request.group_id.is_empty() {
        return Err("GroupId can't be empty.".into());
    }
    // Member ids are written in record keys, whose strings have int16 lengths.
    if !crate::records::fits([request.member_id.as_str()]) {
        return Err("MemberId is too long.".into());
    }
    if request.instance_id.as_deref() == Some("") {
        return Err("InstanceId can't be empty.".into());
    }
    match request.member_epoch {
        0 => {
            if request.rebalance_timeout_ms == -1 {
                return Err("RebalanceTimeoutMs must be provided in first request.".into());
            }
            if request.owned.as_ref().is_some_and(|o| !o.is_empty()) {
                return Err("TopicPartitions must be empty when (re-)joining.".into());
            }
            if request.subscribed_topic_names.is_none() && request.subscribed_topic_regex.is_none()
            {
                return Err(
                    "SubscribedTopicNames or SubscribedTopicRegex must be set in first request."
                        .into(),
                );
            }
            Ok(())
        }
        epoch if epoch > 0 || epoch == -1 || epoch == -2 => {
            if request.member_id.is_empty() {
                return Err("MemberId can't be empty.".into());
            }
            Ok(())
        }
        epoch => Err(format!("MemberEpoch {epoch} is invalid.")),
    }
}
