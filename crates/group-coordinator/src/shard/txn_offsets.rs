//! TxnOffsetCommit: offsets a transactional producer commits as part of its
//! transaction (consume-transform-produce). They are written at once, in a
//! transactional batch, but only count once the transaction's COMMIT marker reaches
//! this partition; an ABORT drops them.

use fjord_protocol::ErrorCode;

use super::{CommitRequest, Group, ShardState};
use crate::context::Ctx;
use crate::records::{OffsetCommitValue, RecordKey};

/// An offset waiting for its transaction's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOffset {
    pub group: String,
    pub topic: String,
    pub partition: i32,
    pub value: OffsetCommitValue,
}

impl ShardState {
    /// Stores offsets for `producer`'s open transaction; one error per entry.
    pub fn txn_commit_offsets(
        &mut self,
        request: &CommitRequest,
        producer: (i64, i16),
        ctx: &mut Ctx<'_>,
    ) -> Vec<ErrorCode> {
        let all = |code| vec![code; request.entries.len()];
        // Kafka checks the member only when the producer names one (TxnOffsetCommit v3+).
        let names_member = request.generation_id >= 0 || !request.member_id.is_empty();
        let validated = match self.groups.get(&request.group_id) {
            Some(Group::Classic(group)) if names_member => group.validate_offset_commit(
                &request.member_id,
                request.group_instance_id.as_deref(),
                request.generation_id,
            ),
            Some(Group::Consumer(group)) if names_member => {
                group.validate_offset_commit(&request.member_id, request.generation_id)
            }
            Some(_) => Ok(()),
            None => self
                .classic_or_create(&request.group_id, ctx.now_ms)
                .map(drop),
        };
        if let Err(code) = validated {
            return all(code);
        }
        let (errors, records, values) = super::offset_ops::offset_values(request, ctx);
        let pending: Vec<PendingOffset> = values
            .into_iter()
            .map(|(entry, value)| PendingOffset {
                group: request.group_id.clone(),
                topic: entry.topic.clone(),
                partition: entry.partition,
                value,
            })
            .collect();
        if let Err(code) = ctx.write_transactional(&records, producer) {
            return all(code);
        }
        self.pending_txn_offsets
            .entry(producer.0)
            .or_default()
            .extend(pending);
        errors
    }

    /// A transaction marker of `producer_id` reached this partition.
    pub fn complete_transaction(&mut self, producer_id: i64, commit: bool) {
        let Some(pending) = self.pending_txn_offsets.remove(&producer_id) else {
            return;
        };
        if !commit {
            return;
        }
        for p in pending {
            self.offsets.put(&p.group, &p.topic, p.partition, p.value);
        }
    }

    /// Is an offset of this partition waiting for a transaction to end? (OffsetFetch
    /// with `require_stable` answers UNSTABLE_OFFSET_COMMIT then.)
    pub fn has_pending_offset(&self, group: &str, topic: &str, partition: i32) -> bool {
        self.pending_txn_offsets
            .values()
            .flatten()
            .any(|p| p.group == group && p.topic == topic && p.partition == partition)
    }

    /// Replays an offset record written inside a transaction.
    pub fn replay_pending(&mut self, producer_id: i64, key: Option<&[u8]>, value: Option<&[u8]>) {
        let (Some(key), Some(value)) = (key, value) else {
            return;
        };
        let (
            Ok(RecordKey::OffsetCommit {
                group,
                topic,
                partition,
            }),
            Ok(value),
        ) = (RecordKey::decode(key), OffsetCommitValue::decode(value))
        else {
            tracing::warn!(producer_id, "skipping an unreadable transactional offset");
            return;
        };
        self.pending_txn_offsets
            .entry(producer_id)
            .or_default()
            .push(PendingOffset {
                group,
                topic,
                partition,
                value,
            });
    }
}
