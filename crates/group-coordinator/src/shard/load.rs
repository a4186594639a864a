//! Loading a partition: replaying its records, oldest first, into groups and offsets.
//! The last record of a key wins and a tombstone removes it, so the outcome is the
//! same before and after compaction.

use fjord_protocol::records::BatchRecords;
use fjord_protocol::RecordBatch;
use fjord_storage::Log;

use super::{Group, ShardState};
use crate::classic::ClassicGroup;
use crate::consumer::ConsumerGroup;
use crate::records::consumer_group::{
    decode_assignment, decode_epoch, CurrentAssignmentValue, MemberSubscription,
};
use crate::records::{GroupMetadataValue, OffsetCommitValue, RecordKey};

impl ShardState {
    /// Reads the whole log. Undecodable records are skipped with a log line (one bad
    /// record must not cost every group of the partition).
    pub fn load(log: &Log, now_ms: i64) -> Result<Self, fjord_storage::StorageError> {
        let mut state = ShardState::default();
        log.for_each_batch(|batch| state.replay_batch(batch, now_ms))?;
        Ok(state)
    }

    fn replay_batch(&mut self, batch: &RecordBatch<'_>, now_ms: i64) {
        if batch.is_control() {
            if let Some(commit) = marker_is_commit(batch) {
                self.complete_transaction(batch.producer_id(), commit);
            }
            return;
        }
        let records = match BatchRecords::decode(batch) {
            Ok(records) => records,
            Err(err) => {
                tracing::warn!(%err, offset = batch.base_offset(), "skipping undecodable coordinator batch");
                return;
            }
        };
        for record in records.iter().flatten() {
            if batch.is_transactional() {
                self.replay_pending(batch.producer_id(), record.key, record.value);
            } else {
                self.replay(record.key, record.value, now_ms);
            }
        }
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
            RecordKey::ConsumerGroupMetadata { .. }
            | RecordKey::ConsumerGroupMember { .. }
            | RecordKey::TargetAssignmentMetadata { .. }
            | RecordKey::TargetAssignmentMember { .. }
            | RecordKey::CurrentMemberAssignment { .. } => self.replay_consumer(key, value, now_ms),
            RecordKey::Other(kind) => {
                tracing::debug!(kind, "skipping coordinator record of another kind");
            }
        }
    }
}

impl ShardState {
    /// Applies a KIP-848 record. A group's records arrive in the order they were
    /// written, its epoch record first.
    fn replay_consumer(&mut self, key: RecordKey, value: Option<&[u8]>, now_ms: i64) {
        let Some(group_id) = key.group().map(str::to_owned) else {
            return;
        };
        if let (RecordKey::ConsumerGroupMetadata { .. }, None) = (&key, value) {
            self.groups.remove(&group_id);
            return;
        }
        let group = match self.groups.get_mut(&group_id) {
            Some(Group::Consumer(group)) => group,
            _ => {
                let group = Group::Consumer(ConsumerGroup::new(&group_id, now_ms));
                self.groups.insert(group_id.clone(), group);
                match self.groups.get_mut(&group_id) {
                    Some(Group::Consumer(group)) => group,
                    _ => return,
                }
            }
        };
        let outcome = match key {
            RecordKey::ConsumerGroupMetadata { .. } => value
                .map(decode_epoch)
                .transpose()
                .map(|e| group.replay_epoch(e.unwrap_or(0))),
            RecordKey::TargetAssignmentMetadata { .. } => value
                .map(decode_epoch)
                .transpose()
                .map(|e| group.replay_assignment_epoch(e.unwrap_or(0))),
            RecordKey::ConsumerGroupMember { member, .. } => value
                .map(MemberSubscription::decode)
                .transpose()
                .map(|v| group.replay_member(&member, v, now_ms)),
            RecordKey::TargetAssignmentMember { member, .. } => value
                .map(decode_assignment)
                .transpose()
                .map(|v| group.replay_target(&member, v)),
            RecordKey::CurrentMemberAssignment { member, .. } => value
                .map(CurrentAssignmentValue::decode)
                .transpose()
                .map(|v| group.replay_current(&member, v)),
            _ => Ok(()),
        };
        if let Err(err) = outcome {
            tracing::warn!(group = %group_id, %err, "skipping unreadable consumer group record");
        }
    }
}

/// A control batch's marker: `Some(true)` for COMMIT, `Some(false)` for ABORT (its
/// record key: int16 version, int16 type).
fn marker_is_commit(batch: &RecordBatch<'_>) -> Option<bool> {
    let records = BatchRecords::decode(batch).ok()?;
    let record = records.iter().next()?.ok()?;
    let key = record.key?;
    match key.get(2..4)? {
        [0, 0] => Some(false),
        [0, 1] => Some(true),
        _ => None,
    }
}
