//! What a state change runs with: the time, the settings, the journal its records go
//! to, and the answers it owes to other waiting members.

use fjord_protocol::ErrorCode;
use tokio::sync::oneshot;

use crate::classic::Delivery;
use crate::config::GroupConfig;
use crate::journal::Journal;
use crate::records::CoordinatorRecord;

pub struct Ctx<'a> {
    /// Wall clock, ms since the epoch: deadlines and the timestamps in records.
    pub now_ms: i64,
    pub config: &'a GroupConfig,
    journal: &'a mut Journal,
    deliveries: &'a mut Vec<Delivery>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        now_ms: i64,
        config: &'a GroupConfig,
        journal: &'a mut Journal,
        deliveries: &'a mut Vec<Delivery>,
    ) -> Self {
        Self {
            now_ms,
            config,
            journal,
            deliveries,
        }
    }

    /// Appends `records` to the group's partition (durable before anyone is answered).
    pub fn write(&mut self, records: &[CoordinatorRecord]) -> Result<(), ErrorCode> {
        self.journal.append(records, self.now_ms)
    }

    /// Appends `records` as part of `producer`'s transaction (TxnOffsetCommit).
    pub fn write_transactional(
        &mut self,
        records: &[CoordinatorRecord],
        producer: (i64, i16),
    ) -> Result<(), ErrorCode> {
        self.journal
            .append_transactional(records, self.now_ms, producer)
    }

    /// Answers a member waiting in JoinGroup or SyncGroup once this change is durable.
    pub fn deliver(&mut self, delivery: Delivery) {
        self.deliveries.push(delivery);
    }
}

/// An answer now, or one a later state change will give (a member waiting in
/// JoinGroup for the others, or in SyncGroup for the leader).
pub enum Reply<T> {
    Now(T),
    Later(oneshot::Receiver<T>),
}
