//! ConsumerGroupDescribe (KIP-848): epochs, assignor and members (current and target
//! assignments) of consumer-protocol groups.

use fjord_group_coordinator::consumer::TopicsView;
use fjord_group_coordinator::records::consumer_group::Assignment;
use fjord_protocol::messages::consumer_group_describe::{
    AssignedTopicPartitions, ConsumerGroupDescribeRequest, ConsumerGroupDescribeResponse,
    DescribedGroup, DescribedMember, MemberAssignment, MEMBER_TYPE_CONSUMER,
};

use crate::group_coordination::ImageTopics;
use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &ConsumerGroupDescribeRequest,
    _version: i16,
) -> ConsumerGroupDescribeResponse {
    let topics = ImageTopics(broker.metadata.image());
    let authorized_operations =
        crate::group_coordination::authorized_operations(request.include_authorized_operations);
    let groups = request
        .group_ids
        .iter()
        .map(|group_id| match broker.groups.consumer_describe(group_id) {
            Ok(g) => DescribedGroup {
                error_code: g.error,
                error_message: g.error_message,
                group_id: g.group_id,
                group_state: g.state.to_owned(),
                group_epoch: g.group_epoch,
                assignment_epoch: g.assignment_epoch,
                assignor_name: g.assignor_name,
                members: g
                    .members
                    .into_iter()
                    .map(|m| DescribedMember {
                        member_id: m.member_id,
                        instance_id: m.instance_id,
                        rack_id: m.rack_id,
                        member_epoch: m.member_epoch,
                        client_id: m.client_id,
                        client_host: m.client_host,
                        subscribed_topic_names: m.subscribed_topic_names,
                        subscribed_topic_regex: m.subscribed_topic_regex,
                        assignment: named(&m.assignment, &topics),
                        target_assignment: named(&m.target_assignment, &topics),
                        member_type: MEMBER_TYPE_CONSUMER,
                    })
                    .collect(),
                authorized_operations,
            },
            Err(error_code) => DescribedGroup {
                error_code,
                group_id: group_id.clone(),
                authorized_operations,
                ..Default::default()
            },
        })
        .collect();
    ConsumerGroupDescribeResponse {
        groups,
        ..Default::default()
    }
}

fn named(assignment: &Assignment, topics: &ImageTopics) -> MemberAssignment {
    MemberAssignment {
        topic_partitions: assignment
            .iter()
            .map(|(id, partitions)| AssignedTopicPartitions {
                topic_id: *id,
                topic_name: topics.topic_name(id).unwrap_or_default(),
                partitions: partitions.iter().copied().collect(),
            })
            .collect(),
    }
}
