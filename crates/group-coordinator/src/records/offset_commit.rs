//! OffsetCommitValue: a committed offset.

use fjord_protocol::codec::{DecodeError, Reader, Writer};

use super::value_version;

/// Versions 0 to 4 are read; 3 is written (1 when an explicit expiry is kept, as
/// Kafka does for OffsetCommit v2-4 `retention_time_ms`).
const MAX_VERSION: i16 = 4;
const FLEXIBLE: i16 = 4;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetCommitValue {
    pub offset: i64,
    /// -1 when the committer did not know it.
    pub leader_epoch: i32,
    pub metadata: String,
    pub commit_timestamp: i64,
    /// Only explicit expiries (-1: none): since KIP-211 offsets expire with their group.
    pub expire_timestamp: i64,
}

impl OffsetCommitValue {
    pub fn encode(&self) -> Vec<u8> {
        // Metadata too long for an int16 length (read from a Kafka v4 record) keeps v4.
        let version: i16 = if self.metadata.len() > super::MAX_STRING_LEN {
            4
        } else if self.expire_timestamp >= 0 {
            1
        } else {
            3
        };
        let flexible = version >= FLEXIBLE;
        let mut w = Writer::new();
        w.i16(version);
        w.i64(self.offset);
        if version >= 3 {
            w.i32(self.leader_epoch);
        }
        w.string(flexible, &self.metadata);
        w.i64(self.commit_timestamp);
        if version == 1 {
            w.i64(self.expire_timestamp);
        }
        w.empty_tagged_fields(flexible);
        w.bytes_written().to_vec()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = value_version(&mut r, MAX_VERSION)?;
        let flexible = version >= FLEXIBLE;
        let offset = r.i64()?;
        let leader_epoch = if version >= 3 { r.i32()? } else { -1 };
        let metadata = r.string(flexible)?.to_owned();
        let commit_timestamp = r.i64()?;
        // Any negative expiry means none (`encode` writes v3 for it): read it as -1.
        let expire_timestamp = if version == 1 { r.i64()?.max(-1) } else { -1 };
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            offset,
            leader_epoch,
            metadata,
            commit_timestamp,
            expire_timestamp,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OffsetCommitValue {
        OffsetCommitValue {
            offset: 42,
            leader_epoch: 7,
            metadata: "m".into(),
            commit_timestamp: 1_000,
            expire_timestamp: -1,
        }
    }

    #[test]
    fn test_offset_commit_value_v3_golden() {
        #[rustfmt::skip]
        let expected = [
            0x00, 0x03, // version 3
            0, 0, 0, 0, 0, 0, 0, 42, // offset
            0, 0, 0, 7, // leader epoch
            0x00, 0x01, b'm', // metadata
            0, 0, 0, 0, 0, 0, 0x03, 0xe8, // commit timestamp 1000
        ];
        assert_eq!(sample().encode(), expected);
        assert_eq!(OffsetCommitValue::decode(&expected).unwrap(), sample());
    }

    #[test]
    fn test_offset_commit_value_with_expiry_is_v1() {
        let value = OffsetCommitValue {
            expire_timestamp: 9_000,
            leader_epoch: -1,
            ..sample()
        };
        let bytes = value.encode();
        assert_eq!(&bytes[..2], &[0, 1]);
        assert_eq!(OffsetCommitValue::decode(&bytes).unwrap(), value);
    }

    #[test]
    fn test_offset_commit_value_v4_flexible_reads() {
        #[rustfmt::skip]
        let bytes = [
            0x00, 0x04, // version 4
            0, 0, 0, 0, 0, 0, 0, 1, // offset
            0xff, 0xff, 0xff, 0xff, // leader epoch -1
            0x02, b'x', // metadata (compact)
            0, 0, 0, 0, 0, 0, 0, 2, // commit timestamp
            0x00, // tagged fields
        ];
        let value = OffsetCommitValue::decode(&bytes).unwrap();
        assert_eq!(value.offset, 1);
        assert_eq!(value.metadata, "x");
        assert_eq!(value.commit_timestamp, 2);
    }

    #[test]
    fn test_unknown_value_version_is_an_error() {
        assert!(OffsetCommitValue::decode(&[0, 9, 0, 0]).is_err());
    }
}
