//! Inputs that made a target crash, as the code that makes them (most are too large to
//! read as hex), with a test per bug. A test is `#[ignore]`d while its bug is open:
//! `cargo test --manifest-path fuzz/Cargo.toml -- --ignored` shows which still fail.

use fjord_protocol::record_batch::BatchHeader;
use fjord_protocol::CompressionType;

/// A zstd frame of `blocks` RLE blocks of 128 KiB of zeros each: 4 bytes a block, so
/// 2049 blocks (8,202 bytes) decompress to 256 MiB + 128 KiB, just over
/// `MAX_DECOMPRESSED_SIZE`.
pub fn zstd_rle_bomb(blocks: usize) -> Vec<u8> {
    const BLOCK: u32 = 128 * 1024;
    // Magic; frame header descriptor 0 (no content size, checksum or dictionary); window
    // descriptor 0x38 (2^(10+7) = 128 KiB, the largest block).
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38];
    for i in 0..blocks {
        let last = u32::from(i + 1 == blocks);
        // Block header, 3 bytes little-endian: last flag, type 1 (RLE), size; then the
        // byte to repeat.
        let header = BLOCK << 3 | 1 << 1 | last;
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(0);
    }
    frame
}

/// A record batch (valid CRC, one record claimed) whose zstd payload is `payload`.
pub fn zstd_batch(payload: &[u8]) -> Vec<u8> {
    let header = BatchHeader {
        base_offset: 0,
        partition_leader_epoch: -1,
        attributes: i16::from(CompressionType::Zstd.id()),
        last_offset_delta: 0,
        base_timestamp: 0,
        max_timestamp: 0,
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
        records_count: 1,
    };
    let mut batch = Vec::new();
    header.write(payload, &mut batch);
    batch
}

/// The first `coordinator_records` crash (74 bytes, found in 2 s): a GroupMetadata-
/// type key, then an OffsetCommitValue v1 whose expire timestamp is negative but not
/// -1 (-281474976710556). `encode` writes any negative expiry as "none" (v3, no
/// expiry field), so the round trip came back with -1.
pub const COORDINATOR_NEGATIVE_EXPIRY: &str = "001a0001000a6ff6001a7200710000732d6170700006657665267400007300010020000100002a00000001000a6f72cafeffffff00000000006465000072732d61707000066500000000";

/// An OffsetCommitValue v1 (offset 42, metadata "", commit timestamp 1000) with
/// `expire_timestamp`.
pub fn offset_commit_value_v1(expire_timestamp: i64) -> Vec<u8> {
    let mut value = vec![0, 1];
    value.extend_from_slice(&42i64.to_be_bytes());
    value.extend_from_slice(&[0, 0]);
    value.extend_from_slice(&1000i64.to_be_bytes());
    value.extend_from_slice(&expire_timestamp.to_be_bytes());
    value
}

/// An OffsetCommitValue v4 (flexible, as Kafka writes it) whose metadata is `len`
/// bytes: a compact string, so it may be longer than an int16 length allows.
pub fn offset_commit_value_v4(metadata_len: usize) -> Vec<u8> {
    let mut value = vec![0, 4];
    value.extend_from_slice(&42i64.to_be_bytes());
    value.extend_from_slice(&(-1i32).to_be_bytes());
    let mut n = metadata_len as u32 + 1;
    while n >= 0x80 {
        value.push(n as u8 | 0x80);
        n >>= 7;
    }
    value.push(n as u8);
    value.resize(value.len() + metadata_len, b'm');
    value.extend_from_slice(&1000i64.to_be_bytes());
    value.push(0);
    value
}

/// Hex to bytes (for the short crash inputs kept above as hex).
pub fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fjord_group_coordinator::records::{GroupMetadataValue, MemberMetadata, OffsetCommitValue};
    use fjord_protocol::compression::{CompressionError, MAX_DECOMPRESSED_SIZE};
    use fjord_protocol::records::BatchRecords;
    use fjord_protocol::RecordBatch;

    /// Found by reasoning about `read_bounded` and confirmed by `record_batch` with
    /// `-malloc_limit_mb=512`: an 8,263-byte batch makes `BatchRecords::decode` allocate
    /// 512 MiB (peak 768 MiB while the 256 MiB buffer is copied) before it answers
    /// TooLarge, because `read_to_end` doubles the output `Vec` past the limit.
    #[test]
    fn test_regression_zstd_bomb_stays_within_the_limit() {
        let bomb = zstd_rle_bomb(2049);
        assert_eq!(bomb.len(), 8202);
        let mut out = Vec::new();
        let result = CompressionType::Zstd.decompress(&bomb, &mut out);
        assert!(
            matches!(result, Err(CompressionError::TooLarge { .. })),
            "{result:?}"
        );
        assert!(
            out.capacity() <= MAX_DECOMPRESSED_SIZE + 128 * 1024,
            "reserved {} bytes for a limit of {MAX_DECOMPRESSED_SIZE}",
            out.capacity()
        );
    }

    /// The same bomb is a valid batch (the produce path checks the CRC before it
    /// decompresses to recompress) that decoding rejects.
    #[test]
    fn test_zstd_bomb_batch_is_rejected() {
        let batch = zstd_batch(&zstd_rle_bomb(2049));
        assert_eq!(batch.len(), 8263);
        let view = RecordBatch::parse_exact(&batch).unwrap();
        view.validate().unwrap();
        assert!(BatchRecords::decode(&view).is_err());
    }

    /// Fixed in `OffsetCommitValue::decode` (crates/group-coordinator/src/records/
    /// offset_commit.rs): a negative v1 expiry reads as -1, the "none" it means (offset
    /// expiry already treated every negative value so).
    #[test]
    fn test_regression_negative_expiry_round_trips() {
        crate::coordinator::check(&from_hex(COORDINATOR_NEGATIVE_EXPIRY));
        for expiry in [-2, i64::MIN, -1, 0, 9_000] {
            let value = OffsetCommitValue::decode(&offset_commit_value_v1(expiry)).unwrap();
            assert_eq!(value.expire_timestamp, expiry.max(-1));
            assert_eq!(OffsetCommitValue::decode(&value.encode()).unwrap(), value);
        }
    }

    /// Fixed (found by reading the encoders; the fuzzer needs inputs of over 32 KiB to
    /// reach it). Values read from Kafka's flexible v4 records may hold strings longer
    /// than an int16 length: they are written back as v4. Keys have no flexible version,
    /// so over-long group ids and member ids are refused when requests arrive.
    #[test]
    fn test_long_strings_in_coordinator_records_round_trip() {
        let value = OffsetCommitValue::decode(&offset_commit_value_v4(40_000)).unwrap();
        assert_eq!(value.metadata.len(), 40_000);
        let again = OffsetCommitValue::decode(&value.encode());
        assert!(again.as_ref() == Ok(&value), "{:?}", again.err());

        let group = GroupMetadataValue {
            protocol_type: "consumer".into(),
            members: vec![MemberMetadata {
                group_instance_id: Some("i".repeat(40_000)),
                ..MemberMetadata::default()
            }],
            ..GroupMetadataValue::default()
        };
        let again = GroupMetadataValue::decode(&group.encode());
        assert!(again.as_ref() == Ok(&group), "{:?}", again.err());

        // Keys have no flexible version: such group ids are refused before anything
        // is written (INVALID_GROUP_ID), as Kafka's serializer refuses them.
        assert!(!fjord_group_coordinator::records::fits(["g"
            .repeat(40_000)
            .as_str()]));
    }
}
