//! ListGroups: the groups this node coordinates, filtered by state (v4+) and type (v5+).

use fjord_protocol::messages::list_groups::{ListGroupsRequest, ListGroupsResponse, ListedGroup};
use fjord_protocol::ErrorCode;

use crate::Broker;

pub fn handle(broker: &Broker, request: &ListGroupsRequest, _version: i16) -> ListGroupsResponse {
    let matches = |filter: &[String], value: &str| {
        filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(value))
    };
    let groups = broker
        .groups
        .list_groups()
        .into_iter()
        .filter(|g| matches(&request.states_filter, g.state))
        .filter(|g| matches(&request.types_filter, g.group_type))
        .map(|g| ListedGroup {
            group_id: g.group_id,
            protocol_type: g.protocol_type,
            group_state: g.state.to_owned(),
            group_type: g.group_type.to_owned(),
        })
        .collect();
    ListGroupsResponse {
        error_code: if broker.groups.loading() {
            ErrorCode::COORDINATOR_LOAD_IN_PROGRESS
        } else {
            ErrorCode::NONE
        },
        groups,
        ..Default::default()
    }
}
