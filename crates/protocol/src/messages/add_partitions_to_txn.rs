//! AddPartitionsToTxn (key 24): a transactional producer tells its transaction
//! coordinator which partitions it is about to write, before the first record goes to
//! each of them.
//!
//! The API has two forms that share nothing but the topic list. Versions 0-3 are the
//! client's: one transaction, its fields at the top level (Kafka's `V3AndBelow*`
//! names). Versions 4+ are broker to broker (KIP-890): a partition leader batches
//! several transactions, each of which may ask only to verify that its partitions are
//! already in the transaction (`verify_only`), and the response groups the results by
//! transaction under a top-level error code. Fields of the other form are not written
//! and keep Kafka's defaults (empty strings and lists, zero ids, NONE).

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 is throttled after the response, 2 may answer PRODUCER_FENCED, 3 is flexible, 4 is
/// the batched broker-to-broker form (KIP-890), 5 may answer TRANSACTION_ABORTABLE.
pub const VERSIONS: RangeInclusive<i16> = 0..=5;
const FLEXIBLE: i16 = 3;
/// The first version of the batched broker-to-broker form.
pub const FIRST_BATCHED_VERSION: i16 = 4;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddPartitionsToTxnRequest {
    /// The transactions to add partitions to (v4+).
    pub transactions: Vec<AddPartitionsToTxnTransaction>,
    /// The one transaction of a client request (v0-3).
    pub v3_and_below_transactional_id: String,
    /// Its producer id (v0-3).
    pub v3_and_below_producer_id: i64,
    /// Its producer epoch (v0-3).
    pub v3_and_below_producer_epoch: i16,
    /// The partitions to add to it (v0-3).
    pub v3_and_below_topics: Vec<AddPartitionsToTxnTopic>,
}

/// One transaction of a batched (v4+) request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddPartitionsToTxnTransaction {
    pub transactional_id: String,
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// Only check that the partitions are already in the transaction, adding none.
    pub verify_only: bool,
    pub topics: Vec<AddPartitionsToTxnTopic>,
}

/// A topic and the partition indexes of it to add (both forms).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddPartitionsToTxnTopic {
    pub name: String,
    pub partitions: Vec<i32>,
}

impl AddPartitionsToTxnTopic {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            name: r.string(flexible)?.to_owned(),
            partitions: r.array(flexible, 4, |r| r.i32())?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.array(flexible, &self.partitions, |w, p| w.i32(*p));
        w.empty_tagged_fields(flexible);
    }
}

fn read_topics(
    r: &mut Reader<'_>,
    flexible: bool,
) -> Result<Vec<AddPartitionsToTxnTopic>, DecodeError> {
    r.array(flexible, AddPartitionsToTxnTopic::min_size(flexible), |r| {
        AddPartitionsToTxnTopic::read(r, flexible)
    })
}

impl AddPartitionsToTxnTransaction {
    /// A string, an int64, an int16, a bool, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + 8 + 2 + 1 + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let transaction = Self {
            transactional_id: r.string(flexible)?.to_owned(),
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
            verify_only: r.bool()?,
            topics: read_topics(r, flexible)?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(transaction)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.transactional_id);
        w.i64(self.producer_id);
        w.i16(self.producer_epoch);
        w.bool(self.verify_only);
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for AddPartitionsToTxnRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        if version >= FIRST_BATCHED_VERSION {
            request.transactions = r.array(
                flexible,
                AddPartitionsToTxnTransaction::min_size(flexible),
                |r| AddPartitionsToTxnTransaction::read(r, flexible),
            )?;
        } else {
            request.v3_and_below_transactional_id = r.string(flexible)?.to_owned();
            request.v3_and_below_producer_id = r.i64()?;
            request.v3_and_below_producer_epoch = r.i16()?;
            request.v3_and_below_topics = read_topics(r, flexible)?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for AddPartitionsToTxnRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= FIRST_BATCHED_VERSION {
            w.array(flexible, &self.transactions, |w, transaction| {
                transaction.write(w, flexible)
            });
        } else {
            w.string(flexible, &self.v3_and_below_transactional_id);
            w.i64(self.v3_and_below_producer_id);
            w.i16(self.v3_and_below_producer_epoch);
            w.array(flexible, &self.v3_and_below_topics, |w, topic| {
                topic.write(w, flexible)
            });
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddPartitionsToTxnResponse {
    pub throttle_time_ms: i32,
    /// An error for the whole request, e.g. CLUSTER_AUTHORIZATION_FAILED (v4+).
    pub error_code: ErrorCode,
    /// The results of each transaction (v4+).
    pub results_by_transaction: Vec<AddPartitionsToTxnResult>,
    /// The results of the one transaction (v0-3).
    pub results_by_topic_v3_and_below: Vec<AddPartitionsToTxnTopicResult>,
}

impl Default for AddPartitionsToTxnResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            error_code: ErrorCode::NONE,
            results_by_transaction: Vec::new(),
            results_by_topic_v3_and_below: Vec::new(),
        }
    }
}

/// The results of one transaction of a batched (v4+) request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddPartitionsToTxnResult {
    pub transactional_id: String,
    pub topic_results: Vec<AddPartitionsToTxnTopicResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddPartitionsToTxnTopicResult {
    pub name: String,
    pub results_by_partition: Vec<AddPartitionsToTxnPartitionResult>,
}

/// A partition's outcome. A request-level failure (NOT_COORDINATOR, a fenced epoch) is
/// repeated in every partition, and partitions that were fine while others failed are
/// answered OPERATION_NOT_ATTEMPTED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddPartitionsToTxnPartitionResult {
    pub partition_index: i32,
    pub partition_error_code: ErrorCode,
}

impl Default for AddPartitionsToTxnPartitionResult {
    fn default() -> Self {
        Self {
            partition_index: 0,
            partition_error_code: ErrorCode::NONE,
        }
    }
}

impl AddPartitionsToTxnPartitionResult {
    /// An int32, an int16 (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        4 + 2 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let result = Self {
            partition_index: r.i32()?,
            partition_error_code: ErrorCode(r.i16()?),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i32(self.partition_index);
        w.i16(self.partition_error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

impl AddPartitionsToTxnTopicResult {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let result = Self {
            name: r.string(flexible)?.to_owned(),
            results_by_partition: r.array(
                flexible,
                AddPartitionsToTxnPartitionResult::min_size(flexible),
                |r| AddPartitionsToTxnPartitionResult::read(r, flexible),
            )?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.array(flexible, &self.results_by_partition, |w, p| {
            p.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

fn read_topic_results(
    r: &mut Reader<'_>,
    flexible: bool,
) -> Result<Vec<AddPartitionsToTxnTopicResult>, DecodeError> {
    r.array(
        flexible,
        AddPartitionsToTxnTopicResult::min_size(flexible),
        |r| AddPartitionsToTxnTopicResult::read(r, flexible),
    )
}

impl AddPartitionsToTxnResult {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let result = Self {
            transactional_id: r.string(flexible)?.to_owned(),
            topic_results: read_topic_results(r, flexible)?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.transactional_id);
        w.array(flexible, &self.topic_results, |w, topic| {
            topic.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Encode for AddPartitionsToTxnResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        if version >= FIRST_BATCHED_VERSION {
            w.i16(self.error_code.0);
            w.array(flexible, &self.results_by_transaction, |w, result| {
                result.write(w, flexible)
            });
        } else {
            w.array(flexible, &self.results_by_topic_v3_and_below, |w, topic| {
                topic.write(w, flexible)
            });
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for AddPartitionsToTxnResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self {
            throttle_time_ms: r.i32()?,
            ..Default::default()
        };
        if version >= FIRST_BATCHED_VERSION {
            response.error_code = ErrorCode(r.i16()?);
            response.results_by_transaction = r.array(
                flexible,
                AddPartitionsToTxnResult::min_size(flexible),
                |r| AddPartitionsToTxnResult::read(r, flexible),
            )?;
        } else {
            response.results_by_topic_v3_and_below = read_topic_results(r, flexible)?;
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
        encode_to_vec, written_len,
    };

    const TRANSACTION_ABORTABLE: ErrorCode = ErrorCode(120);

    fn topics() -> Vec<AddPartitionsToTxnTopic> {
        vec![
            AddPartitionsToTxnTopic {
                name: "orders".into(),
                partitions: vec![0, 3, 7],
            },
            AddPartitionsToTxnTopic {
                name: "empty".into(),
                partitions: Vec::new(),
            },
        ]
    }

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> AddPartitionsToTxnRequest {
        if version >= FIRST_BATCHED_VERSION {
            AddPartitionsToTxnRequest {
                transactions: vec![
                    AddPartitionsToTxnTransaction {
                        transactional_id: "payments-txn".into(),
                        producer_id: 4_321,
                        producer_epoch: 12,
                        verify_only: true,
                        topics: topics(),
                    },
                    AddPartitionsToTxnTransaction {
                        transactional_id: "billing-txn".into(),
                        producer_id: 9_000,
                        producer_epoch: 0,
                        verify_only: false,
                        topics: Vec::new(),
                    },
                ],
                ..Default::default()
            }
        } else {
            AddPartitionsToTxnRequest {
                v3_and_below_transactional_id: "payments-txn".into(),
                v3_and_below_producer_id: 4_321,
                v3_and_below_producer_epoch: 12,
                v3_and_below_topics: topics(),
                ..Default::default()
            }
        }
    }

    fn topic_results(error: ErrorCode) -> Vec<AddPartitionsToTxnTopicResult> {
        vec![AddPartitionsToTxnTopicResult {
            name: "orders".into(),
            results_by_partition: vec![
                AddPartitionsToTxnPartitionResult {
                    partition_index: 0,
                    partition_error_code: error,
                },
                AddPartitionsToTxnPartitionResult {
                    partition_index: 3,
                    partition_error_code: ErrorCode::OPERATION_NOT_ATTEMPTED,
                },
            ],
        }]
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> AddPartitionsToTxnResponse {
        let error = match version {
            0..=1 => ErrorCode::INVALID_PRODUCER_EPOCH,
            2..=4 => ErrorCode::PRODUCER_FENCED,
            _ => TRANSACTION_ABORTABLE,
        };
        if version >= FIRST_BATCHED_VERSION {
            AddPartitionsToTxnResponse {
                throttle_time_ms: 25,
                error_code: ErrorCode::NOT_COORDINATOR,
                results_by_transaction: vec![
                    AddPartitionsToTxnResult {
                        transactional_id: "payments-txn".into(),
                        topic_results: topic_results(error),
                    },
                    AddPartitionsToTxnResult {
                        transactional_id: "billing-txn".into(),
                        topic_results: Vec::new(),
                    },
                ],
                ..Default::default()
            }
        } else {
            AddPartitionsToTxnResponse {
                throttle_time_ms: 25,
                results_by_topic_v3_and_below: topic_results(error),
                ..Default::default()
            }
        }
    }

    #[test]
    fn test_add_partitions_to_txn_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
        }
        assert_round_trips(&AddPartitionsToTxnRequest::default(), VERSIONS);
    }

    #[test]
    fn test_add_partitions_to_txn_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&AddPartitionsToTxnResponse::default(), VERSIONS);
    }

    #[test]
    fn test_add_partitions_to_txn_request_v2_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x02, b't', b'x', // v3_and_below_transactional_id: "tx"
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // v3_and_below_producer_id: 1000
            0x00, 0x02, // v3_and_below_producer_epoch: 2
            0x00, 0x00, 0x00, 0x01, // v3_and_below_topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x02, // partitions: 2
            0x00, 0x00, 0x00, 0x00, // 0
            0x00, 0x00, 0x00, 0x03, // 3
        ];
        let request = AddPartitionsToTxnRequest {
            v3_and_below_transactional_id: "tx".into(),
            v3_and_below_producer_id: 1000,
            v3_and_below_producer_epoch: 2,
            v3_and_below_topics: vec![AddPartitionsToTxnTopic {
                name: "t".into(),
                partitions: vec![0, 3],
            }],
            ..Default::default()
        };
        assert_golden(&request, 2, &bytes);
    }

    #[test]
    fn test_add_partitions_to_txn_request_v3_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, b't', b'x', // v3_and_below_transactional_id: "tx" (compact)
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // v3_and_below_producer_id: 1000
            0x00, 0x02, // v3_and_below_producer_epoch: 2
            0x02, // v3_and_below_topics: 1 (compact)
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x05, // 5
            0x00, // topic tagged fields
            0x00, // request tagged fields
        ];
        let request = AddPartitionsToTxnRequest {
            v3_and_below_transactional_id: "tx".into(),
            v3_and_below_producer_id: 1000,
            v3_and_below_producer_epoch: 2,
            v3_and_below_topics: vec![AddPartitionsToTxnTopic {
                name: "t".into(),
                partitions: vec![5],
            }],
            ..Default::default()
        };
        assert_golden(&request, 3, &bytes);
    }

    #[test]
    fn test_add_partitions_to_txn_request_v4_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x02, // transactions: 1 (compact)
            0x03, b't', b'x', // transactional_id: "tx"
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x02, // producer_epoch: 2
            0x01, // verify_only: true
            0x02, // topics: 1
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x05, // 5
            0x00, // topic tagged fields
            0x00, // transaction tagged fields
            0x00, // request tagged fields
        ];
        let request = AddPartitionsToTxnRequest {
            transactions: vec![AddPartitionsToTxnTransaction {
                transactional_id: "tx".into(),
                producer_id: 1000,
                producer_epoch: 2,
                verify_only: true,
                topics: vec![AddPartitionsToTxnTopic {
                    name: "t".into(),
                    partitions: vec![5],
                }],
            }],
            ..Default::default()
        };
        assert_golden(&request, 4, &bytes);
    }

    #[test]
    fn test_add_partitions_to_txn_response_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x00, 0x00, 0x00, 0x01, // results_by_topic_v3_and_below: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // results_by_partition: 1
            0x00, 0x00, 0x00, 0x05, // partition_index: 5
            0x00, 0x33, // partition_error_code: CONCURRENT_TRANSACTIONS (51)
        ];
        let response = AddPartitionsToTxnResponse {
            results_by_topic_v3_and_below: vec![AddPartitionsToTxnTopicResult {
                name: "t".into(),
                results_by_partition: vec![AddPartitionsToTxnPartitionResult {
                    partition_index: 5,
                    partition_error_code: ErrorCode::CONCURRENT_TRANSACTIONS,
                }],
            }],
            ..Default::default()
        };
        assert_golden(&response, 0, &bytes);
    }

    #[test]
    fn test_add_partitions_to_txn_response_v5_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x0a, // throttle_time_ms: 10
            0x00, 0x00, // error_code: NONE
            0x02, // results_by_transaction: 1 (compact)
            0x03, b't', b'x', // transactional_id: "tx"
            0x02, // topic_results: 1
            0x02, b't', // name: "t"
            0x02, // results_by_partition: 1
            0x00, 0x00, 0x00, 0x05, // partition_index: 5
            0x00, 0x78, // partition_error_code: TRANSACTION_ABORTABLE (120)
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // transaction tagged fields
            0x00, // response tagged fields
        ];
        let response = AddPartitionsToTxnResponse {
            throttle_time_ms: 10,
            results_by_transaction: vec![AddPartitionsToTxnResult {
                transactional_id: "tx".into(),
                topic_results: vec![AddPartitionsToTxnTopicResult {
                    name: "t".into(),
                    results_by_partition: vec![AddPartitionsToTxnPartitionResult {
                        partition_index: 5,
                        partition_error_code: TRANSACTION_ABORTABLE,
                    }],
                }],
            }],
            ..Default::default()
        };
        assert_golden(&response, 5, &bytes);
    }

    #[test]
    fn test_add_partitions_to_txn_decoder_skips_unknown_tagged_fields() {
        #[rustfmt::skip]
        let bytes = [
            0x01, // transactions: 0
            0x01, // one tagged field
            0x07, 0x02, 0xab, 0xcd, // tag 7, two bytes
        ];
        let request: AddPartitionsToTxnRequest = decode_exact(&bytes, 4);
        assert_eq!(request, AddPartitionsToTxnRequest::default());
    }

    #[test]
    fn test_add_partitions_to_txn_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let sizes = [
                (
                    written_len(|w| AddPartitionsToTxnTopic::default().write(w, flexible)),
                    AddPartitionsToTxnTopic::min_size(flexible),
                ),
                (
                    written_len(|w| AddPartitionsToTxnTransaction::default().write(w, flexible)),
                    AddPartitionsToTxnTransaction::min_size(flexible),
                ),
                (
                    written_len(|w| AddPartitionsToTxnResult::default().write(w, flexible)),
                    AddPartitionsToTxnResult::min_size(flexible),
                ),
                (
                    written_len(|w| AddPartitionsToTxnTopicResult::default().write(w, flexible)),
                    AddPartitionsToTxnTopicResult::min_size(flexible),
                ),
                (
                    written_len(|w| {
                        AddPartitionsToTxnPartitionResult::default().write(w, flexible)
                    }),
                    AddPartitionsToTxnPartitionResult::min_size(flexible),
                ),
            ];
            for (written, min) in sizes {
                assert_eq!(written, min, "v{version}");
            }
        }
    }

    proptest! {
        #[test]
        fn test_add_partitions_to_txn_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<AddPartitionsToTxnRequest>(&bytes, [version]);
            decode_without_panicking::<AddPartitionsToTxnResponse>(&bytes, [version]);
        }

        #[test]
        fn test_add_partitions_to_txn_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(version), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<AddPartitionsToTxnRequest>(&bytes, [version]);
                decode_without_panicking::<AddPartitionsToTxnResponse>(&bytes, [version]);
            }
        }
    }
}
