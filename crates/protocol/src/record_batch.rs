//! Zero-copy views of magic v2 record batches.
//!
//! The layout, all integers big-endian:
//!
//! ```text
//! baseOffset: int64            @0
//! batchLength: int32           @8   (bytes after this field)
//! partitionLeaderEpoch: int32  @12
//! magic: int8                  @16  (= 2)
//! crc: uint32                  @17  (CRC32C of everything from attributes to the end)
//! attributes: int16            @21
//! lastOffsetDelta: int32       @23
//! baseTimestamp: int64         @27
//! maxTimestamp: int64          @35
//! producerId: int64            @43
//! producerEpoch: int16         @51
//! baseSequence: int32          @53
//! recordsCount: int32          @57
//! records                      @61
//! ```
//!
//! `baseOffset` and `partitionLeaderEpoch` sit before the CRC'd range, which is why a
//! broker can assign offsets and stamp the leader epoch without recomputing the CRC.

use crate::compression::CompressionType;

/// Bytes of a batch before its records: the smallest valid batch.
pub const RECORD_BATCH_OVERHEAD: usize = 61;
/// `baseOffset` + `batchLength`: the part of a batch not counted in `batchLength`.
pub const LOG_OVERHEAD: usize = 12;
pub const MAGIC_V2: i8 = 2;

const BASE_OFFSET: usize = 0;
const BATCH_LENGTH: usize = 8;
const PARTITION_LEADER_EPOCH: usize = 12;
const MAGIC: usize = 16;
const CRC: usize = 17;
const ATTRIBUTES: usize = 21;
const LAST_OFFSET_DELTA: usize = 23;
const BASE_TIMESTAMP: usize = 27;
const MAX_TIMESTAMP: usize = 35;
const PRODUCER_ID: usize = 43;
const PRODUCER_EPOCH: usize = 51;
const BASE_SEQUENCE: usize = 53;
const RECORDS_COUNT: usize = 57;

const COMPRESSION_CODEC_MASK: i16 = 0x07;
const TIMESTAMP_TYPE_MASK: i16 = 0x08;
const TRANSACTIONAL_FLAG_MASK: i16 = 0x10;
const CONTROL_FLAG_MASK: i16 = 0x20;
const DELETE_HORIZON_FLAG_MASK: i16 = 0x40;

/// Why a batch was refused. Each maps to the Kafka error a producer expects:
/// `Corrupt*`/`Truncated`/`InvalidLength` → CORRUPT_MESSAGE, `UnsupportedMagic` →
/// UNSUPPORTED_VERSION (for produce: INVALID_RECORD), `TooLarge` → MESSAGE_TOO_LARGE.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("record batch truncated: need {needed} bytes, have {available}")]
    Truncated { needed: usize, available: usize },
    #[error("record batch length {length} is invalid (minimum {RECORD_BATCH_OVERHEAD})")]
    InvalidLength { length: i64 },
    #[error("record batch magic {magic} is not supported (only v2)")]
    UnsupportedMagic { magic: i8 },
    #[error("record batch is corrupt: stored CRC {stored:#010x}, computed {computed:#010x}")]
    CorruptCrc { stored: u32, computed: u32 },
    #[error("record batch of {size} bytes is larger than the maximum of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("record batch header is inconsistent: {0}")]
    InvalidHeader(&'static str),
}

/// Reads the size of the batch starting at `buf[0]` from its 12-byte prefix, without
/// looking further. Used to walk a log by headers only.
pub fn batch_size_from_prefix(prefix: &[u8]) -> Result<usize, BatchError> {
    if prefix.len() < LOG_OVERHEAD {
        return Err(BatchError::Truncated {
            needed: LOG_OVERHEAD,
            available: prefix.len(),
        });
    }
    let length = read_i32(prefix, BATCH_LENGTH) as i64;
    if length < (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) as i64 {
        return Err(BatchError::InvalidLength { length });
    }
    Ok(length as usize + LOG_OVERHEAD)
}

/// A read-only view of one v2 record batch. Construction checks only that the header
/// is present and that `batchLength` covers the slice; call [`RecordBatch::validate`]
/// before trusting anything else.
#[derive(Clone, Copy)]
pub struct RecordBatch<'a> {
    buf: &'a [u8],
}

impl<'a> RecordBatch<'a> {
    /// Views the batch at the start of `buf`, which may hold more bytes after it.
    pub fn parse_prefix(buf: &'a [u8]) -> Result<Self, BatchError> {
        let size = batch_size_from_prefix(buf)?;
        if buf.len() < size {
            return Err(BatchError::Truncated {
                needed: size,
                available: buf.len(),
            });
        }
        Ok(Self { buf: &buf[..size] })
    }

    /// Views only the 61-byte header of a batch whose records were not read (walking a
    /// log file by headers). The header accessors work; `validate` fails and
    /// `records_payload` is empty, since the records are not there.
    pub fn parse_header(buf: &'a [u8]) -> Result<Self, BatchError> {
        batch_size_from_prefix(buf)?;
        if buf.len() < RECORD_BATCH_OVERHEAD {
            return Err(BatchError::Truncated {
                needed: RECORD_BATCH_OVERHEAD,
                available: buf.len(),
            });
        }
        Ok(Self {
            buf: &buf[..RECORD_BATCH_OVERHEAD],
        })
    }

    /// Views a buffer that holds exactly one batch.
    pub fn parse_exact(buf: &'a [u8]) -> Result<Self, BatchError> {
        let batch = Self::parse_prefix(buf)?;
        if batch.size() != buf.len() {
            return Err(BatchError::InvalidLength {
                length: buf.len() as i64,
            });
        }
        Ok(batch)
    }

    /// Full check: magic, CRC32C and header consistency. This is what a broker runs on
    /// every produced batch and what recovery runs on every batch past the recovery point.
    pub fn validate(&self) -> Result<(), BatchError> {
        let magic = self.magic();
        if magic != MAGIC_V2 {
            return Err(BatchError::UnsupportedMagic { magic });
        }
        let stored = self.crc();
        let computed = self.compute_crc();
        if stored != computed {
            return Err(BatchError::CorruptCrc { stored, computed });
        }
        if self.last_offset_delta() < 0 {
            return Err(BatchError::InvalidHeader("negative lastOffsetDelta"));
        }
        if self.records_count() < 0 {
            return Err(BatchError::InvalidHeader("negative record count"));
        }
        Ok(())
    }

    pub fn compute_crc(&self) -> u32 {
        crc32c::crc32c(&self.buf[ATTRIBUTES..])
    }

    pub fn as_bytes(&self) -> &'a [u8] {
        self.buf
    }
    pub fn size(&self) -> usize {
        self.buf.len()
    }
    pub fn base_offset(&self) -> i64 {
        read_i64(self.buf, BASE_OFFSET)
    }
    pub fn last_offset(&self) -> i64 {
        self.base_offset()
            .saturating_add(self.last_offset_delta() as i64)
    }
    pub fn next_offset(&self) -> i64 {
        self.last_offset().saturating_add(1)
    }
    pub fn batch_length(&self) -> i32 {
        read_i32(self.buf, BATCH_LENGTH)
    }
    pub fn partition_leader_epoch(&self) -> i32 {
        read_i32(self.buf, PARTITION_LEADER_EPOCH)
    }
    pub fn magic(&self) -> i8 {
        self.buf[MAGIC] as i8
    }
    pub fn crc(&self) -> u32 {
        read_i32(self.buf, CRC) as u32
    }
    pub fn attributes(&self) -> i16 {
        read_i16(self.buf, ATTRIBUTES)
    }
    /// The codec bits of the attributes; `None` for the unassigned values 5–7.
    pub fn compression(&self) -> Option<CompressionType> {
        CompressionType::from_id((self.attributes() & COMPRESSION_CODEC_MASK) as u8)
    }
    /// `true` when the timestamps are LogAppendTime rather than CreateTime.
    pub fn is_log_append_time(&self) -> bool {
        self.attributes() & TIMESTAMP_TYPE_MASK != 0
    }
    pub fn is_transactional(&self) -> bool {
        self.attributes() & TRANSACTIONAL_FLAG_MASK != 0
    }
    pub fn is_control(&self) -> bool {
        self.attributes() & CONTROL_FLAG_MASK != 0
    }
    pub fn has_delete_horizon(&self) -> bool {
        self.attributes() & DELETE_HORIZON_FLAG_MASK != 0
    }
    pub fn last_offset_delta(&self) -> i32 {
        read_i32(self.buf, LAST_OFFSET_DELTA)
    }
    pub fn base_timestamp(&self) -> i64 {
        read_i64(self.buf, BASE_TIMESTAMP)
    }
    pub fn max_timestamp(&self) -> i64 {
        read_i64(self.buf, MAX_TIMESTAMP)
    }
    pub fn producer_id(&self) -> i64 {
        read_i64(self.buf, PRODUCER_ID)
    }
    pub fn producer_epoch(&self) -> i16 {
        read_i16(self.buf, PRODUCER_EPOCH)
    }
    pub fn base_sequence(&self) -> i32 {
        read_i32(self.buf, BASE_SEQUENCE)
    }
    pub fn records_count(&self) -> i32 {
        read_i32(self.buf, RECORDS_COUNT)
    }
    /// The (possibly compressed) record bytes after the header.
    pub fn records_payload(&self) -> &'a [u8] {
        &self.buf[RECORD_BATCH_OVERHEAD..]
    }
}

impl std::fmt::Debug for RecordBatch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordBatch")
            .field("base_offset", &self.base_offset())
            .field("last_offset", &self.last_offset())
            .field("size", &self.size())
            .field("records_count", &self.records_count())
            .finish()
    }
}

/// A mutable view for the header fields a broker rewrites in place.
pub struct RecordBatchMut<'a> {
    buf: &'a mut [u8],
}

impl<'a> RecordBatchMut<'a> {
    /// Views the batch at the start of `buf`; `buf` may hold more bytes after it.
    pub fn parse_prefix(buf: &'a mut [u8]) -> Result<Self, BatchError> {
        let size = RecordBatch::parse_prefix(buf)?.size();
        Ok(Self {
            buf: &mut buf[..size],
        })
    }

    pub fn as_batch(&self) -> RecordBatch<'_> {
        RecordBatch { buf: self.buf }
    }

    /// Rewrites `baseOffset`. Outside the CRC, so the CRC stays valid.
    pub fn set_base_offset(&mut self, offset: i64) {
        self.buf[BASE_OFFSET..BASE_OFFSET + 8].copy_from_slice(&offset.to_be_bytes());
    }

    /// Stamps the leader epoch. Outside the CRC, so the CRC stays valid.
    pub fn set_partition_leader_epoch(&mut self, epoch: i32) {
        self.buf[PARTITION_LEADER_EPOCH..PARTITION_LEADER_EPOCH + 4]
            .copy_from_slice(&epoch.to_be_bytes());
    }

    /// Switches the batch to LogAppendTime with `timestamp` as its max timestamp, as a
    /// broker does for topics with `message.timestamp.type=LogAppendTime`; recomputes the CRC.
    pub fn set_log_append_time(&mut self, timestamp: i64) {
        let attributes = self.as_batch().attributes() | TIMESTAMP_TYPE_MASK;
        self.buf[ATTRIBUTES..ATTRIBUTES + 2].copy_from_slice(&attributes.to_be_bytes());
        self.buf[MAX_TIMESTAMP..MAX_TIMESTAMP + 8].copy_from_slice(&timestamp.to_be_bytes());
        self.update_crc();
    }

    pub fn update_crc(&mut self) {
        let crc = self.as_batch().compute_crc();
        self.buf[CRC..CRC + 4].copy_from_slice(&crc.to_be_bytes());
    }
}

/// Iterates over the whole batches at the front of a buffer, stopping before a
/// truncated tail; a malformed length ends the walk with an error.
pub struct BatchIter<'a> {
    buf: &'a [u8],
}

impl<'a> BatchIter<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }
    /// Bytes not yet consumed.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf
    }
}

impl<'a> Iterator for BatchIter<'a> {
    type Item = Result<RecordBatch<'a>, BatchError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.buf.is_empty() {
            return None;
        }
        match RecordBatch::parse_prefix(self.buf) {
            Ok(batch) => {
                self.buf = &self.buf[batch.size()..];
                Some(Ok(batch))
            }
            Err(err) => {
                self.buf = &[];
                Some(Err(err))
            }
        }
    }
}

pub(crate) fn read_i16(buf: &[u8], at: usize) -> i16 {
    i16::from_be_bytes([buf[at], buf[at + 1]])
}
pub(crate) fn read_i32(buf: &[u8], at: usize) -> i32 {
    i32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}
pub(crate) fn read_i64(buf: &[u8], at: usize) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[at..at + 8]);
    i64::from_be_bytes(bytes)
}

/// Header fields of a batch being built; see [`crate::records::RecordBatchBuilder`].
#[derive(Debug, Clone, Copy)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub partition_leader_epoch: i32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records_count: i32,
}

impl BatchHeader {
    /// Writes a complete batch (header, `payload`, CRC) into `out`.
    pub fn write(&self, payload: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        let batch_length = (RECORD_BATCH_OVERHEAD - LOG_OVERHEAD + payload.len()) as i32;
        out.extend_from_slice(&self.base_offset.to_be_bytes());
        out.extend_from_slice(&batch_length.to_be_bytes());
        out.extend_from_slice(&self.partition_leader_epoch.to_be_bytes());
        out.push(MAGIC_V2 as u8);
        out.extend_from_slice(&[0u8; 4]);
        out.extend_from_slice(&self.attributes.to_be_bytes());
        out.extend_from_slice(&self.last_offset_delta.to_be_bytes());
        out.extend_from_slice(&self.base_timestamp.to_be_bytes());
        out.extend_from_slice(&self.max_timestamp.to_be_bytes());
        out.extend_from_slice(&self.producer_id.to_be_bytes());
        out.extend_from_slice(&self.producer_epoch.to_be_bytes());
        out.extend_from_slice(&self.base_sequence.to_be_bytes());
        out.extend_from_slice(&self.records_count.to_be_bytes());
        out.extend_from_slice(payload);
        let crc = crc32c::crc32c(&out[start + ATTRIBUTES..]);
        out[start + CRC..start + CRC + 4].copy_from_slice(&crc.to_be_bytes());
    }

    /// The header of an existing batch, to rebuild it with other records.
    pub fn of(batch: &RecordBatch<'_>) -> Self {
        Self {
            base_offset: batch.base_offset(),
            partition_leader_epoch: batch.partition_leader_epoch(),
            attributes: batch.attributes(),
            last_offset_delta: batch.last_offset_delta(),
            base_timestamp: batch.base_timestamp(),
            max_timestamp: batch.max_timestamp(),
            producer_id: batch.producer_id(),
            producer_epoch: batch.producer_epoch(),
            base_sequence: batch.base_sequence(),
            records_count: batch.records_count(),
        }
    }
}
