//! DescribeCluster: the brokers (or controllers), the cluster id and the controller.

use fjord_protocol::messages::describe_cluster::{
    DescribeClusterBroker, DescribeClusterRequest, DescribeClusterResponse,
};
use fjord_protocol::ErrorCode;

use crate::{Broker, RequestContext};

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    request: &DescribeClusterRequest,
    _version: i16,
) -> DescribeClusterResponse {
    let image = broker.metadata.image();
    DescribeClusterResponse {
        throttle_time_ms: 0,
        error_code: ErrorCode::NONE,
        error_message: None,
        endpoint_type: request.endpoint_type,
        cluster_id: image.cluster_id().to_owned(),
        controller_id: image.controller_id(),
        brokers: image
            .brokers_on(&ctx.listener)
            .into_iter()
            .map(|b| DescribeClusterBroker {
                broker_id: b.node_id,
                host: b.host.clone(),
                port: b.port,
                rack: b.rack.clone(),
            })
            .collect(),
        cluster_authorized_operations: i32::MIN,
    }
}
