//! InitProducerId (key 22): a producer id and epoch for an idempotent or transactional
//! producer.

use std::ops::RangeInclusive;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 3 lets a producer resume its id after INVALID_PRODUCER_EPOCH (KIP-360), 4 adds
/// PRODUCER_FENCED, 5 TRANSACTION_ABORTABLE (KIP-890).
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitProducerIdRequest {
    /// Null for an idempotent producer that is not transactional.
    pub transactional_id: Option<String>,
    /// How long the coordinator waits before aborting an idle transaction.
    pub transaction_timeout_ms: i32,
    /// The producer's current id, or -1 (v3+).
    pub producer_id: i64,
    /// The producer's current epoch, or -1 (v3+).
    pub producer_epoch: i16,
}

impl Default for InitProducerIdRequest {
    fn default() -> Self {
        Self {
            transactional_id: None,
            transaction_timeout_ms: 0,
            producer_id: -1,
            producer_epoch: -1,
        }
    }
}

impl Decode for InitProducerIdRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self {
            transactional_id: r.nullable_string(flexible)?.map(str::to_owned),
            transaction_timeout_ms: r.i32()?,
            ..Default::default()
        };
        if version >= 3 {
            request.producer_id = r.i64()?;
            request.producer_epoch = r.i16()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for InitProducerIdRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.nullable_string(flexible, self.transactional_id.as_deref());
        w.i32(self.transaction_timeout_ms);
        if version >= 3 {
            w.i64(self.producer_id);
            w.i16(self.producer_epoch);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitProducerIdResponse {
    pub throttle_time_ms: i32,
    pub error_code: ErrorCode,
    /// -1 on error.
    pub producer_id: i64,
    /// -1 on error.
    pub producer_epoch: i16,
}

impl Default for InitProducerIdResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            producer_id: -1,
            producer_epoch: -1,
        }
    }
}

impl Encode for InitProducerIdResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.i16(self.error_code.0);
        w.i64(self.producer_id);
        w.i16(self.producer_epoch);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for InitProducerIdResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            throttle_time_ms: r.i32()?,
            error_code: ErrorCode(r.i16()?),
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
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
        assert_round_trips, decode_exact, decode_without_panicking, encode_to_vec,
    };

    fn sample_request(version: i16) -> InitProducerIdRequest {
        InitProducerIdRequest {
            transactional_id: Some("payments-txn".into()),
            transaction_timeout_ms: 60_000,
            producer_id: if version >= 3 { 4_321 } else { -1 },
            producer_epoch: if version >= 3 { 12 } else { -1 },
        }
    }

    fn sample_response() -> InitProducerIdResponse {
        InitProducerIdResponse {
            throttle_time_ms: 15,
            error_code: ErrorCode::CONCURRENT_TRANSACTIONS,
            producer_id: 4_322,
            producer_epoch: 13,
        }
    }

    #[test]
    fn test_init_producer_id_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
            assert_round_trips(
                &InitProducerIdRequest {
                    transactional_id: None,
                    ..sample_request(version)
                },
                [version],
            );
            assert_round_trips(&sample_response(), [version]);
        }
    }

    #[test]
    fn test_init_producer_id_request_v0_golden() {
        let bytes = [
            0xff, 0xff, // transactional_id: null
            0x00, 0x00, 0xea, 0x60, // transaction_timeout_ms: 60000
        ];
        let request: InitProducerIdRequest = decode_exact(&bytes, 0);
        assert_eq!(
            request,
            InitProducerIdRequest {
                transactional_id: None,
                transaction_timeout_ms: 60_000,
                producer_id: -1,
                producer_epoch: -1,
            }
        );
    }

    #[test]
    fn test_init_producer_id_request_v3_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, b't', b'x', // transactional_id: "tx" (compact)
            0x00, 0x00, 0xea, 0x60, // transaction_timeout_ms: 60000
            0, 0, 0, 0, 0, 0, 0, 5, // producer_id: 5
            0x00, 0x01, // producer_epoch: 1
            0x00, // tagged fields
        ];
        let request: InitProducerIdRequest = decode_exact(&bytes, 3);
        assert_eq!(
            request,
            InitProducerIdRequest {
                transactional_id: Some("tx".into()),
                transaction_timeout_ms: 60_000,
                producer_id: 5,
                producer_epoch: 1,
            }
        );
    }

    #[test]
    fn test_init_producer_id_response_v0_golden() {
        let response = InitProducerIdResponse {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            producer_id: 1000,
            producer_epoch: 0,
        };
        #[rustfmt::skip]
        let expected = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, // error_code: NONE
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x00, // producer_epoch: 0
        ];
        assert_eq!(encode_to_vec(&response, 0), expected);
    }

    #[test]
    fn test_init_producer_id_response_v4_golden() {
        let response = InitProducerIdResponse {
            error_code: ErrorCode::PRODUCER_FENCED,
            producer_epoch: -1,
            ..Default::default()
        };
        #[rustfmt::skip]
        let expected = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x5a, // error_code: PRODUCER_FENCED (90)
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producer_id: -1
            0xff, 0xff, // producer_epoch: -1
            0x00, // tagged fields
        ];
        assert_eq!(encode_to_vec(&response, 4), expected);
    }

    proptest! {
        #[test]
        fn test_init_producer_id_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..64),
            version in VERSIONS,
        ) {
            decode_without_panicking::<InitProducerIdRequest>(&bytes, [version]);
            decode_without_panicking::<InitProducerIdResponse>(&bytes, [version]);
        }
    }
}
