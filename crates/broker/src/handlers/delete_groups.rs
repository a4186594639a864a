//! DeleteGroups: removes empty groups and their offsets.

use std::sync::Arc;

use fjord_protocol::messages::delete_groups::{
    DeletableGroupResult, DeleteGroupsRequest, DeleteGroupsResponse,
};
use fjord_protocol::ApiKey;

use crate::response::{later, ResponseFuture};
use crate::Broker;

pub fn handle(
    broker: &Arc<Broker>,
    request: DeleteGroupsRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let groups = Arc::clone(&broker.groups);
    later(ApiKey::DeleteGroups, version, correlation_id, async move {
        let mut results = Vec::with_capacity(request.groups_names.len());
        for group_id in request.groups_names {
            let error_code = groups.delete_group(&group_id).await;
            results.push(DeletableGroupResult {
                group_id,
                error_code,
            });
        }
        DeleteGroupsResponse {
            results,
            ..Default::default()
        }
    })
}
