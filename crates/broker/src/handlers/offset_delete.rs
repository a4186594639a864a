//! OffsetDelete: removes a group's committed offsets for some partitions.

use std::sync::Arc;

use fjord_protocol::messages::offset_delete::{
    OffsetDeleteRequest, OffsetDeleteResponse, OffsetDeleteResponsePartition,
    OffsetDeleteResponseTopic,
};
use fjord_protocol::ApiKey;

use crate::response::{later, ResponseFuture};
use crate::Broker;

pub fn handle(
    broker: &Arc<Broker>,
    request: OffsetDeleteRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let partitions: Vec<(String, i32)> = request
        .topics
        .iter()
        .flat_map(|t| t.partition_indexes.iter().map(|p| (t.name.clone(), *p)))
        .collect();
    let groups = Arc::clone(&broker.groups);
    later(ApiKey::OffsetDelete, version, correlation_id, async move {
        let errors = match groups.delete_offsets(&request.group_id, &partitions).await {
            Ok(errors) => errors,
            Err(error_code) => {
                return OffsetDeleteResponse {
                    error_code,
                    ..Default::default()
                }
            }
        };
        let mut errors = errors.into_iter();
        OffsetDeleteResponse {
            topics: request
                .topics
                .into_iter()
                .map(|t| OffsetDeleteResponseTopic {
                    name: t.name,
                    partitions: t
                        .partition_indexes
                        .into_iter()
                        .map(|p| OffsetDeleteResponsePartition {
                            partition_index: p,
                            error_code: errors.next().unwrap_or(fjord_protocol::ErrorCode::NONE),
                        })
                        .collect(),
                })
                .collect(),
            ..Default::default()
        }
    })
}
