//! ListTransactions: transactional ids this node coordinates, by state, producer id
//! and (v1) how long their transaction has been open.

use fjord_protocol::messages::list_transactions::{
    ListTransactionsRequest, ListTransactionsResponse, TransactionState,
};

use crate::Broker;

const STATES: [&str; 8] = [
    "Empty",
    "Ongoing",
    "PrepareCommit",
    "PrepareAbort",
    "CompleteCommit",
    "CompleteAbort",
    "Dead",
    "PrepareEpochFence",
];

pub fn handle(
    broker: &Broker,
    request: &ListTransactionsRequest,
    _version: i16,
) -> ListTransactionsResponse {
    let now = fjord_transaction_coordinator::coordinator::now_ms();
    let unknown_state_filters = request
        .state_filters
        .iter()
        .filter(|s| !STATES.contains(&s.as_str()))
        .cloned()
        .collect();
    let transaction_states = broker
        .txns
        .list()
        .into_iter()
        .filter(|m| {
            request.state_filters.is_empty()
                || request.state_filters.iter().any(|s| s == m.state.name())
        })
        .filter(|m| {
            request.producer_id_filters.is_empty()
                || request.producer_id_filters.contains(&m.producer_id)
        })
        .filter(|m| {
            request.duration_filter < 0
                || (m.state == fjord_transaction_coordinator::TransactionState::Ongoing
                    && now - m.start_ms >= request.duration_filter)
        })
        .map(|m| TransactionState {
            transactional_id: m.transactional_id,
            producer_id: m.producer_id,
            transaction_state: m.state.name().to_owned(),
        })
        .collect();
    ListTransactionsResponse {
        unknown_state_filters,
        transaction_states,
        ..Default::default()
    }
}
