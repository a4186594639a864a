//! Storage errors as Kafka error codes: the one place that decides.

use fjord_protocol::{BatchError, ErrorCode};
use fjord_storage::producer_state::ProducerStateError;
use fjord_storage::StorageError;

pub fn storage_error_code(err: &StorageError) -> ErrorCode {
    match err {
        StorageError::Io { .. } => ErrorCode::KAFKA_STORAGE_ERROR,
        StorageError::InvalidBatch(BatchError::UnsupportedMagic { .. }) => {
            ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT
        }
        StorageError::InvalidBatch(_) => ErrorCode::CORRUPT_MESSAGE,
        StorageError::RecordTooLarge { .. } => ErrorCode::MESSAGE_TOO_LARGE,
        StorageError::InvalidRecord(_) => ErrorCode::INVALID_RECORD,
        StorageError::OffsetOutOfRange { .. } => ErrorCode::OFFSET_OUT_OF_RANGE,
        StorageError::Records(_) => ErrorCode::CORRUPT_MESSAGE,
        StorageError::LogClosed(_) => ErrorCode::NOT_LEADER_OR_FOLLOWER,
        StorageError::Producer(ProducerStateError::InvalidProducerEpoch { .. }) => {
            ErrorCode::INVALID_PRODUCER_EPOCH
        }
        StorageError::Producer(ProducerStateError::OutOfOrderSequence { .. }) => {
            ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_every_storage_error_has_a_kafka_code() {
        let io = || std::io::Error::other("x");
        let cases = [
            (
                StorageError::Io {
                    path: "p".into(),
                    source: io(),
                },
                ErrorCode::KAFKA_STORAGE_ERROR,
            ),
            (
                StorageError::InvalidBatch(BatchError::UnsupportedMagic { magic: 1 }),
                ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT,
            ),
            (
                StorageError::InvalidBatch(BatchError::CorruptCrc {
                    stored: 1,
                    computed: 2,
                }),
                ErrorCode::CORRUPT_MESSAGE,
            ),
            (
                StorageError::RecordTooLarge { size: 2, max: 1 },
                ErrorCode::MESSAGE_TOO_LARGE,
            ),
            (
                StorageError::InvalidRecord("x".into()),
                ErrorCode::INVALID_RECORD,
            ),
            (
                StorageError::OffsetOutOfRange {
                    offset: 1,
                    log_start: 0,
                    log_end: 0,
                },
                ErrorCode::OFFSET_OUT_OF_RANGE,
            ),
            (
                StorageError::LogClosed("t-0".into()),
                ErrorCode::NOT_LEADER_OR_FOLLOWER,
            ),
            (
                StorageError::Producer(ProducerStateError::InvalidProducerEpoch {
                    producer_id: 1,
                    epoch: 0,
                    current: 1,
                }),
                ErrorCode::INVALID_PRODUCER_EPOCH,
            ),
            (
                StorageError::Producer(ProducerStateError::OutOfOrderSequence {
                    producer_id: 1,
                    epoch: 0,
                    found: 5,
                    expected: 1,
                }),
                ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER,
            ),
        ];
        for (err, code) in cases {
            assert_eq!(storage_error_code(&err), code, "{err}");
        }
    }
}
