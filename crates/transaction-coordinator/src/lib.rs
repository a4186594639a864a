//! The transaction coordinator: transactional ids, their producer ids and epochs, and
//! the state of their transactions (Kafka's transaction protocol).
//!
//! It owns the transaction state machine (Empty → Ongoing → PrepareCommit/Abort →
//! CompleteCommit/Abort), fencing of older producer incarnations by epoch, the timeout
//! that aborts forgotten transactions, and the records of `__transaction_state` in
//! Kafka's schemas, appended and fsynced before a change is acknowledged and replayed
//! when this node leads a partition of it.
//!
//! It must not write partition data itself: the markers that end a transaction go
//! through the [`MarkerWriter`] the broker provides, and producer ids come from the
//! broker's [`ProducerIdSource`].

pub mod coordinator;
pub mod metadata;
pub mod records;

pub use coordinator::{MarkerWriter, ProducerIdSource, TransactionConfig, TransactionCoordinator};
pub use metadata::{TransactionMetadata, TransactionState};
