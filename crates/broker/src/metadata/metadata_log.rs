//! `__cluster_metadata-0`: the log that metadata changes are written to before they
//! take effect, and replayed from at start.

use fjord_protocol::record_batch::BatchIter;
use fjord_protocol::records::{BatchRecords, RecordBatchBuilder};
use fjord_protocol::{CompressionType, ErrorCode, RecordBatch};
use fjord_storage::{AppendOrigin, Log, LogConfig, LogManager, TopicPartition};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

use super::{MetadataError, TopicMetadata};

pub const METADATA_TOPIC: &str = "__cluster_metadata";

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MetadataRecord {
    /// A topic's full state (created, grown, or reconfigured).
    Topic(TopicMetadata),
    RemoveTopic {
        name: String,
    },
    /// Producer ids below `block_end` have been handed out (Kafka's ProducerIdsRecord).
    ProducerIds {
        block_end: i64,
    },
}

impl MetadataRecord {
    fn key(&self) -> &str {
        match self {
            Self::Topic(topic) => &topic.name,
            Self::RemoveTopic { name } => name,
            Self::ProducerIds { .. } => "producer-ids",
        }
    }
}

pub struct MetadataLog {
    log: Arc<Log>,
}

fn storage_error(err: impl std::fmt::Display) -> MetadataError {
    MetadataError::new(
        ErrorCode::KAFKA_STORAGE_ERROR,
        format!("metadata log: {err}"),
    )
}

impl MetadataLog {
    pub fn open(log_manager: &LogManager) -> Result<Self, MetadataError> {
        // Metadata is never expired: it is the record of what exists.
        let config = LogConfig {
            retention_ms: -1,
            retention_bytes: -1,
            ..log_manager.config().default_log_config.clone()
        };
        let log = log_manager
            .get_or_create_log(
                &TopicPartition::new(METADATA_TOPIC, 0),
                None,
                Some(config.clone()),
            )
            .map_err(storage_error)?;
        log.update_config(config);
        Ok(Self { log })
    }

    /// Every record from the start of the log, in order.
    pub fn replay(&self) -> Result<Vec<MetadataRecord>, MetadataError> {
        let mut out = Vec::new();
        let mut offset = self.log.log_start_offset();
        loop {
            let read = self
                .log
                .read(offset, 1 << 20, None, true)
                .map_err(storage_error)?;
            let Some(slice) = read.records else { break };
            let bytes = slice.read_to_vec().map_err(storage_error)?;
            for batch in BatchIter::new(&bytes) {
                let batch = batch.map_err(storage_error)?;
                offset = batch.next_offset();
                self.decode_batch(&batch, &mut out)?;
            }
        }
        Ok(out)
    }

    fn decode_batch(
        &self,
        batch: &RecordBatch<'_>,
        out: &mut Vec<MetadataRecord>,
    ) -> Result<(), MetadataError> {
        for record in BatchRecords::decode(batch).map_err(storage_error)?.iter() {
            let record = record.map_err(storage_error)?;
            let Some(value) = record.value else { continue };
            match serde_json::from_slice(value) {
                Ok(parsed) => out.push(parsed),
                Err(err) => tracing::warn!(%err, "skipping unreadable metadata record"),
            }
        }
        Ok(())
    }

    /// Appends `record` and waits until it is durable.
    pub fn append(&mut self, record: &MetadataRecord) -> Result<(), MetadataError> {
        let value = serde_json::to_vec(record).map_err(storage_error)?;
        let now = fjord_storage::segment::now_ms();
        let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, now);
        builder.append(0, now, Some(record.key().as_bytes()), Some(&value), &[]);
        let mut batch = builder.build().map_err(storage_error)?;
        let info = self
            .log
            .append_as_leader(&mut batch, 0, AppendOrigin::Coordinator)
            .map_err(storage_error)?;
        self.log
            .flush_to(info.last_offset + 1)
            .map_err(storage_error)
    }
}
