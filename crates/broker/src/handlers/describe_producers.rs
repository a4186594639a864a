//! DescribeProducers: the producers a partition knows (epoch, last sequence, open
//! transaction), as `kafka-transactions --describe-producers` shows them.

use fjord_protocol::messages::describe_producers::{
    DescribeProducersRequest, DescribeProducersResponse, PartitionResponse, ProducerState,
    TopicResponse,
};
use fjord_protocol::ErrorCode;

use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &DescribeProducersRequest,
    _version: i16,
) -> DescribeProducersResponse {
    let topics = request
        .topics
        .iter()
        .map(|topic| TopicResponse {
            name: topic.name.clone(),
            partitions: topic
                .partition_indexes
                .iter()
                .map(|p| partition(broker, &topic.name, *p))
                .collect(),
        })
        .collect();
    DescribeProducersResponse {
        topics,
        ..Default::default()
    }
}

fn partition(broker: &Broker, topic: &str, partition_index: i32) -> PartitionResponse {
    let log = match broker.leader_log(topic, partition_index) {
        Ok((log, _)) => log,
        Err(error_code) => {
            return PartitionResponse {
                partition_index,
                error_code,
                error_message: Some(error_code.name().to_owned()),
                active_producers: Vec::new(),
            }
        }
    };
    PartitionResponse {
        partition_index,
        error_code: ErrorCode::NONE,
        error_message: None,
        active_producers: log
            .active_producers()
            .into_iter()
            .map(|p| ProducerState {
                producer_id: p.producer_id,
                producer_epoch: i32::from(p.epoch),
                last_sequence: p.last_sequence,
                last_timestamp: p.timestamp,
                coordinator_epoch: p.coordinator_epoch,
                current_txn_start_offset: p.current_txn_first_offset,
            })
            .collect(),
    }
}
