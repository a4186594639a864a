//! AddPartitionsToTxn: partitions join a producer's open transaction. v0-3 is the
//! client's form (one transaction); v4+ batches transactions and has KIP-890's
//! verify-only form.

use std::sync::Arc;

use fjord_protocol::messages::add_partitions_to_txn::{
    AddPartitionsToTxnPartitionResult, AddPartitionsToTxnRequest, AddPartitionsToTxnResponse,
    AddPartitionsToTxnResult, AddPartitionsToTxnTopic, AddPartitionsToTxnTopicResult,
    FIRST_BATCHED_VERSION,
};
use fjord_protocol::{ApiKey, ErrorCode};

use crate::response::{later, ResponseFuture};
use crate::Broker;

/// One transaction's part of a request, resolved before the coordinator runs.
struct Transaction {
    id: String,
    producer_id: i64,
    producer_epoch: i16,
    verify_only: bool,
    topics: Vec<AddPartitionsToTxnTopic>,
}

pub fn handle(
    broker: &Arc<Broker>,
    request: AddPartitionsToTxnRequest,
    version: i16,
    correlation_id: i32,
) -> ResponseFuture {
    let batched = version >= FIRST_BATCHED_VERSION;
    let transactions: Vec<Transaction> = if batched {
        request
            .transactions
            .into_iter()
            .map(|t| Transaction {
                id: t.transactional_id,
                producer_id: t.producer_id,
                producer_epoch: t.producer_epoch,
                verify_only: t.verify_only,
                topics: t.topics,
            })
            .collect()
    } else {
        vec![Transaction {
            id: request.v3_and_below_transactional_id,
            producer_id: request.v3_and_below_producer_id,
            producer_epoch: request.v3_and_below_producer_epoch,
            verify_only: false,
            topics: request.v3_and_below_topics,
        }]
    };
    let broker = Arc::clone(broker);
    later(
        ApiKey::AddPartitionsToTxn,
        version,
        correlation_id,
        async move {
            let mut results = Vec::with_capacity(transactions.len());
            for txn in transactions {
                let broker = Arc::clone(&broker);
                let result = tokio::task::spawn_blocking(move || add(&broker, txn, version))
                    .await
                    .unwrap_or_default();
                results.push(result);
            }
            if batched {
                AddPartitionsToTxnResponse {
                    results_by_transaction: results,
                    ..Default::default()
                }
            } else {
                AddPartitionsToTxnResponse {
                    results_by_topic_v3_and_below: results
                        .into_iter()
                        .next()
                        .map(|r| r.topic_results)
                        .unwrap_or_default(),
                    ..Default::default()
                }
            }
        },
    )
}

/// Adds (or verifies) one transaction's partitions: unknown ones fail alone and keep
/// the rest from being added (OPERATION_NOT_ATTEMPTED), as Kafka answers.
fn add(broker: &Broker, txn: Transaction, version: i16) -> AddPartitionsToTxnResult {
    let image = broker.metadata.image();
    let exists = |topic: &str, p: i32| {
        image
            .topic(topic)
            .is_some_and(|t| p >= 0 && (p as usize) < t.partitions.len())
    };
    let partitions: Vec<(String, i32)> = txn
        .topics
        .iter()
        .flat_map(|t| t.partitions.iter().map(move |p| (t.name.clone(), *p)))
        .collect();
    let any_unknown = partitions.iter().any(|(t, p)| !exists(t, *p));
    let errors: Vec<ErrorCode> = if any_unknown {
        partitions
            .iter()
            .map(|(t, p)| {
                if exists(t, *p) {
                    ErrorCode::OPERATION_NOT_ATTEMPTED
                } else {
                    ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
                }
            })
            .collect()
    } else if txn.verify_only {
        broker
            .txns
            .verify_partitions(&txn.id, txn.producer_id, txn.producer_epoch, &partitions)
            .unwrap_or_else(|code| vec![code; partitions.len()])
    } else {
        let outcome =
            broker
                .txns
                .add_partitions(&txn.id, txn.producer_id, txn.producer_epoch, &partitions);
        let code = match outcome {
            Ok(()) => ErrorCode::NONE,
            // Clients before v3 know INVALID_PRODUCER_EPOCH, not PRODUCER_FENCED.
            Err(ErrorCode::PRODUCER_FENCED) if version < 3 => ErrorCode::INVALID_PRODUCER_EPOCH,
            Err(code) => code,
        };
        vec![code; partitions.len()]
    };
    let mut errors = errors.into_iter();
    AddPartitionsToTxnResult {
        transactional_id: txn.id,
        topic_results: txn
            .topics
            .into_iter()
            .map(|t| AddPartitionsToTxnTopicResult {
                name: t.name,
                results_by_partition: t
                    .partitions
                    .into_iter()
                    .map(|p| AddPartitionsToTxnPartitionResult {
                        partition_index: p,
                        partition_error_code: errors.next().unwrap_or(ErrorCode::NONE),
                    })
                    .collect(),
            })
            .collect(),
    }
}
