//! `TransactionCoordinator`: the transactional ids of the `__transaction_state`
//! partitions this node leads, and the requests that change them.
//!
//! Operations block (they append, fsync and write markers); the broker runs them off
//! its async threads.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use fjord_protocol::records::BatchRecords;
use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::{CompressionType, ErrorCode, RecordBatch};
use fjord_storage::{AppendOrigin, Log};
use parking_lot::{Mutex, RwLock};

use crate::metadata::{TransactionMetadata, TransactionState};
use crate::records::{decode_key, decode_value, encode_key, encode_value};

/// Writes a transaction marker (a control batch) to a partition and makes it durable.
pub trait MarkerWriter: Send + Sync {
    fn write_marker(
        &self,
        topic: &str,
        partition: i32,
        producer_id: i64,
        producer_epoch: i16,
        coordinator_epoch: i32,
        commit: bool,
    ) -> Result<(), ErrorCode>;
}

/// Hands out producer ids (the cluster's producer id blocks).
pub trait ProducerIdSource: Send + Sync {
    fn allocate_producer_id(&self) -> Result<i64, ErrorCode>;
}

#[derive(Debug, Clone)]
pub struct TransactionConfig {
    /// `transaction.state.log.num.partitions`.
    pub num_partitions: i32,
    /// `transaction.max.timeout.ms`.
    pub max_timeout_ms: i32,
}

impl Default for TransactionConfig {
    fn default() -> Self {
        Self {
            num_partitions: 50,
            max_timeout_ms: 900_000,
        }
    }
}

struct Shard {
    log: Arc<Log>,
    /// The partition's leader epoch: the coordinator epoch written in markers.
    epoch: i32,
    txns: Mutex<HashMap<String, TransactionMetadata>>,
}

pub struct TransactionCoordinator {
    config: TransactionConfig,
    shards: RwLock<HashMap<i32, Arc<Shard>>>,
    markers: OnceLock<Arc<dyn MarkerWriter>>,
    ids: OnceLock<Arc<dyn ProducerIdSource>>,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl TransactionCoordinator {
    pub fn new(config: TransactionConfig) -> Self {
        Self {
            config,
            shards: RwLock::new(HashMap::new()),
            markers: OnceLock::new(),
            ids: OnceLock::new(),
        }
    }

    /// Gives the coordinator what it needs of the broker (set once, at start).
    pub fn connect(&self, markers: Arc<dyn MarkerWriter>, ids: Arc<dyn ProducerIdSource>) {
        let _ = self.markers.set(markers);
        let _ = self.ids.set(ids);
    }

    pub fn partition_for(&self, transactional_id: &str) -> i32 {
        // Kafka's placement, as for groups.
        fjord_protocol::coordinator_partition::partition_for(
            transactional_id,
            self.config.num_partitions,
        )
    }

    pub fn is_leading(&self, partition: i32) -> bool {
        self.shards.read().contains_key(&partition)
    }

    /// This node leads `partition`: its transactional ids are read back from `log`.
    /// Transactions that were completing are finished by the next [`Self::tick`].
    pub fn load(&self, partition: i32, log: Arc<Log>, leader_epoch: i32) {
        let txns = match read_all(&log) {
            Ok(txns) => txns,
            Err(err) => {
                tracing::error!(partition, %err, "could not load __transaction_state partition");
                return;
            }
        };
        if !txns.is_empty() {
            tracing::info!(
                partition,
                transactional_ids = txns.len(),
                "loaded transaction state"
            );
        }
        let shard = Arc::new(Shard {
            log,
            epoch: leader_epoch,
            txns: Mutex::new(txns),
        });
        self.shards.write().insert(partition, shard);
    }

    fn shard_of(&self, transactional_id: &str) -> Result<Arc<Shard>, ErrorCode> {
        if transactional_id.is_empty() || transactional_id.len() > i16::MAX as usize {
            return Err(ErrorCode::INVALID_REQUEST);
        }
        self.shards
            .read()
            .get(&self.partition_for(transactional_id))
            .cloned()
            .ok_or(ErrorCode::NOT_COORDINATOR)
    }

    /// InitProducerId with a transactional id: a new epoch (fencing older producers),
    /// after aborting a transaction the previous incarnation left open.
    pub fn init_producer_id(
        &self,
        transactional_id: &str,
        timeout_ms: i32,
        expected: Option<(i64, i16)>,
    ) -> Result<(i64, i16), ErrorCode> {
        if timeout_ms <= 0 || timeout_ms > self.config.max_timeout_ms {
            return Err(ErrorCode::INVALID_TRANSACTION_TIMEOUT);
        }
        let shard = self.shard_of(transactional_id)?;
        // At most twice: once to abort what was open, once to bump.
        for _ in 0..2 {
            let now = now_ms();
            let mut txns = shard.txns.lock();
            let Some(current) = txns.get(transactional_id).cloned() else {
                let producer_id = self.allocate()?;
                let m = TransactionMetadata::new(transactional_id, producer_id, 0, timeout_ms, now);
                let end = append(&shard, &m, now)?;
                txns.insert(transactional_id.to_owned(), m);
                drop(txns);
                flush(&shard, end)?;
                return Ok((producer_id, 0));
            };
            if current.state.is_preparing() {
                return Err(ErrorCode::CONCURRENT_TRANSACTIONS);
            }
            if let Some((pid, epoch)) = expected.filter(|(pid, _)| *pid >= 0) {
                let retry_of_last_bump =
                    pid == current.producer_id && epoch == current.producer_epoch;
                let previous = pid == current.previous_producer_id;
                if !retry_of_last_bump && !previous {
                    return Err(ErrorCode::PRODUCER_FENCED);
                }
            }
            if current.state == TransactionState::Ongoing {
                drop(txns);
                self.abort_fencing(&shard, transactional_id)?;
                continue;
            }
            let mut m = current;
            if m.producer_epoch >= i16::MAX - 1 {
                m.previous_producer_id = m.producer_id;
                m.producer_id = self.allocate()?;
                m.producer_epoch = 0;
            } else {
                m.producer_epoch += 1;
            }
            m.timeout_ms = timeout_ms;
            m.state = TransactionState::Empty;
            m.partitions.clear();
            m.last_update_ms = now;
            let end = append(&shard, &m, now)?;
            let ids = (m.producer_id, m.producer_epoch);
            txns.insert(transactional_id.to_owned(), m);
            drop(txns);
            flush(&shard, end)?;
            return Ok(ids);
        }
        Err(ErrorCode::CONCURRENT_TRANSACTIONS)
    }

    fn allocate(&self) -> Result<i64, ErrorCode> {
        self.ids
            .get()
            .ok_or(ErrorCode::COORDINATOR_NOT_AVAILABLE)?
            .allocate_producer_id()
    }

    /// AddPartitionsToTxn / AddOffsetsToTxn: the partitions join the open transaction
    /// (which starts now if none is open).
    pub fn add_partitions(
        &self,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        partitions: &[(String, i32)],
    ) -> Result<(), ErrorCode> {
        let shard = self.shard_of(transactional_id)?;
        let now = now_ms();
        let mut txns = shard.txns.lock();
        let current = checked(&txns, transactional_id, producer_id, producer_epoch)?;
        if current.state.is_preparing() {
            return Err(ErrorCode::CONCURRENT_TRANSACTIONS);
        }
        let ongoing = current.state == TransactionState::Ongoing;
        if ongoing && partitions.iter().all(|p| current.partitions.contains(p)) {
            return Ok(());
        }
        let mut m = current.clone();
        if !ongoing {
            m.partitions.clear();
            m.start_ms = now;
        }
        m.state = TransactionState::Ongoing;
        m.partitions.extend(partitions.iter().cloned());
        m.last_update_ms = now;
        let end = append(&shard, &m, now)?;
        txns.insert(transactional_id.to_owned(), m);
        drop(txns);
        flush(&shard, end)
    }

    /// KIP-890's verify-only AddPartitionsToTxn: is each partition in the open
    /// transaction?
    pub fn verify_partitions(
        &self,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        partitions: &[(String, i32)],
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        let shard = self.shard_of(transactional_id)?;
        let txns = shard.txns.lock();
        let m = checked(&txns, transactional_id, producer_id, producer_epoch)?;
        Ok(partitions
            .iter()
            .map(|p| {
                if m.state == TransactionState::Ongoing && m.partitions.contains(p) {
                    ErrorCode::NONE
                } else {
                    ErrorCode::INVALID_TXN_STATE
                }
            })
            .collect())
    }

    /// EndTxn: commits or aborts the open transaction — the decision is stored, the
    /// markers written to every partition, then the completion stored. With
    /// `bump_epoch` (EndTxn v5, KIP-890's transaction version 2) the transaction ends
    /// at the next epoch, which the answer carries and the producer uses from then on.
    pub fn end_txn(
        &self,
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        commit: bool,
        bump_epoch: bool,
    ) -> Result<(i64, i16), ErrorCode> {
        let shard = self.shard_of(transactional_id)?;
        let now = now_ms();
        let mut txns = shard.txns.lock();
        if bump_epoch {
            // A retry of an EndTxn that completed and bumped: answer it the same way.
            if let Some(m) = txns.get(transactional_id) {
                let completed = matches!(
                    (m.state, commit),
                    (TransactionState::CompleteCommit, true)
                        | (TransactionState::CompleteAbort, false)
                );
                if completed
                    && m.producer_id == producer_id
                    && m.producer_epoch == producer_epoch.saturating_add(1)
                {
                    return Ok((m.producer_id, m.producer_epoch));
                }
            }
        }
        let current = checked(&txns, transactional_id, producer_id, producer_epoch)?;
        let unchanged = (current.producer_id, current.producer_epoch);
        match (current.state, commit) {
            (TransactionState::Ongoing, _) => {}
            // A retried EndTxn whose first attempt completed.
            (TransactionState::CompleteCommit, true) | (TransactionState::CompleteAbort, false) => {
                return Ok(unchanged)
            }
            (state, _) if state.is_preparing() => return Err(ErrorCode::CONCURRENT_TRANSACTIONS),
            _ => return Err(ErrorCode::INVALID_TXN_STATE),
        }
        let mut m = current.clone();
        m.state = if commit {
            TransactionState::PrepareCommit
        } else {
            TransactionState::PrepareAbort
        };
        if bump_epoch {
            m.client_transaction_version = 2;
            m.producer_epoch = m.producer_epoch.saturating_add(1);
        }
        let ids = (m.producer_id, m.producer_epoch);
        m.last_update_ms = now;
        let end = append(&shard, &m, now)?;
        txns.insert(transactional_id.to_owned(), m);
        drop(txns);
        flush(&shard, end)?;
        self.complete(&shard, transactional_id)?;
        Ok(ids)
    }

    /// Writes the markers of a prepared transaction and stores its completion.
    fn complete(&self, shard: &Shard, transactional_id: &str) -> Result<(), ErrorCode> {
        let Some(m) = shard.txns.lock().get(transactional_id).cloned() else {
            return Ok(());
        };
        let commit = match m.state {
            TransactionState::PrepareCommit => true,
            TransactionState::PrepareAbort => false,
            _ => return Ok(()),
        };
        let markers = self
            .markers
            .get()
            .ok_or(ErrorCode::COORDINATOR_NOT_AVAILABLE)?;
        for (topic, partition) in &m.partitions {
            markers.write_marker(
                topic,
                *partition,
                m.producer_id,
                m.producer_epoch,
                shard.epoch,
                commit,
            )?;
        }
        let now = now_ms();
        let mut txns = shard.txns.lock();
        let mut done = m;
        done.state = if commit {
            TransactionState::CompleteCommit
        } else {
            TransactionState::CompleteAbort
        };
        done.partitions.clear();
        done.last_update_ms = now;
        let end = append(shard, &done, now)?;
        txns.insert(transactional_id.to_owned(), done);
        drop(txns);
        flush(shard, end)
    }

    /// Aborts the open transaction of `transactional_id` with a bumped epoch, so the
    /// producer that opened it is fenced (a timeout, or a new incarnation).
    fn abort_fencing(&self, shard: &Shard, transactional_id: &str) -> Result<(), ErrorCode> {
        let now = now_ms();
        let mut txns = shard.txns.lock();
        let Some(current) = txns.get(transactional_id).cloned() else {
            return Ok(());
        };
        if current.state != TransactionState::Ongoing {
            return Ok(());
        }
        let mut m = current;
        m.producer_epoch = m.producer_epoch.saturating_add(1);
        m.state = TransactionState::PrepareAbort;
        m.last_update_ms = now;
        let end = append(shard, &m, now)?;
        txns.insert(transactional_id.to_owned(), m);
        drop(txns);
        flush(shard, end)?;
        self.complete(shard, transactional_id)
    }

    /// The clock: aborts transactions open past their timeout and finishes those whose
    /// markers are not all written (after a restart, or a failed marker).
    pub fn tick(&self) {
        let now = now_ms();
        let shards: Vec<Arc<Shard>> = self.shards.read().values().cloned().collect();
        for shard in shards {
            let (expired, unfinished): (Vec<String>, Vec<String>) = {
                let txns = shard.txns.lock();
                let expired = txns
                    .values()
                    .filter(|m| m.has_expired(now))
                    .map(|m| m.transactional_id.clone())
                    .collect();
                let unfinished = txns
                    .values()
                    .filter(|m| {
                        matches!(
                            m.state,
                            TransactionState::PrepareCommit | TransactionState::PrepareAbort
                        )
                    })
                    .map(|m| m.transactional_id.clone())
                    .collect();
                (expired, unfinished)
            };
            for id in expired {
                tracing::info!(transactional_id = %id, "aborting a transaction past its timeout");
                if let Err(code) = self.abort_fencing(&shard, &id) {
                    tracing::warn!(transactional_id = %id, ?code, "could not abort a timed-out transaction");
                }
            }
            for id in unfinished {
                if let Err(code) = self.complete(&shard, &id) {
                    tracing::warn!(transactional_id = %id, ?code, "could not complete a transaction");
                }
            }
        }
    }

    /// A transactional id's state (DescribeTransactions).
    pub fn describe(&self, transactional_id: &str) -> Result<TransactionMetadata, ErrorCode> {
        let shard = self.shard_of(transactional_id)?;
        let txns = shard.txns.lock();
        txns.get(transactional_id)
            .cloned()
            .ok_or(ErrorCode::TRANSACTIONAL_ID_NOT_FOUND)
    }

    /// Every transactional id this node coordinates (ListTransactions).
    pub fn list(&self) -> Vec<TransactionMetadata> {
        let shards: Vec<Arc<Shard>> = self.shards.read().values().cloned().collect();
        shards
            .iter()
            .flat_map(|s| s.txns.lock().values().cloned().collect::<Vec<_>>())
            .collect()
    }
}

/// The current state of `transactional_id` if `producer_id`/`producer_epoch` are its
/// own (Kafka's checks and errors).
fn checked<'a>(
    txns: &'a HashMap<String, TransactionMetadata>,
    transactional_id: &str,
    producer_id: i64,
    producer_epoch: i16,
) -> Result<&'a TransactionMetadata, ErrorCode> {
    let m = txns
        .get(transactional_id)
        .ok_or(ErrorCode::INVALID_PRODUCER_ID_MAPPING)?;
    if m.producer_id != producer_id {
        return Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING);
    }
    if m.producer_epoch != producer_epoch {
        return Err(ErrorCode::PRODUCER_FENCED);
    }
    Ok(m)
}

/// Appends `m`'s record to the shard's partition; returns the end to flush to.
fn append(shard: &Shard, m: &TransactionMetadata, now_ms: i64) -> Result<i64, ErrorCode> {
    let key = encode_key(&m.transactional_id);
    let value = encode_value(m);
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, now_ms);
    builder.append(0, now_ms, Some(&key), Some(&value), &[]);
    let mut batch = builder
        .build()
        .map_err(|_| ErrorCode::UNKNOWN_SERVER_ERROR)?;
    match shard
        .log
        .append_as_leader(&mut batch, shard.epoch, AppendOrigin::Coordinator)
    {
        Ok(info) => Ok(info.last_offset + 1),
        Err(err) => {
            tracing::warn!(%err, "transaction state write failed");
            Err(ErrorCode::COORDINATOR_NOT_AVAILABLE)
        }
    }
}

fn flush(shard: &Shard, end: i64) -> Result<(), ErrorCode> {
    shard.log.flush_to(end).map(drop).map_err(|err| {
        tracing::error!(%err, "transaction state fsync failed");
        ErrorCode::COORDINATOR_NOT_AVAILABLE
    })
}

/// Replays a `__transaction_state` partition: the last record of each id wins.
fn read_all(
    log: &Log,
) -> Result<HashMap<String, TransactionMetadata>, fjord_storage::StorageError> {
    let mut txns = HashMap::new();
    log.for_each_batch(|batch| replay_batch(batch, &mut txns))?;
    Ok(txns)
}

fn replay_batch(batch: &RecordBatch<'_>, txns: &mut HashMap<String, TransactionMetadata>) {
    if batch.is_control() {
        return;
    }
    let Ok(records) = BatchRecords::decode(batch) else {
        tracing::warn!(
            offset = batch.base_offset(),
            "skipping an undecodable transaction state batch"
        );
        return;
    };
    for record in records.iter().flatten() {
        let Some(Ok(Some(id))) = record.key.map(decode_key) else {
            continue;
        };
        match record.value.map(|v| decode_value(&id, v)) {
            None => {
                txns.remove(&id);
            }
            Some(Ok(m)) => {
                txns.insert(id, m);
            }
            Some(Err(err)) => {
                tracing::warn!(transactional_id = %id, %err, "skipping an unreadable transaction state")
            }
        }
    }
}

#[cfg(test)]
mod tests;
