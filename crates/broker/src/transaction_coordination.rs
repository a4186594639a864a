//! Where the broker meets the transaction coordinator: its settings, the
//! `__transaction_state` topic (created on first use, as Kafka does), the partitions
//! of it this node leads, and the two things the coordinator needs of the broker —
//! producer ids, and writing transaction markers into partitions.

use std::sync::{Arc, Weak};

use fjord_config::ServerConfig;
use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::{CompressionType, ErrorCode};
use fjord_storage::{AppendOrigin, TopicPartition};
use fjord_transaction_coordinator::{MarkerWriter, ProducerIdSource, TransactionConfig};

use crate::group_coordination::OFFSETS_TOPIC;
use crate::metadata::{MetadataError, Placement, TopicMetadata};
use crate::Broker;

pub const TRANSACTION_STATE_TOPIC: &str = "__transaction_state";

/// Control record types (Kafka's ControlRecordType).
const ABORT: i16 = 0;
const COMMIT: i16 = 1;

pub fn transaction_config(config: &ServerConfig) -> TransactionConfig {
    TransactionConfig {
        num_partitions: config.transaction_state_log_num_partitions,
        max_timeout_ms: config.transaction_max_timeout_ms,
    }
}

/// Hands the coordinator the broker's producer ids and marker writing. A weak
/// reference: the broker owns the coordinator.
pub fn connect(broker: &Arc<Broker>) {
    let link = Arc::new(BrokerLink(Arc::downgrade(broker)));
    broker.txns.connect(link.clone(), link);
}

struct BrokerLink(Weak<Broker>);

impl BrokerLink {
    fn broker(&self) -> Result<Arc<Broker>, ErrorCode> {
        self.0.upgrade().ok_or(ErrorCode::COORDINATOR_NOT_AVAILABLE)
    }
}

impl ProducerIdSource for BrokerLink {
    fn allocate_producer_id(&self) -> Result<i64, ErrorCode> {
        self.broker()?
            .metadata
            .allocate_producer_id()
            .map_err(|err| err.code)
    }
}

impl MarkerWriter for BrokerLink {
    fn write_marker(
        &self,
        topic: &str,
        partition: i32,
        producer_id: i64,
        producer_epoch: i16,
        coordinator_epoch: i32,
        commit: bool,
    ) -> Result<(), ErrorCode> {
        let broker = self.broker()?;
        let (log, leader_epoch) = broker.leader_log(topic, partition)?;
        let mut batch = marker_batch(producer_id, producer_epoch, coordinator_epoch, commit)?;
        let info = log
            .append_as_leader(&mut batch, leader_epoch, AppendOrigin::Coordinator)
            .map_err(|err| {
                tracing::warn!(topic, partition, %err, "transaction marker refused");
                crate::error::storage_error_code(&err)
            })?;
        log.flush_to(info.last_offset + 1).map_err(|err| {
            tracing::error!(topic, partition, %err, "fsync of a transaction marker failed");
            ErrorCode::KAFKA_STORAGE_ERROR
        })?;
        if topic == OFFSETS_TOPIC {
            broker
                .groups
                .complete_transaction(partition, producer_id, commit);
        }
        broker.appended.notify_waiters();
        Ok(())
    }
}

/// A control batch with one end-transaction marker: key (version 0, type), value
/// (version 0, coordinator epoch), as Kafka's EndTransactionMarker.
fn marker_batch(
    producer_id: i64,
    producer_epoch: i16,
    coordinator_epoch: i32,
    commit: bool,
) -> Result<Vec<u8>, ErrorCode> {
    let kind = if commit { COMMIT } else { ABORT };
    let mut key = Vec::with_capacity(4);
    key.extend_from_slice(&0i16.to_be_bytes());
    key.extend_from_slice(&kind.to_be_bytes());
    let mut value = Vec::with_capacity(6);
    value.extend_from_slice(&0i16.to_be_bytes());
    value.extend_from_slice(&coordinator_epoch.to_be_bytes());
    let now = fjord_transaction_coordinator::coordinator::now_ms();
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, now)
        .with_producer(producer_id, producer_epoch, -1)
        .with_transactional(true)
        .with_control(true);
    builder.append(0, now, Some(&key), Some(&value), &[]);
    builder.build().map_err(|_| ErrorCode::UNKNOWN_SERVER_ERROR)
}

impl Broker {
    /// `__transaction_state`, created with Kafka's settings for it if missing.
    pub fn ensure_transaction_topic(&self) -> Result<(), MetadataError> {
        if self
            .metadata
            .image()
            .topic(TRANSACTION_STATE_TOPIC)
            .is_some()
        {
            return Ok(());
        }
        let brokers = self.metadata.image().broker_ids().len().max(1);
        let replication = i32::from(self.config.transaction_state_log_replication_factor)
            .min(brokers as i32) as i16;
        let configs = vec![
            ("cleanup.policy".to_owned(), "compact".to_owned()),
            ("compression.type".to_owned(), "uncompressed".to_owned()),
            (
                "min.insync.replicas".to_owned(),
                self.config.transaction_state_log_min_isr.to_string(),
            ),
        ];
        let placement = Placement::Spread {
            count: self.config.transaction_state_log_num_partitions,
            replication_factor: replication,
        };
        match self.create_topic_placed(TRANSACTION_STATE_TOPIC, placement, configs, false) {
            Ok(_) => Ok(()),
            Err(err) if err.code == ErrorCode::TOPIC_ALREADY_EXISTS => Ok(()),
            Err(err) => Err(err),
        }
    }

    pub(crate) fn load_transaction_partitions(&self, topic: &TopicMetadata) {
        for partition in &topic.partitions {
            if partition.leader != self.config.node_id || self.txns.is_leading(partition.index) {
                continue;
            }
            let tp = TopicPartition::new(TRANSACTION_STATE_TOPIC, partition.index);
            if let Some(log) = self.logs.get_log(&tp) {
                self.txns.load(partition.index, log, partition.leader_epoch);
            }
        }
    }
}

/// Every `transaction.abort.timed.out.transaction.cleanup.interval.ms` (and soon after
/// start, to finish transactions a restart interrupted): the coordinator's tick, off
/// the async threads. Stops when the broker is dropped.
pub async fn run_clock(broker: Arc<Broker>) {
    let period = u64::try_from(
        broker
            .config
            .transaction_abort_timed_out_transaction_cleanup_interval_ms,
    )
    .unwrap_or(10_000)
    .max(1);
    let txns = Arc::clone(&broker.txns);
    let weak = Arc::downgrade(&broker);
    drop(broker);
    let mut interval = tokio::time::interval(std::time::Duration::from_millis(period));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        if weak.strong_count() == 0 {
            return;
        }
        let txns = Arc::clone(&txns);
        let _ = tokio::task::spawn_blocking(move || txns.tick()).await;
    }
}
