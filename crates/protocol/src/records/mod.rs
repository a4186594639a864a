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
use crate::record_batch::RecordBatch;
use crate::varint::{read_varint, read_varlong, VarintError};

mod builder;
#[cfg(test)]
mod test_support;

pub use builder::{recompress, simple_batch, KeyValue, RecordBatchBuilder};

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::test_support::{build, codec_strategy, decode_all, record_strategy};
    use super::*;
    use crate::record_batch::{BatchHeader, RECORD_BATCH_OVERHEAD};

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
