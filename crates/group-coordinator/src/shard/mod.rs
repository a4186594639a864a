//! One `__consumer_offsets` partition led by this node: its groups and offsets in
//! memory, rebuilt from the partition when it is loaded, and the journal every change
//! is written to before it is acknowledged.

mod consumer_ops;
mod group_ops;
mod load;
mod offset_ops;
#[cfg(test)]
mod tests;
pub mod txn_offsets;

use std::collections::HashMap;
use std::sync::Arc;

use fjord_protocol::ErrorCode;
use fjord_storage::Log;
use parking_lot::Mutex;

use crate::classic::{ClassicGroup, Delivery};
use crate::config::GroupConfig;
use crate::consumer::ConsumerGroup;
use crate::context::Ctx;
use crate::journal::Journal;
use crate::offsets::OffsetStore;

pub use consumer_ops::{ConsumerGroupDescription, ConsumerMemberDescription};
pub use group_ops::{DescribedGroup, DescribedMember, ListedGroup};
pub use offset_ops::{CommitEntry, CommitRequest, FetchedOffset};

/// A group of either protocol.
pub enum Group {
    Classic(ClassicGroup),
    Consumer(ConsumerGroup),
}

impl Group {
    /// No members (and, for a classic group, none about to join): offsets may expire
    /// and the group may be deleted.
    pub fn is_empty(&self) -> bool {
        match self {
            Group::Classic(g) => {
                g.is(crate::classic::ClassicState::Empty) && !g.has_pending_members()
            }
            Group::Consumer(g) => g.is_empty(),
        }
    }

    /// When the group last changed state (for an empty group: when it emptied).
    pub fn state_since_ms(&self) -> i64 {
        match self {
            Group::Classic(g) => g.state_since_ms,
            Group::Consumer(g) => g.state_since_ms,
        }
    }

    /// Does the group run a membership protocol (or does it only store offsets)?
    pub fn uses_protocol(&self) -> bool {
        match self {
            Group::Classic(g) => g.protocol_type.is_some(),
            Group::Consumer(_) => true,
        }
    }

    pub fn is_subscribed_to(&self, topic: &str) -> bool {
        match self {
            Group::Classic(g) => g.is_subscribed_to(topic),
            Group::Consumer(g) => g.is_subscribed_to(topic),
        }
    }

    /// The group's own records' tombstones (its offsets are removed separately).
    pub fn removal_records(&self, group_id: &str) -> Vec<crate::records::CoordinatorRecord> {
        match self {
            Group::Classic(_) => vec![crate::records::CoordinatorRecord::group_tombstone(group_id)],
            Group::Consumer(g) => g.removal_records(),
        }
    }
}

/// What a shard holds behind its lock.
#[derive(Default)]
pub struct ShardState {
    pub groups: HashMap<String, Group>,
    pub offsets: OffsetStore,
    /// Offsets committed inside transactions not yet ended, by producer id: applied by
    /// a COMMIT marker, dropped by an ABORT.
    pub pending_txn_offsets: HashMap<i64, Vec<txn_offsets::PendingOffset>>,
}

pub struct Shard {
    pub partition: i32,
    inner: Mutex<(ShardState, Journal)>,
}

/// What is left to do after a state change once the lock is released: make its
/// records durable, then answer the members it settled.
#[must_use]
pub struct Completion {
    log: Arc<Log>,
    flush_to: Option<i64>,
    deliveries: Vec<Delivery>,
}

impl Completion {
    /// Flushes (off the async threads) and delivers. `Err` if the records could not
    /// be made durable; the caller's own answer should then be an error.
    pub async fn finish(self) -> Result<(), ErrorCode> {
        let mut outcome = Ok(());
        if let Some(end) = self.flush_to {
            let log = Arc::clone(&self.log);
            let flushed = tokio::task::spawn_blocking(move || log.flush_to(end)).await;
            if !matches!(flushed, Ok(Ok(_))) {
                tracing::error!(log = %self.log.topic_partition(), "coordinator fsync failed");
                outcome = Err(ErrorCode::COORDINATOR_NOT_AVAILABLE);
            }
        }
        for delivery in self.deliveries {
            delivery.send();
        }
        outcome
    }
}

impl Completion {
    /// As [`Completion::finish`], on the calling thread (tests).
    #[cfg(test)]
    pub fn finish_blocking(self) {
        if let Some(end) = self.flush_to {
            self.log.flush_to(end).expect("flush");
        }
        for delivery in self.deliveries {
            delivery.send();
        }
    }
}

impl Shard {
    pub fn new(partition: i32, state: ShardState, log: Arc<Log>, leader_epoch: i32) -> Self {
        Self {
            partition,
            inner: Mutex::new((state, Journal::new(log, leader_epoch))),
        }
    }

    /// Runs `op` on the shard's state under its lock, with a context whose writes go
    /// to the partition; returns its result and what remains to do after the lock.
    pub fn run<T>(
        &self,
        config: &GroupConfig,
        now_ms: i64,
        op: impl FnOnce(&mut ShardState, &mut Ctx<'_>) -> T,
    ) -> (T, Completion) {
        let mut guard = self.inner.lock();
        let (state, journal) = &mut *guard;
        let mut deliveries = Vec::new();
        let result = {
            let mut ctx = Ctx::new(now_ms, config, journal, &mut deliveries);
            op(state, &mut ctx)
        };
        let completion = Completion {
            log: Arc::clone(journal.log()),
            flush_to: journal.take_end_offset(),
            deliveries,
        };
        (result, completion)
    }

    /// The group's clock: sessions, join and sync deadlines.
    pub fn tick(&self, config: &GroupConfig, now_ms: i64) -> Completion {
        let ((), completion) = self.run(config, now_ms, |state, ctx| {
            let session = ctx.config.consumer_session_timeout_ms;
            for group in state.groups.values_mut() {
                match group {
                    Group::Classic(group) => {
                        if group.next_deadline_ms().is_some_and(|d| d <= now_ms) {
                            group.tick(ctx);
                        }
                    }
                    Group::Consumer(group) => {
                        if group.next_deadline_ms(session).is_some_and(|d| d <= now_ms) {
                            group.tick(ctx);
                        }
                    }
                }
            }
        });
        completion
    }
}

impl ShardState {
    pub fn classic(&mut self, group_id: &str) -> Option<&mut ClassicGroup> {
        match self.groups.get_mut(group_id) {
            Some(Group::Classic(group)) => Some(group),
            Some(Group::Consumer(_)) | None => None,
        }
    }

    /// The classic group `group_id`, created (Empty) if it does not exist.
    pub fn classic_or_create(
        &mut self,
        group_id: &str,
        now_ms: i64,
    ) -> Result<&mut ClassicGroup, ErrorCode> {
        let group = self
            .groups
            .entry(group_id.to_owned())
            .or_insert_with(|| Group::Classic(ClassicGroup::new(group_id, now_ms)));
        match group {
            Group::Classic(group) => Ok(group),
            // Kafka's answer to a classic request for a consumer-protocol group.
            Group::Consumer(_) => Err(ErrorCode::GROUP_ID_NOT_FOUND),
        }
    }

    pub fn consumer(&mut self, group_id: &str) -> Option<&mut ConsumerGroup> {
        match self.groups.get_mut(group_id) {
            Some(Group::Consumer(group)) => Some(group),
            Some(Group::Classic(_)) | None => None,
        }
    }

    /// The consumer group `group_id`, created if it does not exist; an empty classic
    /// group (one that only holds offsets) becomes a consumer group, keeping them.
    pub fn consumer_or_create(
        &mut self,
        group_id: &str,
        now_ms: i64,
    ) -> Result<&mut ConsumerGroup, ErrorCode> {
        let replace = match self.groups.get(group_id) {
            Some(Group::Classic(g)) => {
                if !g.is_empty() || g.has_pending_members() {
                    return Err(ErrorCode::GROUP_ID_NOT_FOUND);
                }
                true
            }
            Some(Group::Consumer(_)) => false,
            None => true,
        };
        if replace {
            let group = Group::Consumer(ConsumerGroup::new(group_id, now_ms));
            self.groups.insert(group_id.to_owned(), group);
        }
        self.consumer(group_id).ok_or(ErrorCode::GROUP_ID_NOT_FOUND)
    }
}
