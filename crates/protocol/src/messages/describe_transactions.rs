//! DescribeTransactions (key 65): the coordinator's state of named transactional ids
//! (KIP-664); what `kafka-transactions --describe` uses.
//!
//! Every version is flexible.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// Only version 0 exists.
pub const VERSIONS: RangeInclusive<i16> = 0..=0;
const FLEXIBLE: i16 = 0;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeTransactionsRequest {
    /// The ids to describe; none gives no results.
    pub transactional_ids: Vec<String>,
}

impl Decode for DescribeTransactionsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let request = Self {
            transactional_ids: r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for DescribeTransactionsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.transactional_ids, |w, id| {
            w.string(flexible, id)
        });
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribeTransactionsResponse {
    pub throttle_time_ms: i32,
    pub transaction_states: Vec<TransactionState>,
}

/// One requested transactional id. An unknown one is answered with
/// TRANSACTIONAL_ID_NOT_FOUND here rather than failing the whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionState {
    pub error_code: ErrorCode,
    pub transactional_id: String,
    /// Kafka's state name: "Empty", "Ongoing", "PrepareCommit", "PrepareAbort",
    /// "CompleteCommit", "CompleteAbort", "Dead" or "PrepareEpochFence".
    pub transaction_state: String,
    pub transaction_timeout_ms: i32,
    /// When the ongoing transaction started (ms since the epoch), -1 if none is.
    pub transaction_start_time_ms: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// The partitions in the transaction; while it is completing, those whose marker
    /// is not yet written.
    pub topics: Vec<TopicData>,
}

impl Default for TransactionState {
    fn default() -> Self {
        Self {
            error_code: ErrorCode::NONE,
            transactional_id: String::new(),
            transaction_state: String::new(),
            transaction_timeout_ms: 0,
            transaction_start_time_ms: 0,
            producer_id: 0,
            producer_epoch: 0,
            topics: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicData {
    pub topic: String,
    pub partitions: Vec<i32>,
}

impl TopicData {
    /// The smallest encoding: an empty compact string, an empty array, no tagged
    /// fields.
    const MIN_SIZE: usize = string_min(true) + array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            topic: r.string(flexible)?.to_owned(),
            partitions: r.array(flexible, 4, |r| r.i32())?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.topic);
        w.array(flexible, &self.partitions, |w, p| w.i32(*p));
        w.empty_tagged_fields(flexible);
    }
}

impl TransactionState {
    /// The smallest encoding: an int16, two empty compact strings, an int32, two
    /// int64s, an int16, an empty array, no tagged fields.
    const MIN_SIZE: usize =
        2 + 2 * string_min(true) + 4 + 8 + 8 + 2 + array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let state = Self {
            error_code: ErrorCode(r.i16()?),
            transactional_id: r.string(flexible)?.to_owned(),
            transaction_state: r.string(flexible)?.to_owned(),
            transaction_timeout_ms: r.i32()?,
            transaction_start_time_ms: r.i64()?,
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
            topics: r.array(flexible, TopicData::MIN_SIZE, |r| {
                TopicData::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(state)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i16(self.error_code.0);
        w.string(flexible, &self.transactional_id);
        w.string(flexible, &self.transaction_state);
        w.i32(self.transaction_timeout_ms);
        w.i64(self.transaction_start_time_ms);
        w.i64(self.producer_id);
        w.i16(self.producer_epoch);
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

impl Encode for DescribeTransactionsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.transaction_states, |w, state| {
            state.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for DescribeTransactionsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            throttle_time_ms: r.i32()?,
            transaction_states: r.array(flexible, TransactionState::MIN_SIZE, |r| {
                TransactionState::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_exact, decode_without_panicking,
        encode_to_vec, written_len,
    };

    fn sample_request() -> DescribeTransactionsRequest {
        DescribeTransactionsRequest {
            transactional_ids: vec!["payments-txn".into(), "missing".into(), String::new()],
        }
    }

    fn sample_response() -> DescribeTransactionsResponse {
        DescribeTransactionsResponse {
            throttle_time_ms: 25,
            transaction_states: vec![
                TransactionState {
                    error_code: ErrorCode::NONE,
                    transactional_id: "payments-txn".into(),
                    transaction_state: "Ongoing".into(),
                    transaction_timeout_ms: 60_000,
                    transaction_start_time_ms: 1_700_000_000_000,
                    producer_id: 4_321,
                    producer_epoch: 12,
                    topics: vec![
                        TopicData {
                            topic: "orders".into(),
                            partitions: vec![0, 3],
                        },
                        TopicData {
                            topic: "__consumer_offsets".into(),
                            partitions: vec![17],
                        },
                    ],
                },
                TransactionState {
                    error_code: ErrorCode::TRANSACTIONAL_ID_NOT_FOUND,
                    transactional_id: "missing".into(),
                    transaction_start_time_ms: -1,
                    producer_id: -1,
                    producer_epoch: -1,
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn test_describe_transactions_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(), [version]);
            assert_round_trips(&DescribeTransactionsRequest::default(), [version]);
            assert_round_trips(&sample_response(), [version]);
            assert_round_trips(&DescribeTransactionsResponse::default(), [version]);
        }
    }

    #[test]
    fn test_describe_transactions_request_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, // transactional_ids: 2 (compact)
            0x03, b't', b'x', // "tx"
            0x02, b'y', // "y"
            0x00, // tagged fields
        ];
        let request = DescribeTransactionsRequest {
            transactional_ids: vec!["tx".into(), "y".into()],
        };
        assert_golden(&request, 0, &bytes);
    }

    #[test]
    fn test_describe_transactions_response_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x02, // transaction_states: 1 (compact)
            0x00, 0x00, // error_code: NONE
            0x03, b't', b'x', // transactional_id: "tx"
            0x08, b'O', b'n', b'g', b'o', b'i', b'n', b'g', // transaction_state: "Ongoing"
            0x00, 0x00, 0xea, 0x60, // transaction_timeout_ms: 60000
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // transaction_start_time_ms: 1000
            0, 0, 0, 0, 0, 0, 0x00, 0x07, // producer_id: 7
            0x00, 0x02, // producer_epoch: 2
            0x02, // topics: 1
            0x02, b't', // topic: "t"
            0x03, // partitions: 2
            0x00, 0x00, 0x00, 0x00, // 0
            0x00, 0x00, 0x00, 0x01, // 1
            0x00, // topic tagged fields
            0x00, // state tagged fields
            0x00, // response tagged fields
        ];
        let response = DescribeTransactionsResponse {
            throttle_time_ms: 0,
            transaction_states: vec![TransactionState {
                error_code: ErrorCode::NONE,
                transactional_id: "tx".into(),
                transaction_state: "Ongoing".into(),
                transaction_timeout_ms: 60_000,
                transaction_start_time_ms: 1000,
                producer_id: 7,
                producer_epoch: 2,
                topics: vec![TopicData {
                    topic: "t".into(),
                    partitions: vec![0, 1],
                }],
            }],
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_describe_transactions_decoder_skips_unknown_tagged_fields() {
        #[rustfmt::skip]
        let bytes = [
            0x02, // transactional_ids: 1
            0x02, b'a', // "a"
            0x02, // two tagged fields
            0x00, 0x01, 0x01, // tag 0, one byte
            0x09, 0x00, // tag 9, empty
        ];
        let request: DescribeTransactionsRequest = decode_exact(&bytes, 0);
        assert_eq!(request.transactional_ids, vec!["a".to_owned()]);
    }

    #[test]
    fn test_describe_transactions_min_sizes_match_the_smallest_encodings() {
        assert_eq!(
            written_len(|w| TopicData::default().write(w, true)),
            TopicData::MIN_SIZE
        );
        assert_eq!(
            written_len(|w| TransactionState::default().write(w, true)),
            TransactionState::MIN_SIZE
        );
    }

    proptest! {
        #[test]
        fn test_describe_transactions_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<DescribeTransactionsRequest>(&bytes, [version]);
            decode_without_panicking::<DescribeTransactionsResponse>(&bytes, [version]);
        }

        #[test]
        fn test_describe_transactions_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(), version),
                encode_to_vec(&sample_response(), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<DescribeTransactionsRequest>(&bytes, [version]);
                decode_without_panicking::<DescribeTransactionsResponse>(&bytes, [version]);
            }
        }
    }
}
