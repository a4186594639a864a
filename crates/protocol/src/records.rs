//! Records inside a v2 batch: decoding them, and building batches from them.
//!
//! A batch's records payload (after decompression) is a plain sequence of records:
//!
//! ```text
//! length: varint            (bytes after this field)
//! attributes: int8          (unused, 0)
//! timestampDelta: varlong   (relative to the batch's baseTimestamp)
//! offsetDelta: varint       (relative to the batch's baseOffset)
//! keyLength: varint         (-1 for a null key)
//! key: byte[keyLength]
//! valueLength: varint       (-1 for a null value, a tombstone)
//! value: byte[valueLength]
//! headersCount: varint
//! headers: [headerKeyLength: varint, headerKey: byte[], headerValueLength: varint, headerValue: byte[]]
//! ```
//!
//! Decoding borrows from the payload and never trusts a length before checking it
//! against the bytes that remain, so hostile input costs at most a walk over its own
//! bytes. Records keep their encoded bytes ([`Record::raw`]) so the log cleaner can copy
//! the ones it retains without re-encoding them.
//!
//! ```
//! use fjord_protocol::records::{simple_batch, BatchRecords};
//! use fjord_protocol::RecordBatch;
//!
//! let bytes = simple_batch(100, 1_700_000_000_000, &[(Some(b"k"), Some(b"v")), (None, None)]);
//! let batch = RecordBatch::parse_exact(&bytes)?;
//! batch.validate()?;
//! let records = BatchRecords::decode(&batch)?;
//! let offsets = records
//!     .iter()
//!     .map(|record| record.map(|r| r.offset(batch.base_offset())))
//!     .collect::<Result<Vec<_>, _>>()?;
//! assert_eq!(offsets, [100, 101]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use crate::compression::{CompressionError, CompressionType, MAX_DECOMPRESSED_SIZE};
use crate::record_batch::{BatchHeader, RecordBatch, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD};
use crate::varint::{
    read_varint, read_varlong, size_of_varint, size_of_varlong, write_varint, write_varlong,
    VarintError,
};

/// `maxTimestamp` of a batch without records, Kafka's `RecordBatch.NO_TIMESTAMP`.
pub const NO_TIMESTAMP: i64 = -1;
/// Producer id, epoch and sequence of a non-idempotent producer.
pub const NO_PRODUCER_ID: i64 = -1;
pub const NO_PRODUCER_EPOCH: i16 = -1;
pub const NO_SEQUENCE: i32 = -1;
/// Leader epoch of a batch that no leader has stamped yet.
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;

// Batch attribute bits (see `record_batch`); the low three bits are the codec.
const COMPRESSION_CODEC_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_MASK: i16 = 0x08;
const TRANSACTIONAL_FLAG_MASK: i16 = 0x10;
const CONTROL_FLAG_MASK: i16 = 0x20;

/// Why records could not be decoded or a batch could not be built. Decoding errors mean
/// the batch is corrupt (Kafka's CORRUPT_MESSAGE); [`RecordError::TooLarge`] is only
/// produced by [`RecordBatchBuilder`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("records truncated")]
    Truncated,
    /// A varint longer than its type allows.
    #[error("record contains an overlong varint")]
    InvalidVarint,
    /// A length or count the format does not allow (negative, or below -1 where -1
    /// means null).
    #[error("record {field} has invalid length {length}")]
    InvalidLength { field: &'static str, length: i64 },
    /// A record's fields did not fill exactly the length it declared.
    #[error("record declared {declared} bytes but its fields took {consumed}")]
    SizeMismatch { declared: usize, consumed: usize },
    /// The payload ran out after `actual` of the `expected` records.
    #[error("batch declares {expected} records but holds {actual}")]
    CountMismatch { expected: i32, actual: i32 },
    /// Bytes left over after the batch's declared number of records.
    #[error("{remaining} bytes follow the batch's declared records")]
    TrailingBytes { remaining: usize },
    /// Codec bits 5–7, which no Kafka version assigns.
    #[error("record batch uses unknown compression codec {id}")]
    UnknownCompression { id: u8 },
    #[error(transparent)]
    Compression(#[from] CompressionError),
    /// A field or batch too large for the format's 32-bit lengths.
    #[error("{what} of {size} exceeds the record format's limit")]
    TooLarge { what: &'static str, size: usize },
}

impl From<VarintError> for RecordError {
    fn from(err: VarintError) -> Self {
        match err {
            VarintError::Truncated => Self::Truncated,
            VarintError::Overlong { .. } => Self::InvalidVarint,
        }
    }
}

/// A record header. Keys are never null; values may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub key: &'a [u8],
    pub value: Option<&'a [u8]>,
}

/// One decoded record, borrowing from its batch's (decompressed) payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    pub attributes: i8,
    pub timestamp_delta: i64,
    pub offset_delta: i32,
    pub key: Option<&'a [u8]>,
    /// `None` for a tombstone.
    pub value: Option<&'a [u8]>,
    pub headers: Vec<Header<'a>>,
    /// The whole encoded record, its leading length varint included: appending these
    /// bytes to another payload with the same base offset and base timestamp (see
    /// [`RecordBatchBuilder::append_raw`]) reproduces the record exactly.
    pub raw: &'a [u8],
}

impl Record<'_> {
    /// The record's offset in a batch whose `baseOffset` is `base_offset`.
    pub fn offset(&self, base_offset: i64) -> i64 {
        base_offset.wrapping_add(self.offset_delta as i64)
    }

    /// The timestamp stored with the record (its CreateTime) in a batch whose
    /// `baseTimestamp` is `base_timestamp`. For a LogAppendTime batch Kafka reports the
    /// batch's `maxTimestamp` for every record instead.
    pub fn timestamp(&self, base_timestamp: i64) -> i64 {
        base_timestamp.wrapping_add(self.timestamp_delta)
    }

    /// The timestamp a consumer sees for this record of `batch`: its CreateTime, or the
    /// batch's `maxTimestamp` when the batch carries LogAppendTime.
    pub fn timestamp_in(&self, batch: &RecordBatch<'_>) -> i64 {
        if batch.is_log_append_time() {
            batch.max_timestamp()
        } else {
            self.timestamp(batch.base_timestamp())
        }
    }
}

/// Iterates over the records of an uncompressed records payload. Yields an error for
/// the first malformed record and then stops; never panics on any input.
///
/// Made by [`BatchRecords::iter`] (which also checks the batch's record count) or by
/// [`RecordIter::new`] over a bare payload.
#[derive(Debug, Clone)]
pub struct RecordIter<'a> {
    buf: &'a [u8],
    expected: Option<i32>,
    yielded: i32,
    done: bool,
}

impl<'a> RecordIter<'a> {
    /// Iterates until `payload` is exhausted, however many records that is.
    pub fn new(payload: &'a [u8]) -> Self {
        Self {
            buf: payload,
            expected: None,
            yielded: 0,
            done: false,
        }
    }

    /// Iterates over exactly `records_count` records: ends with
    /// [`RecordError::CountMismatch`] if `payload` holds fewer, and with
    /// [`RecordError::TrailingBytes`] if bytes remain after the last.
    pub fn with_count(payload: &'a [u8], records_count: i32) -> Self {
        Self {
            expected: Some(records_count),
            ..Self::new(payload)
        }
    }

    /// Payload bytes not yet decoded.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    fn fail(&mut self, err: RecordError) -> Option<Result<Record<'a>, RecordError>> {
        self.done = true;
        Some(Err(err))
    }
}

impl<'a> Iterator for RecordIter<'a> {
    type Item = Result<Record<'a>, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.expected {
            Some(expected) if self.yielded >= expected => {
                self.done = true;
                if self.buf.is_empty() {
                    return None;
                }
                return self.fail(RecordError::TrailingBytes {
                    remaining: self.buf.len(),
                });
            }
            Some(expected) if self.buf.is_empty() => {
                return self.fail(RecordError::CountMismatch {
                    expected,
                    actual: self.yielded,
                });
            }
            None if self.buf.is_empty() => {
                self.done = true;
                return None;
            }
            _ => {}
        }
        match decode_record(self.buf) {
            Ok(record) => {
                self.buf = &self.buf[record.raw.len()..];
                self.yielded = self.yielded.saturating_add(1);
                Some(Ok(record))
            }
            Err(err) => self.fail(err),
        }
    }
}

impl std::iter::FusedIterator for RecordIter<'_> {}

/// A bounds-checked reader over one record's bytes.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }
    fn byte(&mut self) -> Result<u8, RecordError> {
        let byte = *self.rest().first().ok_or(RecordError::Truncated)?;
        self.pos += 1;
        Ok(byte)
    }
    fn varint(&mut self) -> Result<i32, RecordError> {
        let (value, len) = read_varint(self.rest())?;
        self.pos += len;
        Ok(value)
    }
    fn varlong(&mut self) -> Result<i64, RecordError> {
        let (value, len) = read_varlong(self.rest())?;
        self.pos += len;
        Ok(value)
    }
    fn bytes(&mut self, len: usize) -> Result<&'a [u8], RecordError> {
        let bytes = self.rest().get(..len).ok_or(RecordError::Truncated)?;
        self.pos += len;
        Ok(bytes)
    }
    /// A varint length then that many bytes; a length of -1 is null.
    fn nullable_bytes(&mut self, field: &'static str) -> Result<Option<&'a [u8]>, RecordError> {
        match self.varint()? {
            -1 => Ok(None),
            len => Ok(Some(self.bytes(non_negative(field, len)?)?)),
        }
    }
}

fn non_negative(field: &'static str, len: i32) -> Result<usize, RecordError> {
    usize::try_from(len).map_err(|_| RecordError::InvalidLength {
        field,
        length: len as i64,
    })
}

/// Decodes the record at the front of `buf`.
fn decode_record(buf: &[u8]) -> Result<Record<'_>, RecordError> {
    let (length, prefix) = read_varint(buf)?;
    let length = non_negative("length", length)?;
    let raw = buf.get(..prefix + length).ok_or(RecordError::Truncated)?;
    let mut reader = Reader {
        buf: &raw[prefix..],
        pos: 0,
    };
    let attributes = reader.byte()? as i8;
    let timestamp_delta = reader.varlong()?;
    let offset_delta = reader.varint()?;
    let key = reader.nullable_bytes("key")?;
    let value = reader.nullable_bytes("value")?;
    let count = non_negative("header count", reader.varint()?)?;
    // Each header takes at least two bytes, so this bounds the allocation by the
    // record's real size whatever the count claims.
    let mut headers = Vec::with_capacity(count.min(reader.rest().len() / 2));
    for _ in 0..count {
        let key_len = non_negative("header key", reader.varint()?)?;
        let key = reader.bytes(key_len)?;
        let value = reader.nullable_bytes("header value")?;
        headers.push(Header { key, value });
    }
    if reader.pos != length {
        return Err(RecordError::SizeMismatch {
            declared: length,
            consumed: reader.pos,
        });
    }
    Ok(Record {
        attributes,
        timestamp_delta,
        offset_delta,
        key,
        value,
        headers,
        raw,
    })
}

/// The records of one batch, decompressed if the batch was compressed and borrowed
/// from it if not.
#[derive(Debug, Clone)]
pub struct BatchRecords<'a> {
    payload: Cow<'a, [u8]>,
    records_count: i32,
}

impl<'a> BatchRecords<'a> {
    /// Decompresses `batch`'s payload (at most [`MAX_DECOMPRESSED_SIZE`] bytes). Records
    /// are decoded lazily by [`BatchRecords::iter`]. Does not check the CRC; call
    /// [`RecordBatch::validate`] first for that.
    pub fn decode(batch: &RecordBatch<'a>) -> Result<Self, RecordError> {
        Self::decode_with_limit(batch, MAX_DECOMPRESSED_SIZE)
    }

    /// [`BatchRecords::decode`] with a caller-chosen limit on the decompressed size.
    pub fn decode_with_limit(batch: &RecordBatch<'a>, limit: usize) -> Result<Self, RecordError> {
        let records_count = batch.records_count();
        if records_count < 0 {
            return Err(RecordError::InvalidLength {
                field: "recordsCount",
                length: records_count as i64,
            });
        }
        let id = (batch.attributes() & COMPRESSION_CODEC_MASK) as u8;
        let codec = CompressionType::from_id(id).ok_or(RecordError::UnknownCompression { id })?;
        let payload = match codec {
            CompressionType::None => Cow::Borrowed(batch.records_payload()),
            codec => {
                let mut out = Vec::new();
                codec.decompress_with_limit(batch.records_payload(), limit, &mut out)?;
                Cow::Owned(out)
            }
        };
        Ok(Self {
            payload,
            records_count,
        })
    }

    /// Iterates over the records, ending with an error if they do not match the batch's
    /// `recordsCount` (see [`RecordIter::with_count`]).
    pub fn iter(&self) -> RecordIter<'_> {
        RecordIter::with_count(&self.payload, self.records_count)
    }

    /// The batch's declared `recordsCount` (non-negative).
    pub fn records_count(&self) -> i32 {
        self.records_count
    }

    /// The uncompressed records payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
}

impl<'b> IntoIterator for &'b BatchRecords<'_> {
    type Item = Result<Record<'b>, RecordError>;
    type IntoIter = RecordIter<'b>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

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

    /// Sets `lastOffsetDelta` regardless of the records appended, as compaction does to
    /// keep a batch's offset range when it drops the batch's last records.
    /// Changes the codec the payload is compressed with at [`RecordBatchBuilder::build`].
    pub fn with_compression(mut self, compression: CompressionType) -> Self {
        self.compression = compression;
        self
    }

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
    use super::*;
    use proptest::prelude::*;

    const ALL_CODECS: [CompressionType; 5] = [
        CompressionType::None,
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ];

    /// An owned record, to compare what was appended with what was decoded.
    #[derive(Debug, Clone, PartialEq, Eq)]
    struct TestRecord {
        offset_gap: i32,
        timestamp_delta: i64,
        key: Option<Vec<u8>>,
        value: Option<Vec<u8>>,
        headers: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    }

    fn bytes_strategy() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(0u8..2, 0..400),
        ]
    }

    fn record_strategy() -> impl Strategy<Value = TestRecord> {
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

    fn codec_strategy() -> impl Strategy<Value = CompressionType> {
        proptest::sample::select(ALL_CODECS.to_vec())
    }

    /// Builds a batch; returns it with the (offset delta, timestamp) of each record.
    fn build(
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

    fn decode_all(bytes: &[u8]) -> Result<Vec<Record<'static>>, RecordError> {
        // Leaks are fine in tests and keep the borrow checker out of the assertions.
        let bytes: &'static [u8] = Box::leak(bytes.to_vec().into_boxed_slice());
        let batch = RecordBatch::parse_exact(bytes).expect("parse");
        let records: &'static BatchRecords<'static> =
            Box::leak(Box::new(BatchRecords::decode(&batch)?));
        records.iter().collect()
    }

    /// Rewrites `batch` with `payload` in place of its records, keeping its header.
    fn with_payload(batch: &[u8], payload: &[u8], records_count: Option<i32>) -> Vec<u8> {
        let mut header = BatchHeader::of(&RecordBatch::parse_exact(batch).expect("parse"));
        if let Some(count) = records_count {
            header.records_count = count;
        }
        let mut out = Vec::new();
        header.write(payload, &mut out);
        out
    }

    #[test]
    fn test_record_known_encoding() {
        let bytes = simple_batch(5, 1_000, &[(Some(b"k"), Some(b"v"))]);
        let batch = RecordBatch::parse_exact(&bytes).expect("parse");
        assert_eq!(
            batch.records_payload(),
            [0x10, 0, 0, 0, 0x02, b'k', 0x02, b'v', 0]
        );
        let records = BatchRecords::decode(&batch).expect("decode");
        let record = records.iter().next().expect("one record").expect("valid");
        assert_eq!(record.raw, batch.records_payload());
        assert_eq!(record.offset(batch.base_offset()), 5);
        assert_eq!(record.timestamp(batch.base_timestamp()), 1_000);
    }

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
    fn test_batch_records_count_mismatch() {
        let bytes = simple_batch(0, 0, &[(None, Some(b"a")), (None, Some(b"b"))]);
        let payload = RecordBatch::parse_exact(&bytes)
            .expect("parse")
            .records_payload()
            .to_vec();

        let more = with_payload(&bytes, &payload, Some(3));
        let err = decode_all(&more).expect_err("too few records");
        assert_eq!(
            err,
            RecordError::CountMismatch {
                expected: 3,
                actual: 2
            }
        );

        let fewer = with_payload(&bytes, &payload, Some(1));
        let err = decode_all(&fewer).expect_err("too many records");
        assert_eq!(
            err,
            RecordError::TrailingBytes {
                remaining: payload.len() / 2
            }
        );

        let negative = with_payload(&bytes, &payload, Some(-1));
        let batch = RecordBatch::parse_exact(&negative).expect("parse");
        assert!(matches!(
            BatchRecords::decode(&batch),
            Err(RecordError::InvalidLength {
                field: "recordsCount",
                ..
            })
        ));
    }

    #[test]
    fn test_batch_records_unknown_codec() {
        let bytes = simple_batch(0, 0, &[(None, Some(b"a"))]);
        let mut header = BatchHeader::of(&RecordBatch::parse_exact(&bytes).expect("parse"));
        header.attributes |= 6;
        let mut out = Vec::new();
        header.write(&bytes[RECORD_BATCH_OVERHEAD..], &mut out);
        let batch = RecordBatch::parse_exact(&out).expect("parse");
        assert_eq!(
            BatchRecords::decode(&batch).err(),
            Some(RecordError::UnknownCompression { id: 6 })
        );
        assert_eq!(
            RecordBatchBuilder::from_batch_header(&batch).err(),
            Some(RecordError::UnknownCompression { id: 6 })
        );
    }

    #[test]
    fn test_batch_records_gzip_bomb_exceeding_limit_errors() {
        let mut bomb = Vec::new();
        CompressionType::Gzip
            .compress(&vec![0; 8 << 20], &mut bomb)
            .expect("compress");
        let mut header = BatchHeader::of(
            &RecordBatch::parse_exact(&simple_batch(0, 0, &[(None, None)])).expect("parse"),
        );
        header.attributes |= CompressionType::Gzip.id() as i16;
        let mut out = Vec::new();
        header.write(&bomb, &mut out);
        let batch = RecordBatch::parse_exact(&out).expect("parse");
        batch.validate().expect("CRC covers the bomb");
        assert_eq!(
            BatchRecords::decode_with_limit(&batch, 1 << 20).err(),
            Some(RecordError::Compression(CompressionError::TooLarge {
                codec: CompressionType::Gzip,
                limit: 1 << 20
            }))
        );
    }

    #[test]
    fn test_record_iter_malformed_records() {
        let cases: &[(&[u8], RecordError)] = &[
            (&[0x0e, 0, 0, 0], RecordError::Truncated),
            (
                &[0x01],
                RecordError::InvalidLength {
                    field: "length",
                    length: -1,
                },
            ),
            (
                &[0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
                RecordError::InvalidVarint,
            ),
            // keyLength -2.
            (
                &[0x0a, 0, 0, 0, 0x03, 0x01, 0x00],
                RecordError::InvalidLength {
                    field: "key",
                    length: -2,
                },
            ),
            // A byte after the headers that the length covers.
            (
                &[0x0e, 0, 0, 0, 0x01, 0x01, 0x00, 0xff],
                RecordError::SizeMismatch {
                    declared: 7,
                    consumed: 6,
                },
            ),
            // headersCount far beyond what the record holds.
            (
                &[0x14, 0, 0, 0, 0x01, 0x01, 0xfe, 0xff, 0xff, 0xff, 0x0f],
                RecordError::Truncated,
            ),
            // Header with a null key.
            (
                &[0x0e, 0, 0, 0, 0x01, 0x01, 0x02, 0x01],
                RecordError::InvalidLength {
                    field: "header key",
                    length: -1,
                },
            ),
        ];
        for (payload, expected) in cases {
            let mut iter = RecordIter::new(payload);
            assert_eq!(iter.next(), Some(Err(expected.clone())), "{payload:02x?}");
            assert_eq!(iter.next(), None);
        }
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

        #[test]
        fn test_batch_records_corrupted_payload_never_panics(
            codec in codec_strategy(),
            records in proptest::collection::vec(record_strategy(), 1..8),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 0..6),
            cut in any::<prop::sample::Index>(),
        ) {
            let (bytes, _) = build(codec, 0, 0, &records);
            let mut payload = bytes[RECORD_BATCH_OVERHEAD..].to_vec();
            if !payload.is_empty() {
                for (at, mask) in &flips {
                    let at = at.index(payload.len());
                    payload[at] ^= mask;
                }
            }
            payload.truncate(cut.index(payload.len() + 1));
            let corrupted = with_payload(&bytes, &payload, None);
            let batch = RecordBatch::parse_exact(&corrupted).expect("parse");
            if let Ok(decoded) = BatchRecords::decode_with_limit(&batch, 1 << 20) {
                let mut items = 0;
                for item in &decoded {
                    items += 1;
                    if item.is_err() {
                        break;
                    }
                }
                prop_assert!(items <= records.len() + 1);
            }
        }

        #[test]
        fn test_record_iter_arbitrary_bytes_never_panic(
            payload in proptest::collection::vec(any::<u8>(), 0..200),
        ) {
            let mut consumed = 0;
            for record in RecordIter::new(&payload) {
                match record {
                    Ok(record) => consumed += record.raw.len(),
                    Err(_) => break,
                }
            }
            prop_assert!(consumed <= payload.len());
        }
    }
}

#[cfg(test)]
mod recompress_tests {
    use super::*;

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
}
