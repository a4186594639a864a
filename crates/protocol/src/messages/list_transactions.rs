//! ListTransactions (key 66): the transactional ids a transaction coordinator knows,
//! filtered by state, producer id and (v1) age (KIP-664, KIP-994); what
//! `kafka-transactions --list` and `find-hanging` use.
//!
//! Every version is flexible. `duration_filter` is absent in v0 and then decodes as
//! -1 (no filter), Kafka's default.

use std::ops::RangeInclusive;

use crate::codec::min_size::{string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds the duration filter (KIP-994); the response is unchanged.
pub const VERSIONS: RangeInclusive<i16> = 0..=1;
const FLEXIBLE: i16 = 0;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTransactionsRequest {
    /// Only transactions in one of these states; empty for every state.
    pub state_filters: Vec<String>,
    /// Only transactions of one of these producers; empty for every producer.
    pub producer_id_filters: Vec<i64>,
    /// Only transactions running for longer than this many milliseconds; negative
    /// for no filter (v1+).
    pub duration_filter: i64,
}

impl Default for ListTransactionsRequest {
    fn default() -> Self {
        Self {
            state_filters: Vec::new(),
            producer_id_filters: Vec::new(),
            duration_filter: -1,
        }
    }
}

impl Decode for ListTransactionsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            state_filters: r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?,
            producer_id_filters: r.array(flexible, 8, |r| r.i64())?,
            ..Default::default()
        };
        if version >= 1 {
            request.duration_filter = r.i64()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for ListTransactionsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.state_filters, |w, state| {
            w.string(flexible, state)
        });
        w.array(flexible, &self.producer_id_filters, |w, id| w.i64(*id));
        if version >= 1 {
            w.i64(self.duration_filter);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTransactionsResponse {
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    /// The requested state filters the coordinator does not know.
    pub unknown_state_filters: Vec<String>,
    pub transaction_states: Vec<TransactionState>,
}

impl Default for ListTransactionsResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            unknown_state_filters: Vec::new(),
            transaction_states: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionState {
    pub transactional_id: String,
    pub producer_id: i64,
    /// Kafka's state name, as in DescribeTransactions ("Ongoing", "Empty", ...).
    pub transaction_state: String,
}

impl TransactionState {
    /// The smallest encoding: an empty compact string, an int64, an empty compact
    /// string, no tagged fields.
    const MIN_SIZE: usize = string_min(true) + 8 + string_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let state = Self {
            transactional_id: r.string(flexible)?.to_owned(),
            producer_id: r.i64()?,
            transaction_state: r.string(flexible)?.to_owned(),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(state)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.transactional_id);
        w.i64(self.producer_id);
        w.string(flexible, &self.transaction_state);
        w.empty_tagged_fields(flexible);
    }
}

impl Encode for ListTransactionsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.i16(self.error_code.0);
        w.array(flexible, &self.unknown_state_filters, |w, state| {
            w.string(flexible, state)
        });
        w.array(flexible, &self.transaction_states, |w, state| {
            state.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for ListTransactionsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            throttle_time_ms: r.i32()?,
            error_code: ErrorCode(r.i16()?),
            unknown_state_filters: r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?,
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

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> ListTransactionsRequest {
        ListTransactionsRequest {
            state_filters: vec!["Ongoing".into(), "PrepareCommit".into()],
            producer_id_filters: vec![4_321, -1, i64::MAX],
            duration_filter: if version >= 1 { 3_600_000 } else { -1 },
        }
    }

    fn sample_response() -> ListTransactionsResponse {
        ListTransactionsResponse {
            throttle_time_ms: 25,
            error_code: ErrorCode::COORDINATOR_LOAD_IN_PROGRESS,
            unknown_state_filters: vec!["Hanging".into()],
            transaction_states: vec![
                TransactionState {
                    transactional_id: "payments-txn".into(),
                    producer_id: 4_321,
                    transaction_state: "Ongoing".into(),
                },
                TransactionState {
                    transactional_id: "billing-txn".into(),
                    producer_id: 9_000,
                    transaction_state: "CompleteCommit".into(),
                },
            ],
        }
    }

    #[test]
    fn test_list_transactions_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
            assert_round_trips(&ListTransactionsRequest::default(), [version]);
            assert_round_trips(&sample_response(), [version]);
            assert_round_trips(&ListTransactionsResponse::default(), [version]);
        }
    }

    #[test]
    fn test_list_transactions_request_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x02, // state_filters: 1 (compact)
            0x08, b'O', b'n', b'g', b'o', b'i', b'n', b'g', // "Ongoing"
            0x02, // producer_id_filters: 1
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // 1000
            0x00, // tagged fields
        ];
        let request = ListTransactionsRequest {
            state_filters: vec!["Ongoing".into()],
            producer_id_filters: vec![1000],
            duration_filter: -1,
        };
        assert_golden(&request, 0, &bytes);
    }

    #[test]
    fn test_list_transactions_request_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x01, // state_filters: 0 (compact)
            0x01, // producer_id_filters: 0
            0, 0, 0, 0, 0, 0x36, 0xee, 0x80, // duration_filter: 3600000
            0x00, // tagged fields
        ];
        let request = ListTransactionsRequest {
            state_filters: Vec::new(),
            producer_id_filters: Vec::new(),
            duration_filter: 3_600_000,
        };
        assert_golden(&request, 1, &bytes);
    }

    #[test]
    fn test_list_transactions_response_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, // error_code: NONE
            0x02, // unknown_state_filters: 1 (compact)
            0x02, b'x', // "x"
            0x02, // transaction_states: 1
            0x03, b't', b'x', // transactional_id: "tx"
            0, 0, 0, 0, 0, 0, 0x00, 0x07, // producer_id: 7
            0x06, b'E', b'm', b'p', b't', b'y', // transaction_state: "Empty"
            0x00, // state tagged fields
            0x00, // response tagged fields
        ];
        let response = ListTransactionsResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            unknown_state_filters: vec!["x".into()],
            transaction_states: vec![TransactionState {
                transactional_id: "tx".into(),
                producer_id: 7,
                transaction_state: "Empty".into(),
            }],
        };
        assert_golden(&response, 1, &bytes);
    }

    #[test]
    fn test_list_transactions_v0_request_decodes_no_duration_filter() {
        let bytes = [0x01, 0x01, 0x00]; // no state filters, no producer filters, no tags
        let request: ListTransactionsRequest = decode_exact(&bytes, 0);
        assert_eq!(request, ListTransactionsRequest::default());
        assert_eq!(request.duration_filter, -1);
    }

    #[test]
    fn test_list_transactions_min_size_matches_the_smallest_encoding() {
        assert_eq!(
            written_len(|w| TransactionState::default().write(w, true)),
            TransactionState::MIN_SIZE
        );
    }

    proptest! {
        #[test]
        fn test_list_transactions_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<ListTransactionsRequest>(&bytes, [version]);
            decode_without_panicking::<ListTransactionsResponse>(&bytes, [version]);
        }

        #[test]
        fn test_list_transactions_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(version), version),
                encode_to_vec(&sample_response(), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<ListTransactionsRequest>(&bytes, [version]);
                decode_without_panicking::<ListTransactionsResponse>(&bytes, [version]);
            }
        }
    }
}
