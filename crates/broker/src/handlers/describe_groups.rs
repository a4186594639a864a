//! DescribeGroups: state, protocol and members (with metadata and assignment once
//! stable) of groups.

use fjord_protocol::messages::describe_groups::{
    DescribeGroupsRequest, DescribeGroupsResponse, DescribedGroup, DescribedGroupMember,
};

use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &DescribeGroupsRequest,
    _version: i16,
) -> DescribeGroupsResponse {
    let authorized_operations =
        crate::group_coordination::authorized_operations(request.include_authorized_operations);
    let groups = request
        .groups
        .iter()
        .map(|group_id| match broker.groups.describe_group(group_id) {
            Ok(g) => DescribedGroup {
                error_code: g.error,
                group_id: g.group_id,
                group_state: g.state.to_owned(),
                protocol_type: g.protocol_type,
                protocol_data: g.protocol_data,
                members: g
                    .members
                    .into_iter()
                    .map(|m| DescribedGroupMember {
                        member_id: m.member_id,
                        group_instance_id: m.group_instance_id,
                        client_id: m.client_id,
                        client_host: m.client_host,
                        member_metadata: m.metadata,
                        member_assignment: m.assignment,
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
    DescribeGroupsResponse {
        groups,
        ..Default::default()
    }
}
