//! Appending coordinator records to a `__consumer_offsets` partition.
//!
//! Records are appended while the shard's lock is held, so the log order is the order
//! the state changed in; the fsync that makes them durable happens after the lock is
//! released (see [`crate::shard`]), and nobody is answered before it.

use std::sync::Arc;

use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::{CompressionType, ErrorCode};
use fjord_storage::{AppendOrigin, Log, StorageError};

use crate::records::CoordinatorRecord;

pub struct Journal {
    log: Arc<Log>,
    leader_epoch: i32,
    /// The log end after this operation's last append, if it appended anything.
    end_offset: Option<i64>,
}

impl Journal {
    pub fn new(log: Arc<Log>, leader_epoch: i32) -> Self {
        Self {
            log,
            leader_epoch,
            end_offset: None,
        }
    }

    /// Appends `records` as one batch; the error is the one the client gets (Kafka's
    /// mapping of coordinator write failures).
    pub fn append(&mut self, records: &[CoordinatorRecord], now_ms: i64) -> Result<(), ErrorCode> {
        self.append_batch(records, now_ms, None)
    }

    /// Appends `records` as a transactional batch of `producer`: offsets a transaction
    /// commits (TxnOffsetCommit), settled by the marker that ends it.
    pub fn append_transactional(
        &mut self,
        records: &[CoordinatorRecord],
        now_ms: i64,
        producer: (i64, i16),
    ) -> Result<(), ErrorCode> {
        self.append_batch(records, now_ms, Some(producer))
    }

    fn append_batch(
        &mut self,
        records: &[CoordinatorRecord],
        now_ms: i64,
        producer: Option<(i64, i16)>,
    ) -> Result<(), ErrorCode> {
        if records.is_empty() {
            return Ok(());
        }
        let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, now_ms);
        if let Some((producer_id, epoch)) = producer {
            // No sequence: only clients' batches are sequence-checked.
            builder = builder
                .with_producer(producer_id, epoch, -1)
                .with_transactional(true);
        }
        let mut keys = Vec::with_capacity(records.len());
        for record in records {
            keys.push(record.key.encode());
        }
        for (delta, (record, key)) in (0..).zip(records.iter().zip(&keys)) {
            builder.append(delta, now_ms, Some(key), record.value.as_deref(), &[]);
        }
        let mut batch = builder.build().map_err(|err| {
            tracing::error!(%err, "could not build a coordinator batch");
            ErrorCode::UNKNOWN_SERVER_ERROR
        })?;
        match self
            .log
            .append_as_leader(&mut batch, self.leader_epoch, AppendOrigin::Coordinator)
        {
            Ok(info) => {
                self.end_offset = Some(info.last_offset + 1);
                Ok(())
            }
            Err(err) => {
                tracing::warn!(log = %self.log.topic_partition(), %err, "coordinator write failed");
                Err(match err {
                    StorageError::RecordTooLarge { .. } => ErrorCode::INVALID_COMMIT_OFFSET_SIZE,
                    StorageError::LogClosed(_) => ErrorCode::NOT_COORDINATOR,
                    _ => ErrorCode::COORDINATOR_NOT_AVAILABLE,
                })
            }
        }
    }

    /// Where the log must be flushed to before anyone is answered; `None` if nothing
    /// was written.
    pub fn take_end_offset(&mut self) -> Option<i64> {
        self.end_offset.take()
    }

    pub fn log(&self) -> &Arc<Log> {
        &self.log
    }
}
