//! DescribeTransactions: the state of transactional ids this node coordinates.

use fjord_protocol::messages::describe_transactions::{
    DescribeTransactionsRequest, DescribeTransactionsResponse, TopicData, TransactionState,
};

use crate::Broker;

pub fn handle(
    broker: &Broker,
    request: &DescribeTransactionsRequest,
    _version: i16,
) -> DescribeTransactionsResponse {
    let transaction_states = request
        .transactional_ids
        .iter()
        .map(|id| match broker.txns.describe(id) {
            Ok(m) => TransactionState {
                error_code: fjord_protocol::ErrorCode::NONE,
                transactional_id: id.clone(),
                transaction_state: m.state.name().to_owned(),
                transaction_timeout_ms: m.timeout_ms,
                transaction_start_time_ms: if m.partitions.is_empty() {
                    -1
                } else {
                    m.start_ms
                },
                producer_id: m.producer_id,
                producer_epoch: m.producer_epoch,
                topics: m
                    .partitions_by_topic()
                    .into_iter()
                    .map(|(topic, partitions)| TopicData { topic, partitions })
                    .collect(),
            },
            Err(error_code) => TransactionState {
                error_code,
                transactional_id: id.clone(),
                ..Default::default()
            },
        })
        .collect();
    DescribeTransactionsResponse {
        transaction_states,
        ..Default::default()
    }
}
