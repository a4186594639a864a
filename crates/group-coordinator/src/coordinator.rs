//! `GroupCoordinator`: routes each group to the shard of its `__consumer_offsets`
//! partition, loads shards when this node becomes their leader, and runs the clock
//! that expires sessions, ends rebalance phases and expires offsets.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fjord_protocol::ErrorCode;
use fjord_storage::Log;
use parking_lot::RwLock;

use crate::classic::{
    JoinRequest, JoinResponse, LeaveMember, LeaveOutcome, SyncRequest, SyncResponse,
};
use crate::config::GroupConfig;
use crate::consumer::{HeartbeatRequest, HeartbeatResponse, TopicsView};
use crate::context::Reply;
use crate::shard::{
    CommitRequest, ConsumerGroupDescription, DescribedGroup, FetchedOffset, ListedGroup, Shard,
    ShardState,
};
use fjord_protocol::coordinator_partition::partition_for;

/// How often the clock looks at deadlines: the resolution of session expiry and of
/// the end of a rebalance's join phase.
pub const TICK: Duration = Duration::from_millis(50);

enum Slot {
    Loading,
    Active(Arc<Shard>),
}

pub struct GroupCoordinator {
    config: GroupConfig,
    shards: RwLock<HashMap<i32, Slot>>,
}

pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl GroupCoordinator {
    pub fn new(config: GroupConfig) -> Self {
        Self {
            config,
            shards: RwLock::new(HashMap::new()),
        }
    }

    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The `__consumer_offsets` partition of `group_id`.
    pub fn partition_for(&self, group_id: &str) -> i32 {
        partition_for(group_id, self.config.offsets_topic_num_partitions)
    }

    /// Is this node (ready to be) the coordinator of `partition`?
    pub fn is_leading(&self, partition: i32) -> bool {
        self.shards.read().contains_key(&partition)
    }

    /// This node now leads `partition`: its groups are loaded from `log` (requests for
    /// them get COORDINATOR_LOAD_IN_PROGRESS until then).
    pub fn load(&self, partition: i32, log: Arc<Log>, leader_epoch: i32) {
        self.shards.write().insert(partition, Slot::Loading);
        let started = std::time::Instant::now();
        match ShardState::load(&log, now_ms()) {
            Ok(state) => {
                let groups = state.groups.len();
                let shard = Arc::new(Shard::new(partition, state, log, leader_epoch));
                self.shards.write().insert(partition, Slot::Active(shard));
                if groups > 0 {
                    tracing::info!(partition, groups, elapsed = ?started.elapsed(), "loaded consumer groups");
                }
            }
            Err(err) => {
                tracing::error!(partition, %err, "could not load __consumer_offsets partition");
                self.shards.write().remove(&partition);
            }
        }
    }

    /// This node no longer leads `partition`.
    pub fn unload(&self, partition: i32) {
        self.shards.write().remove(&partition);
    }

    fn shard_of(&self, group_id: &str) -> Result<Arc<Shard>, ErrorCode> {
        if group_id.is_empty() || !crate::records::fits([group_id]) {
            return Err(ErrorCode::INVALID_GROUP_ID);
        }
        match self.shards.read().get(&self.partition_for(group_id)) {
            None => Err(ErrorCode::NOT_COORDINATOR),
            Some(Slot::Loading) => Err(ErrorCode::COORDINATOR_LOAD_IN_PROGRESS),
            Some(Slot::Active(shard)) => Ok(Arc::clone(shard)),
        }
    }

    fn active_shards(&self) -> Vec<Arc<Shard>> {
        self.shards
            .read()
            .values()
            .filter_map(|slot| match slot {
                Slot::Active(shard) => Some(Arc::clone(shard)),
                Slot::Loading => None,
            })
            .collect()
    }

    /// Is every partition this node leads loaded? (ListGroups reports the others.)
    pub fn loading(&self) -> bool {
        self.shards
            .read()
            .values()
            .any(|s| matches!(s, Slot::Loading))
    }

    pub async fn join_group(&self, request: JoinRequest) -> JoinResponse {
        let member_id = request.member_id.clone();
        let shard = match self.shard_of(&request.group_id) {
            Ok(shard) => shard,
            Err(code) => return JoinResponse::error(&member_id, code),
        };
        let (reply, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.join(request, ctx)
        });
        let durable = completion.finish().await;
        let response = resolve(reply, || {
            JoinResponse::error(&member_id, ErrorCode::UNKNOWN_MEMBER_ID)
        })
        .await;
        match durable {
            Err(code) if response.error.is_none() => JoinResponse::error(&member_id, code),
            _ => response,
        }
    }

    pub async fn sync_group(&self, request: SyncRequest) -> SyncResponse {
        let shard = match self.shard_of(&request.group_id) {
            Ok(shard) => shard,
            Err(code) => return SyncResponse::error(code),
        };
        let (reply, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.sync(request, ctx)
        });
        let durable = completion.finish().await;
        let response = resolve(reply, || {
            SyncResponse::error(ErrorCode::REBALANCE_IN_PROGRESS)
        })
        .await;
        match durable {
            Err(code) if response.error.is_none() => SyncResponse::error(code),
            _ => response,
        }
    }

    pub async fn heartbeat(
        &self,
        group_id: &str,
        member_id: &str,
        group_instance_id: Option<&str>,
        generation_id: i32,
    ) -> ErrorCode {
        let shard = match self.shard_of(group_id) {
            Ok(shard) => shard,
            Err(code) => return code,
        };
        let (code, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.heartbeat(group_id, member_id, group_instance_id, generation_id, ctx)
        });
        let _ = completion.finish().await;
        code
    }

    /// LeaveGroup: the group-level error, or one outcome per member.
    pub async fn leave_group(
        &self,
        group_id: &str,
        members: &[LeaveMember],
    ) -> Result<Vec<LeaveOutcome>, ErrorCode> {
        let shard = self.shard_of(group_id)?;
        let (outcomes, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.leave(group_id, members, ctx)
        });
        completion.finish().await?;
        Ok(outcomes)
    }

    /// OffsetCommit: one error per entry.
    pub async fn commit_offsets(&self, request: &CommitRequest) -> Vec<ErrorCode> {
        let shard = match self.shard_of(&request.group_id) {
            Ok(shard) => shard,
            Err(code) => return vec![code; request.entries.len()],
        };
        let (errors, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.commit_offsets(request, ctx)
        });
        match completion.finish().await {
            Ok(()) => errors,
            Err(code) => vec![code; request.entries.len()],
        }
    }

    /// TxnOffsetCommit: offsets that count once `producer`'s transaction commits.
    pub async fn txn_commit_offsets(
        &self,
        request: &CommitRequest,
        producer: (i64, i16),
    ) -> Vec<ErrorCode> {
        let shard = match self.shard_of(&request.group_id) {
            Ok(shard) => shard,
            Err(code) => return vec![code; request.entries.len()],
        };
        let (errors, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.txn_commit_offsets(request, producer, ctx)
        });
        match completion.finish().await {
            Ok(()) => errors,
            Err(code) => vec![code; request.entries.len()],
        }
    }

    /// A transaction marker of `producer_id` was written to `partition` of
    /// `__consumer_offsets`: its pending offsets there count now, or are dropped.
    pub fn complete_transaction(&self, partition: i32, producer_id: i64, commit: bool) {
        let shard = match self.shards.read().get(&partition) {
            Some(Slot::Active(shard)) => Arc::clone(shard),
            _ => return,
        };
        let ((), completion) = shard.run(&self.config, now_ms(), |state, _| {
            state.complete_transaction(producer_id, commit)
        });
        drop(completion);
    }

    /// OffsetFetch for one group: its offsets, or the group-level error. `member` is
    /// the (member id, epoch) OffsetFetch v9 may name.
    pub fn fetch_offsets(
        &self,
        group_id: &str,
        topics: Option<&[(String, Vec<i32>)]>,
        member: Option<(&str, i32)>,
    ) -> Result<Vec<FetchedOffset>, ErrorCode> {
        let shard = self.shard_of(group_id)?;
        let (offsets, completion) = shard.run(&self.config, now_ms(), |state, _| {
            if let Some((member_id, epoch)) = member {
                state.validate_fetching_member(group_id, member_id, epoch)?;
            }
            Ok(state.fetch_offsets(group_id, topics))
        });
        drop(completion);
        offsets
    }

    /// A topic was deleted: drops its committed offsets in every group here. The
    /// tombstones are flushed with the partition's next flush (nobody waits on them).
    pub fn on_topic_deleted(&self, topic: &str) {
        for shard in self.active_shards() {
            let (removed, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
                state.remove_topic_offsets(topic, ctx)
            });
            drop(completion);
            if removed > 0 {
                tracing::info!(
                    topic,
                    removed,
                    partition = shard.partition,
                    "dropped offsets of a deleted topic"
                );
            }
        }
    }

    pub async fn delete_offsets(
        &self,
        group_id: &str,
        partitions: &[(String, i32)],
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        let shard = self.shard_of(group_id)?;
        let (outcome, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.delete_offsets(group_id, partitions, ctx)
        });
        completion.finish().await?;
        outcome
    }

    pub async fn delete_group(&self, group_id: &str) -> ErrorCode {
        let shard = match self.shard_of(group_id) {
            Ok(shard) => shard,
            Err(code) => return code,
        };
        let (code, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.delete_group(group_id, ctx)
        });
        match completion.finish().await {
            Ok(()) => code,
            Err(err) => err,
        }
    }

    pub async fn consumer_heartbeat(
        &self,
        request: HeartbeatRequest,
        topics: &dyn TopicsView,
    ) -> HeartbeatResponse {
        let shard = match self.shard_of(&request.group_id) {
            Ok(shard) => shard,
            Err(code) => return HeartbeatResponse::error(code, code.name()),
        };
        let (response, completion) = shard.run(&self.config, now_ms(), |state, ctx| {
            state.consumer_heartbeat(request, topics, ctx)
        });
        match completion.finish().await {
            Err(code) if response.error.is_none() => HeartbeatResponse::error(code, code.name()),
            _ => response,
        }
    }

    pub fn consumer_describe(&self, group_id: &str) -> Result<ConsumerGroupDescription, ErrorCode> {
        let shard = self.shard_of(group_id)?;
        let default = self.config.default_assignor();
        let (described, completion) = shard.run(&self.config, now_ms(), |state, _| {
            state.consumer_describe(group_id, default)
        });
        drop(completion);
        Ok(described)
    }

    pub fn describe_group(&self, group_id: &str) -> Result<DescribedGroup, ErrorCode> {
        let shard = self.shard_of(group_id)?;
        let (described, completion) =
            shard.run(&self.config, now_ms(), |state, _| state.describe(group_id));
        drop(completion);
        Ok(described)
    }

    /// Every group of every loaded partition.
    pub fn list_groups(&self) -> Vec<ListedGroup> {
        self.active_shards()
            .iter()
            .flat_map(|shard| shard.run(&self.config, now_ms(), |state, _| state.list()).0)
            .collect()
    }

    /// Runs the clock until the coordinator is dropped by everyone else.
    pub async fn run_clock(self: Arc<Self>) {
        let mut interval = tokio::time::interval(TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_expiry = now_ms();
        loop {
            interval.tick().await;
            if Arc::strong_count(&self) == 1 {
                return;
            }
            let now = now_ms();
            let expire = now - last_expiry >= self.config.offsets_retention_check_interval_ms;
            if expire {
                last_expiry = now;
            }
            for shard in self.active_shards() {
                let _ = shard.tick(&self.config, now).finish().await;
                if expire {
                    let (expired, completion) =
                        shard.run(&self.config, now, |state, ctx| state.expire_offsets(ctx));
                    let _ = completion.finish().await;
                    if expired > 0 {
                        tracing::info!(partition = shard.partition, expired, "expired offsets");
                    }
                }
            }
        }
    }
}

/// The answer of a reply, waiting for it if needed; `gone` if the state machine
/// dropped the member's channel (it was superseded by a newer request).
async fn resolve<T>(reply: Reply<T>, gone: impl FnOnce() -> T) -> T {
    match reply {
        Reply::Now(value) => value,
        Reply::Later(rx) => rx.await.unwrap_or_else(|_| gone()),
    }
}
