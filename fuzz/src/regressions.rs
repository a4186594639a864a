//! Inputs that made a target crash, as the code that makes them (they are too large to
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

#[cfg(test)]
mod tests {
    use super::*;
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
}
