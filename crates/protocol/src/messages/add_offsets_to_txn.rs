//! AddOffsetsToTxn (key 25): a transactional producer asks its transaction coordinator
//! to add a consumer group's offsets partition to the transaction, before it commits
//! offsets with TxnOffsetCommit (sent to the group coordinator).

use std::ops::RangeInclusive;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 is throttled after the response, 2 may answer PRODUCER_FENCED, 3 is flexible, 4
/// may answer TRANSACTION_ABORTABLE (KIP-890); the fields never change.
pub const VERSIONS: RangeInclusive<i16> = 0..=4;
const FLEXIBLE: i16 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddOffsetsToTxnRequest {
    pub transactional_id: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// The group whose `__consumer_offsets` partition joins the transaction.
    pub group_id: String,
}

impl Decode for AddOffsetsToTxnRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let request = Self {
            transactional_id: r.string(flexible)?.to_owned(),
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
            group_id: r.string(flexible)?.to_owned(),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for AddOffsetsToTxnRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.transactional_id);
        w.i64(self.producer_id);
        w.i16(self.producer_epoch);
        w.string(flexible, &self.group_id);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddOffsetsToTxnResponse {
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
}

impl Default for AddOffsetsToTxnResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
        }
    }
}

impl Encode for AddOffsetsToTxnResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.i16(self.error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for AddOffsetsToTxnResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            throttle_time_ms: r.i32()?,
            error_code: ErrorCode(r.i16()?),
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
        encode_to_vec,
    };

    fn sample_request() -> AddOffsetsToTxnRequest {
        AddOffsetsToTxnRequest {
            transactional_id: "payments-txn".into(),
            producer_id: 4_321,
            producer_epoch: 12,
            group_id: "billing".into(),
        }
    }

    fn sample_response(version: i16) -> AddOffsetsToTxnResponse {
        AddOffsetsToTxnResponse {
            throttle_time_ms: 15,
            error_code: if version >= 2 {
                ErrorCode::PRODUCER_FENCED
            } else {
                ErrorCode::INVALID_PRODUCER_EPOCH
            },
        }
    }

    #[test]
    fn test_add_offsets_to_txn_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(), [version]);
            assert_round_trips(&AddOffsetsToTxnRequest::default(), [version]);
            assert_round_trips(&sample_response(version), [version]);
            assert_round_trips(&AddOffsetsToTxnResponse::default(), [version]);
        }
    }

    #[test]
    fn test_add_offsets_to_txn_request_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x02, b't', b'x', // transactional_id: "tx"
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x03, // producer_epoch: 3
            0x00, 0x01, b'g', // group_id: "g"
        ];
        let request = AddOffsetsToTxnRequest {
            transactional_id: "tx".into(),
            producer_id: 1000,
            producer_epoch: 3,
            group_id: "g".into(),
        };
        assert_golden(&request, 1, &bytes);
    }

    #[test]
    fn test_add_offsets_to_txn_request_v4_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, b't', b'x', // transactional_id: "tx" (compact)
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x03, // producer_epoch: 3
            0x02, b'g', // group_id: "g"
            0x00, // tagged fields
        ];
        let request = AddOffsetsToTxnRequest {
            transactional_id: "tx".into(),
            producer_id: 1000,
            producer_epoch: 3,
            group_id: "g".into(),
        };
        assert_golden(&request, 4, &bytes);
    }

    #[test]
    fn test_add_offsets_to_txn_response_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x1e, // error_code: GROUP_AUTHORIZATION_FAILED (30)
        ];
        let response = AddOffsetsToTxnResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::GROUP_AUTHORIZATION_FAILED,
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_add_offsets_to_txn_response_v3_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x05, // throttle_time_ms: 5
            0x00, 0x5a, // error_code: PRODUCER_FENCED (90)
            0x00, // tagged fields
        ];
        let response = AddOffsetsToTxnResponse {
            throttle_time_ms: 5,
            error_code: ErrorCode::PRODUCER_FENCED,
        };
        assert_golden(&response, 3, &bytes);
    }

    #[test]
    fn test_add_offsets_to_txn_decoder_skips_unknown_tagged_fields() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, // error_code: NONE
            0x01, // one tagged field
            0x03, 0x01, 0xff, // tag 3, one byte
        ];
        let response: AddOffsetsToTxnResponse = decode_exact(&bytes, 4);
        assert_eq!(response, AddOffsetsToTxnResponse::default());
    }

    proptest! {
        #[test]
        fn test_add_offsets_to_txn_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
            version in VERSIONS,
        ) {
            decode_without_panicking::<AddOffsetsToTxnRequest>(&bytes, [version]);
            decode_without_panicking::<AddOffsetsToTxnResponse>(&bytes, [version]);
        }

        #[test]
        fn test_add_offsets_to_txn_decode_never_panics_on_damaged_messages(
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
                decode_without_panicking::<AddOffsetsToTxnRequest>(&bytes, [version]);
                decode_without_panicking::<AddOffsetsToTxnResponse>(&bytes, [version]);
            }
        }
    }
}
