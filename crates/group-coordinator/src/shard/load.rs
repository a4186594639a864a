//! Loading a partition: replaying its records, oldest first, into groups and offsets.
//! The last record of a key wins and a tombstone removes it, so the outcome is the
//! same before and after compaction.

use fjord_protocol::record_batch::BatchIter;
use fjord_protocol::records::BatchRecords;
use fjord_storage::Log;

use super::{Group, ShardState};
use crate::classic::ClassicGroup;
use crate::records::{GroupMetadataValue, OffsetCommitValue, RecordKey};

/// How much of the log is read at a time while loading.
const READ_CHUNK: u64 = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Storage(#[from] fjord_storage::StorageError),
    #[error("reading {0}: {1}")]
    Io(String, std::io::Error),
}

impl ShardState {
    /// Reads the whole log. Undecodable records are skipped with a log line (one bad
    /// record must not cost every group of the partition).
    pub fn load(log: &Log, now_ms: i64) -> Result<Self, LoadError> {
        let mut state = ShardState::default();
        let mut offset = log.log_start_offset();
        let end = log.log_end_offset();
        while offset < end {
            let read = log.read(offset, READ_CHUNK, Some(end), true)?;
            let Some(slice) = read.records else { break };
            let bytes = slice
                .read_to_vec()
                .map_err(|e| LoadError::Io(log.topic_partition().to_string(), e))?;
            let mut next = offset;
            for batch in BatchIter::new(&bytes) {
                let Ok(batch) = batch else { break };
                next = batch.next_offset();
                if batch.is_control() {
                    continue;
                }
                let records = match BatchRecords::decode(&batch) {
                    Ok(records) => records,
                    Err(err) => {
                        tracing::warn!(%err, offset = batch.base_offset(), "skipping undecodable coordinator batch");
                        continue;
                    }
                };
                for record in records.iter().flatten() {
                    state.replay(record.key, record.value, now_ms);
                }
            }
            if next <= offset {
                break;
            }
            offset = next;
        }
        Ok(state)
    }

    /// Applies one record as it was written.
    pub fn replay(&mut self, key: Option<&[u8]>, value: Option<&[u8]>, now_ms: i64) {
        let Some(key) = key else { return };
        let key = match RecordKey::decode(key) {
            Ok(key) => key,
            Err(err) => {
                tracing::warn!(%err, "skipping coordinator record with an unreadable key");
                return;
            }
        };
        match key {
            RecordKey::OffsetCommit {
                group,
                topic,
                partition,
            } => match value.map(OffsetCommitValue::decode) {
                None => self.offsets.remove(&group, &topic, partition),
                Some(Ok(value)) => {
                    self.groups.entry(group.clone()).or_insert_with(|| {
                        Group::Classic(ClassicGroup::new(&group, value.commit_timestamp))
                    });
                    self.offsets.put(&group, &topic, partition, value);
                }
                Some(Err(err)) => tracing::warn!(%group, %err, "skipping unreadable offset"),
            },
            RecordKey::GroupMetadata { group } => match value.map(GroupMetadataValue::decode) {
                None => {
                    self.groups.remove(&group);
                }
                Some(Ok(value)) => {
                    let loaded = ClassicGroup::from_record(&group, value, now_ms);
                    self.groups.insert(group, Group::Classic(loaded));
                }
                Some(Err(err)) => tracing::warn!(%group, %err, "skipping unreadable group"),
            },
            RecordKey::Other(kind) => {
                tracing::debug!(kind, "skipping coordinator record of another kind");
            }
        }
    }
}
