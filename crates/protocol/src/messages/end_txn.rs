//! EndTxn (key 26): a transactional producer asks its transaction coordinator to
//! commit or abort the ongoing transaction; the coordinator then writes the markers.
//!
//! From v5 (KIP-890 part 2, "transactions V2") the coordinator bumps the producer
//! epoch at the end of every transaction and answers with the id and epoch the
//! producer goes on with; below v5 they are absent and decode as -1, Kafka's default.

use std::ops::RangeInclusive;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 is throttled after the response, 2 may answer PRODUCER_FENCED, 3 is flexible, 4
/// TRANSACTION_ABORTABLE (KIP-890), 5 returns the producer id and epoch (KIP-890).
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndTxnRequest {
    pub transactional_id: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// True to commit the transaction, false to abort it.
    pub committed: bool,
}

impl Decode for EndTxnRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let request = Self {
            transactional_id: r.string(flexible)?.to_owned(),
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
            committed: r.bool()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for EndTxnRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.transactional_id);
        w.i64(self.producer_id);
        w.i16(self.producer_epoch);
        w.bool(self.committed);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndTxnResponse {
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    /// The producer id to use for the next transaction, -1 on error (v5+).
    pub producer_id: i64,
    /// The (bumped) epoch to use for the next transaction, -1 on error (v5+).
    pub producer_epoch: i16,
}

impl Default for EndTxnResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            producer_id: -1,
            producer_epoch: -1,
        }
    }
}

impl Encode for EndTxnResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.i16(self.error_code.0);
        if version >= 5 {
            w.i64(self.producer_id);
            w.i16(self.producer_epoch);
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for EndTxnResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self {
            throttle_time_ms: r.i32()?,
            error_code: ErrorCode(r.i16()?),
            ..Default::default()
        };
        if version >= 5 {
            response.producer_id = r.i64()?;
            response.producer_epoch = r.i16()?;
        }
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
        encode_to_vec,
    };

    fn sample_request() -> EndTxnRequest {
        EndTxnRequest {
            transactional_id: "payments-txn".into(),
            producer_id: 4_321,
            producer_epoch: 12,
            committed: true,
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> EndTxnResponse {
        EndTxnResponse {
            throttle_time_ms: 15,
            error_code: if version >= 2 {
                ErrorCode::PRODUCER_FENCED
            } else {
                ErrorCode::INVALID_TXN_STATE
            },
            producer_id: if version >= 5 { 4_321 } else { -1 },
            producer_epoch: if version >= 5 { 13 } else { -1 },
        }
    }

    #[test]
    fn test_end_txn_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(), [version]);
            assert_round_trips(
                &EndTxnRequest {
                    committed: false,
                    ..sample_request()
                },
                [version],
            );
            assert_round_trips(&sample_response(version), [version]);
            assert_round_trips(&EndTxnResponse::default(), [version]);
        }
    }

    #[test]
    fn test_end_txn_request_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x02, b't', b'x', // transactional_id: "tx"
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x03, // producer_epoch: 3
            0x01, // committed: true
        ];
        let request = EndTxnRequest {
            transactional_id: "tx".into(),
            producer_id: 1000,
            producer_epoch: 3,
            committed: true,
        };
        assert_golden(&request, 0, &bytes);
    }

    #[test]
    fn test_end_txn_request_v5_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, b't', b'x', // transactional_id: "tx" (compact)
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x03, // producer_epoch: 3
            0x00, // committed: false (abort)
            0x00, // tagged fields
        ];
        let request = EndTxnRequest {
            transactional_id: "tx".into(),
            producer_id: 1000,
            producer_epoch: 3,
            committed: false,
        };
        assert_golden(&request, 5, &bytes);
    }

    #[test]
    fn test_end_txn_response_v2_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x30, // error_code: INVALID_TXN_STATE (48)
        ];
        let response = EndTxnResponse {
            error_code: ErrorCode::INVALID_TXN_STATE,
            ..Default::default()
        };
        assert_golden(&response, 2, &bytes);
    }

    #[test]
    fn test_end_txn_response_v4_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x07, // throttle_time_ms: 7
            0x00, 0x33, // error_code: CONCURRENT_TRANSACTIONS (51)
            0x00, // tagged fields
        ];
        let response = EndTxnResponse {
            throttle_time_ms: 7,
            error_code: ErrorCode::CONCURRENT_TRANSACTIONS,
            ..Default::default()
        };
        assert_golden(&response, 4, &bytes);
    }

    #[test]
    fn test_end_txn_response_v5_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, // error_code: NONE
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x04, // producer_epoch: 4
            0x00, // tagged fields
        ];
        let response = EndTxnResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            producer_id: 1000,
            producer_epoch: 4,
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_end_txn_response_below_v5_drops_the_producer_and_decodes_defaults() {
        let response = EndTxnResponse {
            producer_id: 1000,
            producer_epoch: 4,
            ..Default::default()
        };
        let bytes = encode_to_vec(&response, 4);
        assert_eq!(bytes.len(), 4 + 2 + 1);
        assert_eq!(
            decode_exact::<EndTxnResponse>(&bytes, 4),
            EndTxnResponse::default()
        );
    }

    proptest! {
        #[test]
        fn test_end_txn_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
            version in VERSIONS,
        ) {
            decode_without_panicking::<EndTxnRequest>(&bytes, [version]);
            decode_without_panicking::<EndTxnResponse>(&bytes, [version]);
        }

        #[test]
        fn test_end_txn_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<EndTxnRequest>(&bytes, [version]);
                decode_without_panicking::<EndTxnResponse>(&bytes, [version]);
            }
        }
    }
}
