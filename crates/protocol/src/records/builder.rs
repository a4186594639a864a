//! [`RecordBatchBuilder`]: encoding records into a new v2 batch, and [`recompress`]
//! and [`simple_batch`], which use it.

use super::{
    BatchRecords, Record, RecordError, COMPRESSION_CODEC_MASK, CONTROL_FLAG_MASK,
    NO_PARTITION_LEADER_EPOCH, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, NO_TIMESTAMP,
    TIMESTAMP_TYPE_MASK, TRANSACTIONAL_FLAG_MASK,
};
use crate::compression::CompressionType;
use crate::record_batch::{BatchHeader, RecordBatch, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD};
use crate::varint::{size_of_varint, size_of_varlong, write_varint, write_varlong};

/// Builds one v2 batch: records are encoded into an uncompressed payload as they are
/// appended, then [`RecordBatchBuilder::build`] compresses it and writes the header.
///
/// The header is derived from what was appended: `recordsCount` counts the records,
/// `lastOffsetDelta` is the last appended offset delta (unless overridden), and
/// `maxTimestamp` is the largest record timestamp ([`NO_TIMESTAMP`] for an empty batch),
/// or the log-append time for LogAppendTime batches. Offset deltas should be appended in
/// increasing order; the builder does not reorder or check them.
///
/// Appending never fails on its own: a field too large for the format is reported by
/// `build`, and the offending record is dropped.
#[derive(Debug, Clone)]
pub struct RecordBatchBuilder {
    compression: CompressionType,
    base_offset: i64,
    base_timestamp: i64,
    partition_leader_epoch: i32,
    /// Attribute flags other than the codec bits.
    flags: i16,
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
    payload: Vec<u8>,
    records_count: usize,
    last_appended_offset_delta: Option<i32>,
    last_offset_delta_override: Option<i32>,
    max_record_timestamp: Option<i64>,
    log_append_time: Option<i64>,
    error: Option<RecordError>,
}

impl RecordBatchBuilder {
    /// An empty batch for a non-idempotent producer, CreateTime, not yet stamped with a
    /// leader epoch. Record timestamps are stored relative to `base_timestamp`.
    pub fn new(compression: CompressionType, base_offset: i64, base_timestamp: i64) -> Self {
        Self {
            compression,
            base_offset,
            base_timestamp,
            partition_leader_epoch: NO_PARTITION_LEADER_EPOCH,
            flags: 0,
            producer_id: NO_PRODUCER_ID,
            producer_epoch: NO_PRODUCER_EPOCH,
            base_sequence: NO_SEQUENCE,
            payload: Vec::new(),
            records_count: 0,
            last_appended_offset_delta: None,
            last_offset_delta_override: None,
            max_record_timestamp: None,
            log_append_time: None,
            error: None,
        }
    }

    /// An empty builder that reproduces `batch`'s header — codec, base offset, base
    /// timestamp, leader epoch, producer id/epoch/base sequence, attribute flags,
    /// `lastOffsetDelta` and, for LogAppendTime, `maxTimestamp` — so that the log cleaner
    /// can rewrite it with a subset of its records via [`RecordBatchBuilder::append_raw`].
    /// Fails only for an unknown codec.
    pub fn from_batch_header(batch: &RecordBatch<'_>) -> Result<Self, RecordError> {
        let attributes = batch.attributes();
        let id = (attributes & COMPRESSION_CODEC_MASK) as u8;
        let codec = CompressionType::from_id(id).ok_or(RecordError::UnknownCompression { id })?;
        let mut builder = Self::new(codec, batch.base_offset(), batch.base_timestamp())
            .with_partition_leader_epoch(batch.partition_leader_epoch())
            .with_producer(
                batch.producer_id(),
                batch.producer_epoch(),
                batch.base_sequence(),
            );
        builder.flags = attributes & !COMPRESSION_CODEC_MASK;
        if batch.is_log_append_time() {
            builder.log_append_time = Some(batch.max_timestamp());
        }
        builder.last_offset_delta_override = Some(batch.last_offset_delta());
        Ok(builder)
    }

    pub fn with_partition_leader_epoch(mut self, epoch: i32) -> Self {
        self.partition_leader_epoch = epoch;
        self
    }

    /// Marks the batch as written by an idempotent or transactional producer.
    pub fn with_producer(
        mut self,
        producer_id: i64,
        producer_epoch: i16,
        base_sequence: i32,
    ) -> Self {
        self.producer_id = producer_id;
        self.producer_epoch = producer_epoch;
        self.base_sequence = base_sequence;
        self
    }

    pub fn with_transactional(mut self, transactional: bool) -> Self {
        self.set_flag(TRANSACTIONAL_FLAG_MASK, transactional);
        self
    }

    /// Marks the batch as holding control records (transaction markers).
    pub fn with_control(mut self, control: bool) -> Self {
        self.set_flag(CONTROL_FLAG_MASK, control);
        self
    }

    /// Makes the batch LogAppendTime with `log_append_time` as its `maxTimestamp`,
    /// whatever the record timestamps are.
    pub fn with_log_append_time(mut self, log_append_time: i64) -> Self {
        self.set_flag(TIMESTAMP_TYPE_MASK, true);
        self.log_append_time = Some(log_append_time);
        self
    }

    fn set_flag(&mut self, mask: i16, on: bool) {
        if on {
            self.flags |= mask;
        } else {
            self.flags &= !mask;
        }
    }

    /// Changes the codec the payload is compressed with at [`RecordBatchBuilder::build`].
    pub fn with_compression(mut self, compression: CompressionType) -> Self {
        self.compression = compression;
        self
    }

    /// Sets `lastOffsetDelta` regardless of the records appended, as compaction does to
    /// keep a batch's offset range when it drops the batch's last records.
    pub fn set_last_offset_delta(&mut self, last_offset_delta: i32) {
        self.last_offset_delta_override = Some(last_offset_delta);
    }

    /// Records appended so far.
    pub fn records_count(&self) -> usize {
        self.records_count
    }

    /// Bytes of the uncompressed records payload so far.
    pub fn payload_size(&self) -> usize {
        self.payload.len()
    }

    /// Encodes a record at `base_offset + offset_delta` with an absolute `timestamp`.
    pub fn append(
        &mut self,
        offset_delta: i32,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(&[u8], Option<&[u8]>)],
    ) {
        if self.error.is_some() {
            return;
        }
        if let Err(err) = self.try_append(offset_delta, timestamp, key, value, headers) {
            self.error = Some(err);
        }
    }

    fn try_append(
        &mut self,
        offset_delta: i32,
        timestamp: i64,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
        headers: &[(&[u8], Option<&[u8]>)],
    ) -> Result<(), RecordError> {
        let timestamp_delta = timestamp.wrapping_sub(self.base_timestamp);
        let key_len = nullable_len("key", key)?;
        let value_len = nullable_len("value", value)?;
        let header_count = i32_len("header count", headers.len())?;
        let mut body = 1
            + size_of_varlong(timestamp_delta)
            + size_of_varint(offset_delta)
            + size_of_varint(key_len)
            + key.map_or(0, <[u8]>::len)
            + size_of_varint(value_len)
            + value.map_or(0, <[u8]>::len)
            + size_of_varint(header_count);
        let mut header_lens = Vec::with_capacity(headers.len());
        for &(header_key, header_value) in headers {
            let key_len = i32_len("header key", header_key.len())?;
            let value_len = nullable_len("header value", header_value)?;
            body = body
                .saturating_add(size_of_varint(key_len) + header_key.len())
                .saturating_add(size_of_varint(value_len) + header_value.map_or(0, <[u8]>::len));
            header_lens.push((key_len, value_len));
        }
        let body_len = i32_len("record", body)?;

        let out = &mut self.payload;
        out.reserve(size_of_varint(body_len) + body);
        write_varint(body_len, out);
        out.push(0);
        write_varlong(timestamp_delta, out);
        write_varint(offset_delta, out);
        write_nullable(key_len, key, out);
        write_nullable(value_len, value, out);
        write_varint(header_count, out);
        for (&(header_key, header_value), &(key_len, value_len)) in headers.iter().zip(&header_lens)
        {
            write_nullable(key_len, Some(header_key), out);
            write_nullable(value_len, header_value, out);
        }
        self.note_record(offset_delta, timestamp);
        Ok(())
    }

    /// Appends `record`'s encoded bytes verbatim. Its deltas are kept, so the builder's
    /// base offset and base timestamp must be those of the batch `record` came from (as
    /// [`RecordBatchBuilder::from_batch_header`] arranges).
    pub fn append_raw(&mut self, record: &Record<'_>) {
        if self.error.is_some() {
            return;
        }
        self.payload.extend_from_slice(record.raw);
        let timestamp = record.timestamp(self.base_timestamp);
        self.note_record(record.offset_delta, timestamp);
    }

    fn note_record(&mut self, offset_delta: i32, timestamp: i64) {
        self.records_count += 1;
        self.last_appended_offset_delta = Some(offset_delta);
        self.max_record_timestamp = Some(
            self.max_record_timestamp
                .map_or(timestamp, |max| max.max(timestamp)),
        );
    }

    /// Compresses the payload and returns the complete batch, CRC included.
    pub fn build(self) -> Result<Vec<u8>, RecordError> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let records_count = i32_len("record count", self.records_count)?;
        let compressed;
        let payload = match self.compression {
            CompressionType::None => &self.payload,
            codec => {
                let mut out = Vec::with_capacity(self.payload.len() / 2);
                codec.compress(&self.payload, &mut out)?;
                compressed = out;
                &compressed
            }
        };
        let max_payload = i32::MAX as usize - (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD);
        if payload.len() > max_payload {
            return Err(RecordError::TooLarge {
                what: "record batch payload",
                size: payload.len(),
            });
        }
        let header = BatchHeader {
            base_offset: self.base_offset,
            partition_leader_epoch: self.partition_leader_epoch,
            attributes: self.flags | self.compression.id() as i16,
            last_offset_delta: self
                .last_offset_delta_override
                .or(self.last_appended_offset_delta)
                .unwrap_or(0),
            base_timestamp: self.base_timestamp,
            max_timestamp: self
                .log_append_time
                .or(self.max_record_timestamp)
                .unwrap_or(NO_TIMESTAMP),
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence: self.base_sequence,
            records_count,
        };
        let mut out = Vec::with_capacity(RECORD_BATCH_OVERHEAD + payload.len());
        header.write(payload, &mut out);
        Ok(out)
    }
}

fn i32_len(what: &'static str, len: usize) -> Result<i32, RecordError> {
    i32::try_from(len).map_err(|_| RecordError::TooLarge { what, size: len })
}

fn nullable_len(what: &'static str, bytes: Option<&[u8]>) -> Result<i32, RecordError> {
    bytes.map_or(Ok(-1), |bytes| i32_len(what, bytes.len()))
}

fn write_nullable(len: i32, bytes: Option<&[u8]>, out: &mut Vec<u8>) {
    write_varint(len, out);
    if let Some(bytes) = bytes {
        out.extend_from_slice(bytes);
    }
}

/// `batch` with its records compressed with `codec` instead (a topic whose
/// `compression.type` names a codec): same header fields, same records, new payload.
pub fn recompress(batch: &RecordBatch<'_>, codec: CompressionType) -> Result<Vec<u8>, RecordError> {
    let records = BatchRecords::decode(batch)?;
    let mut builder = RecordBatchBuilder::from_batch_header(batch)?.with_compression(codec);
    for record in records.iter() {
        builder.append_raw(&record?);
    }
    builder.build()
}

/// A record's key and value, either of which may be null.
pub type KeyValue<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

/// An uncompressed batch of `records` (key, value) at consecutive offsets from
/// `base_offset`, all stamped `timestamp`, without headers or producer state. Meant for
/// tests and benchmarks.
///
/// # Panics
///
/// If the records do not fit in one batch (over 2 GiB).
pub fn simple_batch(base_offset: i64, timestamp: i64, records: &[KeyValue<'_>]) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(CompressionType::None, base_offset, timestamp);
    for (delta, &(key, value)) in (0..).zip(records) {
        builder.append(delta, timestamp, key, value, &[]);
    }
    builder.build().expect("records fit in one batch")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::records::test_support::{build, codec_strategy, decode_all, record_strategy};

    #[test]
    fn test_simple_batch_header() {
        let bytes = simple_batch(
            7,
            42,
            &[(None, Some(b"a")), (Some(b"b"), None), (None, None)],
        );
        let batch = RecordBatch::parse_exact(&bytes).expect("parse");
        batch.validate().expect("valid");
        assert_eq!(batch.base_offset(), 7);
        assert_eq!(batch.last_offset(), 9);
        assert_eq!(batch.records_count(), 3);
        assert_eq!(batch.max_timestamp(), 42);
        assert_eq!(batch.compression(), Some(CompressionType::None));
        assert_eq!(batch.producer_id(), NO_PRODUCER_ID);
        let records = decode_all(&bytes).expect("decode");
        let kvs: Vec<_> = records.iter().map(|r| (r.key, r.value)).collect();
        assert_eq!(
            kvs,
            [
                (None, Some(&b"a"[..])),
                (Some(&b"b"[..]), None),
                (None, None)
            ]
        );
    }

    #[test]
    fn test_builder_empty_batch() {
        let mut builder = RecordBatchBuilder::new(CompressionType::Zstd, 10, 99);
        builder.set_last_offset_delta(4);
        let bytes = builder.build().expect("build");
        let batch = RecordBatch::parse_exact(&bytes).expect("parse");
        batch.validate().expect("valid");
        assert_eq!(batch.records_count(), 0);
        assert_eq!(batch.last_offset(), 14);
        assert_eq!(batch.max_timestamp(), NO_TIMESTAMP);
        assert_eq!(decode_all(&bytes).expect("decode"), []);
    }

    #[test]
    fn test_builder_header_flags() {
        let mut builder = RecordBatchBuilder::new(CompressionType::Lz4, 0, 1_000)
            .with_partition_leader_epoch(3)
            .with_producer(77, 2, 100)
            .with_transactional(true)
            .with_control(true)
            .with_log_append_time(5_000);
        builder.append(0, 1_500, None, Some(b"marker"), &[]);
        let bytes = builder.build().expect("build");
        let batch = RecordBatch::parse_exact(&bytes).expect("parse");
        batch.validate().expect("valid");
        assert_eq!(batch.partition_leader_epoch(), 3);
        assert_eq!(
            (
                batch.producer_id(),
                batch.producer_epoch(),
                batch.base_sequence()
            ),
            (77, 2, 100)
        );
        assert!(batch.is_transactional() && batch.is_control() && batch.is_log_append_time());
        assert_eq!(batch.max_timestamp(), 5_000);
        assert_eq!(batch.compression(), Some(CompressionType::Lz4));
    }

    #[test]
    fn test_builder_append_raw_keeps_records_verbatim() {
        let mut builder = RecordBatchBuilder::new(CompressionType::Snappy, 1_000, 50)
            .with_producer(9, 1, 0)
            .with_log_append_time(60);
        for delta in 0..5 {
            let key = [b'k', delta as u8];
            builder.append(
                delta,
                50 + delta as i64,
                Some(&key),
                Some(b"v"),
                &[(b"h", None)],
            );
        }
        let original = builder.build().expect("build");
        let batch = RecordBatch::parse_exact(&original).expect("parse");
        let records = BatchRecords::decode(&batch).expect("decode");

        // Keep every other record, as compaction would; the offset range stays.
        let mut rewrite = RecordBatchBuilder::from_batch_header(&batch).expect("known codec");
        let mut kept = Vec::new();
        for record in records.iter().step_by(2) {
            let record = record.expect("valid");
            rewrite.append_raw(&record);
            kept.push(record);
        }
        let rewritten = rewrite.build().expect("build");
        let cleaned = RecordBatch::parse_exact(&rewritten).expect("parse");
        cleaned.validate().expect("valid");
        assert_eq!(cleaned.last_offset(), batch.last_offset());
        assert_eq!(cleaned.records_count(), 3);
        assert_eq!(cleaned.max_timestamp(), 60);
        assert_eq!(BatchHeader::of(&cleaned).attributes, batch.attributes());
        assert_eq!((cleaned.producer_id(), cleaned.base_sequence()), (9, 0));
        assert_eq!(decode_all(&rewritten).expect("decode"), kept);

        // Keeping everything reproduces the batch byte for byte.
        let mut copy = RecordBatchBuilder::from_batch_header(&batch).expect("known codec");
        for record in &records {
            copy.append_raw(&record.expect("valid"));
        }
        assert_eq!(copy.build().expect("build"), original);
    }

    #[test]
    fn test_builder_max_timestamp_tracks_records() {
        let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, 100);
        builder.append(0, 300, None, None, &[]);
        builder.append(1, 200, None, None, &[]);
        let bytes = builder.build().expect("build");
        let batch = RecordBatch::parse_exact(&bytes).expect("parse");
        assert_eq!(batch.max_timestamp(), 300);
        assert!(!batch.is_log_append_time());
    }

    #[test]
    fn test_recompress_keeps_records_and_header_fields() {
        let mut builder =
            RecordBatchBuilder::new(CompressionType::Gzip, 7, 1000).with_producer(3, 1, 10);
        for i in 0..20 {
            builder.append(
                i,
                1000 + i as i64,
                Some(b"key"),
                Some(format!("value-{i}").as_bytes()),
                &[(b"h", Some(b"v"))],
            );
        }
        let original = builder.build().unwrap();
        let batch = RecordBatch::parse_exact(&original).unwrap();
        let converted = recompress(&batch, CompressionType::Zstd).unwrap();
        let view = RecordBatch::parse_exact(&converted).unwrap();
        view.validate().unwrap();
        assert_eq!(view.compression(), Some(CompressionType::Zstd));
        assert_eq!(
            (
                view.base_offset(),
                view.last_offset_delta(),
                view.records_count()
            ),
            (7, 19, 20)
        );
        assert_eq!(
            (
                view.producer_id(),
                view.producer_epoch(),
                view.base_sequence()
            ),
            (3, 1, 10)
        );
        let before: Vec<Vec<u8>> = BatchRecords::decode(&batch)
            .unwrap()
            .iter()
            .map(|r| r.unwrap().raw.to_vec())
            .collect();
        let after: Vec<Vec<u8>> = BatchRecords::decode(&view)
            .unwrap()
            .iter()
            .map(|r| r.unwrap().raw.to_vec())
            .collect();
        assert_eq!(before, after);
    }

    proptest! {
        #[test]
        fn test_builder_round_trip_every_codec(
            codec in codec_strategy(),
            base_offset in 0i64..1 << 40,
            base_timestamp in 0i64..1 << 42,
            records in proptest::collection::vec(record_strategy(), 0..20),
        ) {
            let (bytes, positions) = build(codec, base_offset, base_timestamp, &records);
            let batch = RecordBatch::parse_exact(&bytes).expect("parse");
            batch.validate().expect("valid");
            prop_assert_eq!(batch.compression(), Some(codec));
            prop_assert_eq!(batch.records_count() as usize, records.len());
            prop_assert_eq!(batch.base_offset(), base_offset);
            prop_assert_eq!(batch.base_timestamp(), base_timestamp);
            let last_delta = positions.last().map_or(0, |&(delta, _)| delta);
            prop_assert_eq!(batch.last_offset_delta(), last_delta);
            let max_timestamp = positions.iter().map(|&(_, ts)| ts).max().unwrap_or(NO_TIMESTAMP);
            prop_assert_eq!(batch.max_timestamp(), max_timestamp);

            let decoded = BatchRecords::decode(&batch).expect("decode");
            let decoded: Vec<Record<'_>> = decoded.iter().collect::<Result<_, _>>().expect("records");
            prop_assert_eq!(decoded.len(), records.len());
            for ((record, expected), &(delta, timestamp)) in decoded.iter().zip(&records).zip(&positions) {
                prop_assert_eq!(record.offset(base_offset), base_offset + delta as i64);
                prop_assert_eq!(record.timestamp(base_timestamp), timestamp);
                prop_assert_eq!(record.key, expected.key.as_deref());
                prop_assert_eq!(record.value, expected.value.as_deref());
                let headers: Vec<(Vec<u8>, Option<Vec<u8>>)> = record
                    .headers
                    .iter()
                    .map(|h| (h.key.to_vec(), h.value.map(<[u8]>::to_vec)))
                    .collect();
                prop_assert_eq!(&headers, &expected.headers);
                prop_assert_eq!(record.attributes, 0);
            }
        }
    }
}
