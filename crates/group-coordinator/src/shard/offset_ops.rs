//! Offsets: commit, fetch, delete, and expiry; and deleting whole groups.

use fjord_protocol::ErrorCode;

use super::{Group, ShardState};
use crate::context::Ctx;
use crate::records::{CoordinatorRecord, OffsetCommitValue};

#[derive(Debug, Clone)]
pub struct CommitRequest {
    pub group_id: String,
    /// -1 (with member id "") for a consumer that only stores offsets.
    pub generation_id: i32,
    pub member_id: String,
    pub group_instance_id: Option<String>,
    /// OffsetCommit v2-4 `retention_time_ms`; -1 for the broker's retention.
    pub retention_time_ms: i64,
    pub entries: Vec<CommitEntry>,
}

#[derive(Debug, Clone)]
pub struct CommitEntry {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedOffset {
    pub topic: String,
    pub partition: i32,
    /// -1 when nothing is committed.
    pub offset: i64,
    pub leader_epoch: i32,
    pub metadata: String,
    pub error: ErrorCode,
}

/// The offsets of `request` as records and values, with an error per entry (metadata
/// over `offset.metadata.max.bytes`): what OffsetCommit and TxnOffsetCommit write.
pub(super) fn offset_values<'r>(
    request: &'r CommitRequest,
    ctx: &Ctx<'_>,
) -> (
    Vec<ErrorCode>,
    Vec<CoordinatorRecord>,
    Vec<(&'r CommitEntry, OffsetCommitValue)>,
) {
    let limit = ctx
        .config
        .offset_metadata_max_bytes
        .min(crate::records::MAX_STRING_LEN);
    let mut errors = Vec::with_capacity(request.entries.len());
    let mut records = Vec::new();
    let mut values = Vec::new();
    for entry in &request.entries {
        let metadata = entry.metadata.clone().unwrap_or_default();
        if metadata.len() > limit {
            errors.push(ErrorCode::OFFSET_METADATA_TOO_LARGE);
            continue;
        }
        let value = OffsetCommitValue {
            offset: entry.offset,
            leader_epoch: entry.leader_epoch,
            metadata,
            commit_timestamp: ctx.now_ms,
            expire_timestamp: if request.retention_time_ms >= 0 {
                ctx.now_ms.saturating_add(request.retention_time_ms)
            } else {
                -1
            },
        };
        records.push(CoordinatorRecord::offset_commit(
            &request.group_id,
            &entry.topic,
            entry.partition,
            &value,
        ));
        values.push((entry, value));
        errors.push(ErrorCode::NONE);
    }
    (errors, records, values)
}

impl ShardState {
    /// Commits offsets; the answer is an error per entry (all the same when the
    /// group refused the commit).
    pub fn commit_offsets(&mut self, request: &CommitRequest, ctx: &mut Ctx<'_>) -> Vec<ErrorCode> {
        let all = |code| vec![code; request.entries.len()];
        let validated = match self.groups.get(&request.group_id) {
            Some(Group::Classic(group)) => group.validate_offset_commit(
                &request.member_id,
                request.group_instance_id.as_deref(),
                request.generation_id,
            ),
            Some(Group::Consumer(group)) => {
                group.validate_offset_commit(&request.member_id, request.generation_id)
            }
            None if request.generation_id < 0 => self
                .classic_or_create(&request.group_id, ctx.now_ms)
                .map(drop),
            None => Err(ErrorCode::ILLEGAL_GENERATION),
        };
        if let Err(code) = validated {
            return all(code);
        }
        let (errors, records, values) = offset_values(request, ctx);
        if let Err(code) = ctx.write(&records) {
            return all(code);
        }
        for (entry, value) in values {
            self.offsets
                .put(&request.group_id, &entry.topic, entry.partition, value);
        }
        errors
    }

    /// Committed offsets of `group_id`: of the given (topic, partitions), or all.
    pub fn fetch_offsets(
        &self,
        group_id: &str,
        topics: Option<&[(String, Vec<i32>)]>,
    ) -> Vec<FetchedOffset> {
        let fetched = |topic: &str, partition: i32| {
            let committed = self.offsets.get(group_id, topic, partition);
            FetchedOffset {
                topic: topic.to_owned(),
                partition,
                offset: committed.map_or(-1, |c| c.offset),
                leader_epoch: committed.map_or(-1, |c| c.leader_epoch),
                metadata: committed.map(|c| c.metadata.clone()).unwrap_or_default(),
                error: ErrorCode::NONE,
            }
        };
        match topics {
            Some(topics) => topics
                .iter()
                .flat_map(|(topic, partitions)| partitions.iter().map(move |p| fetched(topic, *p)))
                .collect(),
            None => self
                .offsets
                .group(group_id)
                .into_iter()
                .flat_map(|offsets| offsets.keys())
                .map(|(topic, partition)| fetched(topic, *partition))
                .collect(),
        }
    }

    /// OffsetDelete: the group-level error, and one per partition.
    pub fn delete_offsets(
        &mut self,
        group_id: &str,
        partitions: &[(String, i32)],
        ctx: &mut Ctx<'_>,
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        let Some(group) = self.groups.get(group_id) else {
            return Err(ErrorCode::GROUP_ID_NOT_FOUND);
        };
        let subscriptions_known = match group {
            Group::Classic(g) => g.protocol_type.as_deref() == Some("consumer"),
            Group::Consumer(_) => true,
        };
        let empty = group.is_empty();
        if !empty && !subscriptions_known {
            return Err(ErrorCode::NON_EMPTY_GROUP);
        }
        let errors: Vec<ErrorCode> = partitions
            .iter()
            .map(|(topic, _)| {
                if !empty && group.is_subscribed_to(topic) {
                    ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC
                } else {
                    ErrorCode::NONE
                }
            })
            .collect();
        let doomed: Vec<&(String, i32)> = partitions
            .iter()
            .zip(&errors)
            .filter(|(tp, e)| e.is_none() && self.offsets.get(group_id, &tp.0, tp.1).is_some())
            .map(|(tp, _)| tp)
            .collect();
        let records: Vec<CoordinatorRecord> = doomed
            .iter()
            .map(|(t, p)| CoordinatorRecord::offset_tombstone(group_id, t, *p))
            .collect();
        ctx.write(&records)?;
        for (topic, partition) in doomed {
            self.offsets.remove(group_id, topic, *partition);
        }
        Ok(errors)
    }

    /// DeleteGroups: only an empty group (or one that only stores offsets) goes.
    pub fn delete_group(&mut self, group_id: &str, ctx: &mut Ctx<'_>) -> ErrorCode {
        match self.groups.get(group_id) {
            None => return ErrorCode::GROUP_ID_NOT_FOUND,
            Some(group) if !group.is_empty() => return ErrorCode::NON_EMPTY_GROUP,
            Some(_) => {}
        }
        if let Err(code) = self.write_group_removal(group_id, ctx) {
            return code;
        }
        self.groups.remove(group_id);
        self.offsets.remove_group(group_id);
        ErrorCode::NONE
    }

    /// Tombstones for every offset of the group and for its metadata.
    fn write_group_removal(&self, group_id: &str, ctx: &mut Ctx<'_>) -> Result<(), ErrorCode> {
        let mut records: Vec<CoordinatorRecord> = self
            .offsets
            .group(group_id)
            .into_iter()
            .flat_map(|o| o.keys())
            .map(|(t, p)| CoordinatorRecord::offset_tombstone(group_id, t, *p))
            .collect();
        if let Some(group) = self.groups.get(group_id) {
            records.extend(group.removal_records(group_id));
        }
        ctx.write(&records)
    }

    /// A topic was deleted: its committed offsets go too, in every group (as Kafka
    /// does). Returns how many.
    pub fn remove_topic_offsets(&mut self, topic: &str, ctx: &mut Ctx<'_>) -> usize {
        let doomed: Vec<(String, i32)> = self
            .offsets
            .groups()
            .flat_map(|(group, offsets)| {
                offsets
                    .keys()
                    .filter(|(t, _)| t == topic)
                    .map(move |(_, p)| (group.clone(), *p))
            })
            .collect();
        let records: Vec<CoordinatorRecord> = doomed
            .iter()
            .map(|(g, p)| CoordinatorRecord::offset_tombstone(g, topic, *p))
            .collect();
        if ctx.write(&records).is_err() {
            return 0;
        }
        for (group, partition) in &doomed {
            self.offsets.remove(group, topic, *partition);
        }
        doomed.len()
    }

    /// OffsetFetch v9 names a member of a consumer-protocol group: it must be one, at
    /// its current (or previous) epoch.
    pub fn validate_fetching_member(
        &self,
        group_id: &str,
        member_id: &str,
        member_epoch: i32,
    ) -> Result<(), ErrorCode> {
        match self.groups.get(group_id) {
            Some(Group::Consumer(group)) => group.validate_offset_commit(member_id, member_epoch),
            _ => Ok(()),
        }
    }

    /// Removes expired offsets (`offsets.retention.minutes` after an empty group
    /// emptied, or after the commit for groups that only store offsets) and then
    /// groups left empty with no offsets. Returns how many offsets expired.
    pub fn expire_offsets(&mut self, ctx: &mut Ctx<'_>) -> usize {
        let retention = ctx.config.offsets_retention_ms;
        let now = ctx.now_ms;
        let mut expired = Vec::new();
        for (group_id, group) in &self.groups {
            if !group.is_empty() {
                continue;
            }
            let emptied = group.state_since_ms();
            let uses_protocol = group.uses_protocol();
            let since = |v: &OffsetCommitValue| {
                if uses_protocol {
                    emptied
                } else {
                    v.commit_timestamp
                }
            };
            for (topic, partition) in self.offsets.expired(group_id, now, retention, since) {
                expired.push((group_id.clone(), topic, partition));
            }
        }
        let records: Vec<CoordinatorRecord> = expired
            .iter()
            .map(|(g, t, p)| CoordinatorRecord::offset_tombstone(g, t, *p))
            .collect();
        if ctx.write(&records).is_err() {
            return 0;
        }
        for (group_id, topic, partition) in &expired {
            self.offsets.remove(group_id, topic, *partition);
        }
        let dead: Vec<String> = self
            .groups
            .iter()
            .filter(|(id, g)| g.is_empty() && !self.offsets.has_offsets(id))
            .map(|(id, _)| id.clone())
            .collect();
        for group_id in dead {
            if self.write_group_removal(&group_id, ctx).is_ok() {
                self.groups.remove(&group_id);
            }
        }
        expired.len()
    }
}
