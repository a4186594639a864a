//! A transactional id's state: its producer id and epoch, and the transaction it has
//! open (Kafka's `TransactionMetadata` and `TransactionState`).

use std::collections::BTreeSet;

/// Kafka's TransactionState, with its on-disk numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionState {
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
    Dead = 6,
    PrepareEpochFence = 7,
}

impl TransactionState {
    pub fn from_i8(v: i8) -> Self {
        match v {
            1 => Self::Ongoing,
            2 => Self::PrepareCommit,
            3 => Self::PrepareAbort,
            4 => Self::CompleteCommit,
            5 => Self::CompleteAbort,
            6 => Self::Dead,
            7 => Self::PrepareEpochFence,
            _ => Self::Empty,
        }
    }

    /// The name DescribeTransactions and ListTransactions use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Empty => "Empty",
            Self::Ongoing => "Ongoing",
            Self::PrepareCommit => "PrepareCommit",
            Self::PrepareAbort => "PrepareAbort",
            Self::CompleteCommit => "CompleteCommit",
            Self::CompleteAbort => "CompleteAbort",
            Self::Dead => "Dead",
            Self::PrepareEpochFence => "PrepareEpochFence",
        }
    }

    /// Markers are being written: requests wait (CONCURRENT_TRANSACTIONS).
    pub fn is_preparing(self) -> bool {
        matches!(
            self,
            Self::PrepareCommit | Self::PrepareAbort | Self::PrepareEpochFence
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionMetadata {
    pub transactional_id: String,
    pub producer_id: i64,
    /// The id before an epoch overflow moved it to a new one (-1: none).
    pub previous_producer_id: i64,
    pub producer_epoch: i16,
    pub timeout_ms: i32,
    pub state: TransactionState,
    /// The partitions of the open (or completing) transaction.
    pub partitions: BTreeSet<(String, i32)>,
    pub start_ms: i64,
    pub last_update_ms: i64,
    /// KIP-890's transaction version (0/1: classic, 2: epoch bump per transaction).
    pub client_transaction_version: i16,
}

impl TransactionMetadata {
    pub fn new(
        transactional_id: &str,
        producer_id: i64,
        producer_epoch: i16,
        timeout_ms: i32,
        now_ms: i64,
    ) -> Self {
        Self {
            transactional_id: transactional_id.to_owned(),
            producer_id,
            previous_producer_id: -1,
            producer_epoch,
            timeout_ms,
            state: TransactionState::Empty,
            partitions: BTreeSet::new(),
            start_ms: now_ms,
            last_update_ms: now_ms,
            client_transaction_version: 0,
        }
    }

    pub fn partitions_by_topic(&self) -> Vec<(String, Vec<i32>)> {
        let mut out: Vec<(String, Vec<i32>)> = Vec::new();
        for (topic, p) in &self.partitions {
            match out.last_mut() {
                Some((t, ids)) if t == topic => ids.push(*p),
                _ => out.push((topic.clone(), vec![*p])),
            }
        }
        out
    }

    pub fn has_expired(&self, now_ms: i64) -> bool {
        self.state == TransactionState::Ongoing
            && self.start_ms.saturating_add(i64::from(self.timeout_ms)) <= now_ms
    }
}
