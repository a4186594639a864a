//! Transaction markers: the control records a transaction coordinator appends to end a
//! producer's transaction in a partition, encoded as Kafka's `EndTransactionMarker`.
//!
//! ```text
//! key:   version int16 (0), type int16 (0 = ABORT, 1 = COMMIT; other control types exist)
//! value: version int16 (0), coordinator_epoch int32
//! ```
//!
//! A marker batch is a control batch (attribute bit 5) holding one such record, with the
//! producer id and epoch of the transaction it ends.

use fjord_protocol::records::{BatchRecords, Record};
use fjord_protocol::RecordBatch;

use crate::error::{Result, StorageError};

/// Control record types that end a transaction.
pub const CONTROL_TYPE_ABORT: i16 = 0;
pub const CONTROL_TYPE_COMMIT: i16 = 1;
const KEY_SIZE: usize = 4;
const VALUE_SIZE: usize = 6;
const VERSION: i16 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxnResult {
    Abort,
    Commit,
}

/// What an ABORT or COMMIT marker says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EndTxnMarker {
    pub result: TxnResult,
    pub coordinator_epoch: i32,
}

impl EndTxnMarker {
    pub fn abort(coordinator_epoch: i32) -> Self {
        Self {
            result: TxnResult::Abort,
            coordinator_epoch,
        }
    }

    pub fn commit(coordinator_epoch: i32) -> Self {
        Self {
            result: TxnResult::Commit,
            coordinator_epoch,
        }
    }

    /// The control record key: version 0 and the control type.
    pub fn key(&self) -> [u8; KEY_SIZE] {
        let control_type = match self.result {
            TxnResult::Abort => CONTROL_TYPE_ABORT,
            TxnResult::Commit => CONTROL_TYPE_COMMIT,
        };
        let mut key = [0u8; KEY_SIZE];
        key[..2].copy_from_slice(&VERSION.to_be_bytes());
        key[2..].copy_from_slice(&control_type.to_be_bytes());
        key
    }

    /// The control record value: version 0 and the coordinator epoch.
    pub fn value(&self) -> [u8; VALUE_SIZE] {
        let mut value = [0u8; VALUE_SIZE];
        value[..2].copy_from_slice(&VERSION.to_be_bytes());
        value[2..].copy_from_slice(&self.coordinator_epoch.to_be_bytes());
        value
    }

    /// The marker a control batch carries, from its first record. `None` for a control
    /// batch without records (the cleaner may empty one) or with a control record of
    /// another type; an error for a record that is not a well-formed control record.
    pub fn from_batch(batch: &RecordBatch<'_>) -> Result<Option<Self>> {
        let records = BatchRecords::decode(batch)?;
        let Some(record) = records.iter().next() else {
            return Ok(None);
        };
        Self::from_record(&record?)
    }

    /// Decodes a control record as Kafka's `EndTransactionMarker.deserialize` does:
    /// newer versions are read by their version-0 prefix.
    pub fn from_record(record: &Record<'_>) -> Result<Option<Self>> {
        let key = record
            .key
            .filter(|k| k.len() >= KEY_SIZE)
            .ok_or_else(|| invalid("control record key shorter than 4 bytes"))?;
        let be_i16 = |b: &[u8]| i16::from_be_bytes([b[0], b[1]]);
        if be_i16(&key[..2]) < 0 {
            return Err(invalid("negative control record key version"));
        }
        let result = match be_i16(&key[2..4]) {
            CONTROL_TYPE_ABORT => TxnResult::Abort,
            CONTROL_TYPE_COMMIT => TxnResult::Commit,
            _ => return Ok(None),
        };
        let value = record
            .value
            .filter(|v| v.len() >= VALUE_SIZE)
            .ok_or_else(|| invalid("transaction marker value shorter than 6 bytes"))?;
        if be_i16(&value[..2]) < 0 {
            return Err(invalid("negative transaction marker version"));
        }
        Ok(Some(Self {
            result,
            coordinator_epoch: i32::from_be_bytes([value[2], value[3], value[4], value[5]]),
        }))
    }
}

fn invalid(what: &str) -> StorageError {
    StorageError::InvalidRecord(format!("invalid transaction marker: {what}"))
}

#[cfg(test)]
mod tests {
    use fjord_protocol::records::RecordBatchBuilder;
    use fjord_protocol::CompressionType;

    use super::*;

    fn control_batch(key: Option<&[u8]>, value: Option<&[u8]>) -> Vec<u8> {
        let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, 5)
            .with_producer(3, 1, -1)
            .with_transactional(true)
            .with_control(true);
        builder.append(0, 5, key, value, &[]);
        builder.build().unwrap()
    }

    fn parse(bytes: &[u8]) -> Result<Option<EndTxnMarker>> {
        EndTxnMarker::from_batch(&RecordBatch::parse_exact(bytes).unwrap())
    }

    #[test]
    fn test_end_txn_marker_round_trip_and_bad_records() {
        for marker in [EndTxnMarker::abort(4), EndTxnMarker::commit(-1)] {
            let bytes = control_batch(Some(&marker.key()), Some(&marker.value()));
            assert_eq!(parse(&bytes).unwrap(), Some(marker));
        }
        assert_eq!(EndTxnMarker::abort(0).key(), [0, 0, 0, 0]);
        assert_eq!(EndTxnMarker::commit(7).value(), [0, 0, 0, 0, 0, 7]);
        // Another control type (KRaft's LEADER_CHANGE) is not a marker.
        let leader_change = control_batch(Some(&[0, 0, 0, 2]), Some(b"x"));
        assert_eq!(parse(&leader_change).unwrap(), None);
        assert!(parse(&control_batch(Some(&[0, 0]), None)).is_err());
        assert!(parse(&control_batch(Some(&[0, 0, 0, 0]), Some(&[0, 0, 1]))).is_err());
        assert!(parse(&control_batch(Some(&[0xff, 0xff, 0, 1]), Some(&[0; 6]))).is_err());
    }
}
