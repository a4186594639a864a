//! WriteTxnMarkers (key 27): a transaction coordinator asks partition leaders to write
//! the commit or abort markers that end transactions.
//!
//! Fjord's coordinator writes markers in-process; the bodies are here for tools and
//! for completeness of the wire format.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 is flexible; the fields never change.
pub const VERSIONS: RangeInclusive<i16> = 0..=1;
const FLEXIBLE: i16 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteTxnMarkersRequest {
    pub markers: Vec<WritableTxnMarker>,
}

/// The end of one producer's transaction, to be marked in each listed partition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WritableTxnMarker {
    pub producer_id: i64,
    pub producer_epoch: i16,
    /// True for a commit marker, false for an abort marker.
    pub transaction_result: bool,
    pub topics: Vec<WritableTxnMarkerTopic>,
    /// The epoch of the coordinator's `__transaction_state` partition, written into
    /// the marker so that a stale coordinator's markers can be told apart.
    pub coordinator_epoch: i32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WritableTxnMarkerTopic {
    pub name: String,
    pub partition_indexes: Vec<i32>,
}

impl WritableTxnMarkerTopic {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            name: r.string(flexible)?.to_owned(),
            partition_indexes: r.array(flexible, 4, |r| r.i32())?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.array(flexible, &self.partition_indexes, |w, p| w.i32(*p));
        w.empty_tagged_fields(flexible);
    }
}

impl WritableTxnMarker {
    /// An int64, an int16, a bool, an array, an int32 (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        8 + 2 + 1 + array_min(flexible) + 4 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let marker = Self {
            producer_id: r.i64()?,
            producer_epoch: r.i16()?,
            transaction_result: r.bool()?,
            topics: r.array(flexible, WritableTxnMarkerTopic::min_size(flexible), |r| {
                WritableTxnMarkerTopic::read(r, flexible)
            })?,
            coordinator_epoch: r.i32()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(marker)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i64(self.producer_id);
        w.i16(self.producer_epoch);
        w.bool(self.transaction_result);
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.i32(self.coordinator_epoch);
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for WriteTxnMarkersRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let request = Self {
            markers: r.array(flexible, WritableTxnMarker::min_size(flexible), |r| {
                WritableTxnMarker::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for WriteTxnMarkersRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.markers, |w, marker| {
            marker.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteTxnMarkersResponse {
    pub markers: Vec<WritableTxnMarkerResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WritableTxnMarkerResult {
    pub producer_id: i64,
    pub topics: Vec<WritableTxnMarkerTopicResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WritableTxnMarkerTopicResult {
    pub name: String,
    pub partitions: Vec<WritableTxnMarkerPartitionResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WritableTxnMarkerPartitionResult {
    pub partition_index: i32,
    pub error_code: ErrorCode,
}

impl Default for WritableTxnMarkerPartitionResult {
    fn default() -> Self {
        Self {
            partition_index: 0,
            error_code: ErrorCode::NONE,
        }
    }
}

impl WritableTxnMarkerPartitionResult {
    /// An int32, an int16 (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        4 + 2 + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let result = Self {
            partition_index: r.i32()?,
            error_code: ErrorCode(r.i16()?),
        };
        r.skip_tagged_fields(flexible)?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i32(self.partition_index);
        w.i16(self.error_code.0);
        w.empty_tagged_fields(flexible);
    }
}

impl WritableTxnMarkerTopicResult {
    /// A string, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        string_min(flexible) + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let result = Self {
            name: r.string(flexible)?.to_owned(),
            partitions: r.array(
                flexible,
                WritableTxnMarkerPartitionResult::min_size(flexible),
                |r| WritableTxnMarkerPartitionResult::read(r, flexible),
            )?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.string(flexible, &self.name);
        w.array(flexible, &self.partitions, |w, p| p.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

impl WritableTxnMarkerResult {
    /// An int64, an array (and tagged fields).
    fn min_size(flexible: bool) -> usize {
        8 + array_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let result = Self {
            producer_id: r.i64()?,
            topics: r.array(
                flexible,
                WritableTxnMarkerTopicResult::min_size(flexible),
                |r| WritableTxnMarkerTopicResult::read(r, flexible),
            )?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(result)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.i64(self.producer_id);
        w.array(flexible, &self.topics, |w, topic| topic.write(w, flexible));
        w.empty_tagged_fields(flexible);
    }
}

impl Encode for WriteTxnMarkersResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.markers, |w, marker| {
            marker.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for WriteTxnMarkersResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            markers: r.array(flexible, WritableTxnMarkerResult::min_size(flexible), |r| {
                WritableTxnMarkerResult::read(r, flexible)
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

    fn sample_request() -> WriteTxnMarkersRequest {
        WriteTxnMarkersRequest {
            markers: vec![
                WritableTxnMarker {
                    producer_id: 4_321,
                    producer_epoch: 12,
                    transaction_result: true,
                    topics: vec![
                        WritableTxnMarkerTopic {
                            name: "orders".into(),
                            partition_indexes: vec![0, 3],
                        },
                        WritableTxnMarkerTopic {
                            name: "__consumer_offsets".into(),
                            partition_indexes: vec![17],
                        },
                    ],
                    coordinator_epoch: 5,
                },
                WritableTxnMarker {
                    producer_id: 9_000,
                    producer_epoch: 1,
                    transaction_result: false,
                    topics: Vec::new(),
                    coordinator_epoch: 5,
                },
            ],
        }
    }

    fn sample_response() -> WriteTxnMarkersResponse {
        WriteTxnMarkersResponse {
            markers: vec![
                WritableTxnMarkerResult {
                    producer_id: 4_321,
                    topics: vec![WritableTxnMarkerTopicResult {
                        name: "orders".into(),
                        partitions: vec![
                            WritableTxnMarkerPartitionResult {
                                partition_index: 0,
                                error_code: ErrorCode::NONE,
                            },
                            WritableTxnMarkerPartitionResult {
                                partition_index: 3,
                                error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
                            },
                        ],
                    }],
                },
                WritableTxnMarkerResult {
                    producer_id: 9_000,
                    topics: Vec::new(),
                },
            ],
        }
    }

    #[test]
    fn test_write_txn_markers_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(), [version]);
            assert_round_trips(&WriteTxnMarkersRequest::default(), [version]);
            assert_round_trips(&sample_response(), [version]);
            assert_round_trips(&WriteTxnMarkersResponse::default(), [version]);
        }
    }

    #[test]
    fn test_write_txn_markers_request_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x01, // markers: 1
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x02, // producer_epoch: 2
            0x01, // transaction_result: true (commit)
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partition_indexes: 1
            0x00, 0x00, 0x00, 0x04, // 4
            0x00, 0x00, 0x00, 0x09, // coordinator_epoch: 9
        ];
        let request = WriteTxnMarkersRequest {
            markers: vec![WritableTxnMarker {
                producer_id: 1000,
                producer_epoch: 2,
                transaction_result: true,
                topics: vec![WritableTxnMarkerTopic {
                    name: "t".into(),
                    partition_indexes: vec![4],
                }],
                coordinator_epoch: 9,
            }],
        };
        assert_golden(&request, 0, &bytes);
    }

    #[test]
    fn test_write_txn_markers_request_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x02, // markers: 1 (compact)
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x02, // producer_epoch: 2
            0x00, // transaction_result: false (abort)
            0x02, // topics: 1
            0x02, b't', // name: "t"
            0x03, // partition_indexes: 2
            0x00, 0x00, 0x00, 0x04, // 4
            0x00, 0x00, 0x00, 0x06, // 6
            0x00, // topic tagged fields
            0x00, 0x00, 0x00, 0x09, // coordinator_epoch: 9
            0x00, // marker tagged fields
            0x00, // request tagged fields
        ];
        let request = WriteTxnMarkersRequest {
            markers: vec![WritableTxnMarker {
                producer_id: 1000,
                producer_epoch: 2,
                transaction_result: false,
                topics: vec![WritableTxnMarkerTopic {
                    name: "t".into(),
                    partition_indexes: vec![4, 6],
                }],
                coordinator_epoch: 9,
            }],
        };
        assert_golden(&request, 1, &bytes);
    }

    fn golden_response() -> WriteTxnMarkersResponse {
        WriteTxnMarkersResponse {
            markers: vec![WritableTxnMarkerResult {
                producer_id: 1000,
                topics: vec![WritableTxnMarkerTopicResult {
                    name: "t".into(),
                    partitions: vec![WritableTxnMarkerPartitionResult {
                        partition_index: 4,
                        error_code: ErrorCode::CORRUPT_MESSAGE,
                    }],
                }],
            }],
        }
    }

    #[test]
    fn test_write_txn_markers_response_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x00, 0x00, 0x01, // markers: 1
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x00, 0x00, 0x00, 0x01, // topics: 1
            0x00, 0x01, b't', // name: "t"
            0x00, 0x00, 0x00, 0x01, // partitions: 1
            0x00, 0x00, 0x00, 0x04, // partition_index: 4
            0x00, 0x02, // error_code: CORRUPT_MESSAGE (2)
        ];
        assert_golden(&golden_response(), 0, &bytes);
    }

    #[test]
    fn test_write_txn_markers_response_v1_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x02, // markers: 1 (compact)
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // producer_id: 1000
            0x02, // topics: 1
            0x02, b't', // name: "t"
            0x02, // partitions: 1
            0x00, 0x00, 0x00, 0x04, // partition_index: 4
            0x00, 0x02, // error_code: CORRUPT_MESSAGE (2)
            0x00, // partition tagged fields
            0x00, // topic tagged fields
            0x00, // marker tagged fields
            0x00, // response tagged fields
        ];
        assert_golden(&golden_response(), 1, &bytes);
    }

    #[test]
    fn test_write_txn_markers_decoder_skips_unknown_tagged_fields() {
        #[rustfmt::skip]
        let bytes = [
            0x02, // markers: 1
            0, 0, 0, 0, 0, 0, 0, 0x01, // producer_id: 1
            0x01, // topics: 0
            0x01, // one tagged field in the marker
            0x02, 0x01, 0x00, // tag 2, one byte
            0x00, // response tagged fields
        ];
        let response: WriteTxnMarkersResponse = decode_exact(&bytes, 1);
        assert_eq!(
            response,
            WriteTxnMarkersResponse {
                markers: vec![WritableTxnMarkerResult {
                    producer_id: 1,
                    topics: Vec::new(),
                }],
            }
        );
    }

    #[test]
    fn test_write_txn_markers_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let flexible = version >= FLEXIBLE;
            let sizes = [
                (
                    written_len(|w| WritableTxnMarker::default().write(w, flexible)),
                    WritableTxnMarker::min_size(flexible),
                ),
                (
                    written_len(|w| WritableTxnMarkerTopic::default().write(w, flexible)),
                    WritableTxnMarkerTopic::min_size(flexible),
                ),
                (
                    written_len(|w| WritableTxnMarkerResult::default().write(w, flexible)),
                    WritableTxnMarkerResult::min_size(flexible),
                ),
                (
                    written_len(|w| WritableTxnMarkerTopicResult::default().write(w, flexible)),
                    WritableTxnMarkerTopicResult::min_size(flexible),
                ),
                (
                    written_len(|w| WritableTxnMarkerPartitionResult::default().write(w, flexible)),
                    WritableTxnMarkerPartitionResult::min_size(flexible),
                ),
            ];
            for (written, min) in sizes {
                assert_eq!(written, min, "v{version}");
            }
        }
    }

    proptest! {
        #[test]
        fn test_write_txn_markers_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<WriteTxnMarkersRequest>(&bytes, [version]);
            decode_without_panicking::<WriteTxnMarkersResponse>(&bytes, [version]);
        }

        #[test]
        fn test_write_txn_markers_decode_never_panics_on_damaged_messages(
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
                decode_without_panicking::<WriteTxnMarkersRequest>(&bytes, [version]);
                decode_without_panicking::<WriteTxnMarkersResponse>(&bytes, [version]);
            }
        }
    }
}
