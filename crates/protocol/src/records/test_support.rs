//! Fixtures shared by the record tests: arbitrary records, batches built from them
//! with every codec, and decoding a whole batch.

use proptest::prelude::*;

use super::{BatchRecords, Record, RecordBatchBuilder, RecordError};
use crate::compression::CompressionType;
use crate::record_batch::RecordBatch;

const ALL_CODECS: [CompressionType; 5] = [
    CompressionType::None,
    CompressionType::Gzip,
    CompressionType::Snappy,
    CompressionType::Lz4,
    CompressionType::Zstd,
];

/// An owned record, to compare what was appended with what was decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestRecord {
    pub offset_gap: i32,
    pub timestamp_delta: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

fn bytes_strategy() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..40),
        proptest::collection::vec(0u8..2, 0..400),
    ]
}

pub fn record_strategy() -> impl Strategy<Value = TestRecord> {
    (
        1i32..1_000,
        -1_000_000i64..1_000_000,
        proptest::option::of(bytes_strategy()),
        proptest::option::of(bytes_strategy()),
        proptest::collection::vec(
            (
                proptest::collection::vec(any::<u8>(), 0..10),
                proptest::option::of(bytes_strategy()),
            ),
            0..4,
        ),
    )
        .prop_map(
            |(offset_gap, timestamp_delta, key, value, headers)| TestRecord {
                offset_gap,
                timestamp_delta,
                key,
                value,
                headers,
            },
        )
}

pub fn codec_strategy() -> impl Strategy<Value = CompressionType> {
    proptest::sample::select(ALL_CODECS.to_vec())
}

/// Builds a batch; returns it with the (offset delta, timestamp) of each record.
pub fn build(
    codec: CompressionType,
    base_offset: i64,
    base_timestamp: i64,
    records: &[TestRecord],
) -> (Vec<u8>, Vec<(i32, i64)>) {
    let mut builder = RecordBatchBuilder::new(codec, base_offset, base_timestamp);
    let mut positions = Vec::new();
    let mut offset_delta = -1;
    for record in records {
        offset_delta += record.offset_gap;
        let timestamp = base_timestamp + record.timestamp_delta;
        let headers: Vec<(&[u8], Option<&[u8]>)> = record
            .headers
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_deref()))
            .collect();
        builder.append(
            offset_delta,
            timestamp,
            record.key.as_deref(),
            record.value.as_deref(),
            &headers,
        );
        positions.push((offset_delta, timestamp));
    }
    (builder.build().expect("build"), positions)
}

pub fn decode_all(bytes: &[u8]) -> Result<Vec<Record<'static>>, RecordError> {
    // Leaks are fine in tests and keep the borrow checker out of the assertions.
    let bytes: &'static [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
    let batch = RecordBatch::parse_exact(bytes).expect("parse");
    let records: &'static BatchRecords<'static> =
        Box::leak(Box::new(BatchRecords::decode(&batch)?));
    records.iter().collect()
}
