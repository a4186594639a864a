//! Record batch compression codecs, as identified by the low three attribute bits.
//!
//! A compressed batch holds its records payload as one compressed stream. The framing
//! each codec uses on the wire is Kafka's, not necessarily the library default:
//!
//! - gzip: RFC 1952 members; concatenated members are accepted.
//! - snappy: the Java client writes snappy-java's "xerial" framing (an 8-byte magic, two
//!   version ints, then `[i32 big-endian length][raw snappy block]` chunks); librdkafka
//!   writes one raw snappy block. [`CompressionType::decompress`] accepts both by looking
//!   for the magic; [`CompressionType::compress`] writes xerial framing, which every
//!   client reads.
//! - lz4: the LZ4 frame format. The Java client decodes every block on its own and does
//!   not check content checksums in older versions, so frames are written with
//!   independent 64 KiB blocks and no optional checksums or content size.
//! - zstd: standard zstd frames.
//!
//! Decompression runs on bytes from untrusted producers, so it is bounded: output past
//! a limit ([`MAX_DECOMPRESSED_SIZE`] unless the caller picks another) is an error, and
//! decoders only allocate in proportion to output they actually produce (or, for raw
//! snappy, to a declared length checked against both the limit and the input size).

use std::io::{Read, Write};

/// Default limit on the bytes one [`CompressionType::decompress`] call may produce.
/// Far above any batch a broker accepts (`message.max.bytes` defaults to 1 MiB
/// compressed), yet small enough that a decompression bomb cannot exhaust memory.
pub const MAX_DECOMPRESSED_SIZE: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompressionType {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompressionError {
    #[error("{codec:?} decompression failed: {reason}")]
    Decompress {
        codec: CompressionType,
        reason: String,
    },
    #[error("{codec:?} compression failed: {reason}")]
    Compress {
        codec: CompressionType,
        reason: String,
    },
    /// The input would decompress to more than `limit` bytes.
    #[error("{codec:?} data decompresses to more than the limit of {limit} bytes")]
    TooLarge {
        codec: CompressionType,
        limit: usize,
    },
}

/// Magic that starts snappy-java's stream format.
const XERIAL_MAGIC: [u8; 8] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0];
/// Magic, version and minimum compatible version.
const XERIAL_HEADER_LEN: usize = XERIAL_MAGIC.len() + 8;
/// The header snappy-java writes: format version 1, compatible with version 1.
const XERIAL_VERSION: i32 = 1;
const XERIAL_MIN_COMPATIBLE_VERSION: i32 = 1;
/// snappy-java's default chunk size.
const XERIAL_CHUNK_SIZE: usize = 32 * 1024;
/// No valid raw snappy block expands more than this: the most productive element, a
/// 3-byte copy, yields 64 bytes. Lets a declared length be refused before allocating.
const SNAPPY_MAX_EXPANSION: usize = 22;

/// Kafka's default zstd level (`compression.zstd.level`).
const ZSTD_LEVEL: i32 = 3;

impl CompressionType {
    pub fn from_id(id: u8) -> Option<Self> {
        match id {
            0 => Some(Self::None),
            1 => Some(Self::Gzip),
            2 => Some(Self::Snappy),
            3 => Some(Self::Lz4),
            4 => Some(Self::Zstd),
            _ => None,
        }
    }
    pub fn id(self) -> u8 {
        self as u8
    }
    /// Kafka's name for the codec, as used in `compression.type` and by `kafka-dump-log`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Gzip => "gzip",
            Self::Snappy => "snappy",
            Self::Lz4 => "lz4",
            Self::Zstd => "zstd",
        }
    }

    /// The codec Kafka calls `name` (lower case, as in `compression.type`); `None` for
    /// anything else, including the topic-level `producer` setting, which is not a codec.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "gzip" => Some(Self::Gzip),
            "snappy" => Some(Self::Snappy),
            "lz4" => Some(Self::Lz4),
            "zstd" => Some(Self::Zstd),
            _ => None,
        }
    }

    /// Appends `input` compressed with this codec to `out`, framed as Kafka clients
    /// expect (see the module docs). [`CompressionType::None`] copies `input`.
    pub fn compress(self, input: &[u8], out: &mut Vec<u8>) -> Result<(), CompressionError> {
        let fail = |err: std::io::Error| CompressionError::Compress {
            codec: self,
            reason: err.to_string(),
        };
        match self {
            Self::None => out.extend_from_slice(input),
            Self::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(out, flate2::Compression::default());
                encoder.write_all(input).map_err(fail)?;
                encoder.finish().map_err(fail)?;
            }
            Self::Snappy => xerial_compress(input, out)?,
            Self::Lz4 => {
                let info = lz4_flex::frame::FrameInfo::new()
                    .block_size(lz4_flex::frame::BlockSize::Max64KB)
                    .block_mode(lz4_flex::frame::BlockMode::Independent);
                let mut encoder = lz4_flex::frame::FrameEncoder::with_frame_info(info, out);
                encoder.write_all(input).map_err(fail)?;
                encoder.finish().map_err(|err| CompressionError::Compress {
                    codec: self,
                    reason: err.to_string(),
                })?;
            }
            Self::Zstd => {
                let mut encoder =
                    zstd::stream::write::Encoder::new(out, ZSTD_LEVEL).map_err(fail)?;
                encoder.write_all(input).map_err(fail)?;
                encoder.finish().map_err(fail)?;
            }
        }
        Ok(())
    }

    /// Appends the decompressed form of `input` to `out`, producing at most
    /// [`MAX_DECOMPRESSED_SIZE`] bytes. See [`CompressionType::decompress_with_limit`].
    pub fn decompress(self, input: &[u8], out: &mut Vec<u8>) -> Result<(), CompressionError> {
        self.decompress_with_limit(input, MAX_DECOMPRESSED_SIZE, out)
    }

    /// Appends the decompressed form of `input` to `out`, refusing with
    /// [`CompressionError::TooLarge`] once it would append more than `limit` bytes.
    /// Malformed input is an error, never a panic. On error `out` keeps at least its
    /// original contents; whether a partial result follows them is unspecified.
    pub fn decompress_with_limit(
        self,
        input: &[u8],
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), CompressionError> {
        match self {
            Self::None => {
                if input.len() > limit {
                    return Err(CompressionError::TooLarge { codec: self, limit });
                }
                out.extend_from_slice(input);
                Ok(())
            }
            Self::Gzip => self.read_bounded(flate2::read::MultiGzDecoder::new(input), limit, out),
            Self::Snappy => {
                if input.starts_with(&XERIAL_MAGIC) {
                    xerial_decompress(input, limit, out)
                } else {
                    snappy_block_decompress(input, limit, out)
                }
            }
            Self::Lz4 => self.read_bounded(lz4_flex::frame::FrameDecoder::new(input), limit, out),
            Self::Zstd => {
                let decoder = zstd::stream::read::Decoder::with_buffer(input).map_err(|err| {
                    CompressionError::Decompress {
                        codec: self,
                        reason: err.to_string(),
                    }
                })?;
                self.read_bounded(decoder, limit, out)
            }
        }
    }

    /// Drains a streaming decoder into `out`, failing once the output would pass
    /// `limit`. The buffer grows in capped steps, never past `limit` bytes of output,
    /// so a small hostile payload cannot make us allocate more than the limit (a plain
    /// `read_to_end` doubles its buffer past it before the check can run).
    fn read_bounded(
        self,
        mut decoder: impl Read,
        limit: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), CompressionError> {
        const CHUNK: usize = 64 * 1024;
        let start = out.len();
        let mut chunk = vec![0u8; CHUNK];
        let fail = |out: &mut Vec<u8>, err: CompressionError| {
            out.truncate(start);
            Err(err)
        };
        loop {
            let n = match decoder.read(&mut chunk) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(err) => {
                    return fail(
                        out,
                        CompressionError::Decompress {
                            codec: self,
                            reason: err.to_string(),
                        },
                    )
                }
            };
            let produced = out.len() - start;
            if produced + n > limit {
                return fail(out, CompressionError::TooLarge { codec: self, limit });
            }
            if out.capacity() - out.len() < n {
                // Double, but never beyond the limit.
                let wanted = (produced.max(CHUNK) * 2).min(limit).max(produced + n);
                if out.try_reserve_exact(wanted - produced).is_err() {
                    return fail(out, CompressionError::TooLarge { codec: self, limit });
                }
            }
            out.extend_from_slice(&chunk[..n]);
        }
    }
}

fn xerial_compress(input: &[u8], out: &mut Vec<u8>) -> Result<(), CompressionError> {
    out.extend_from_slice(&XERIAL_MAGIC);
    out.extend_from_slice(&XERIAL_VERSION.to_be_bytes());
    out.extend_from_slice(&XERIAL_MIN_COMPATIBLE_VERSION.to_be_bytes());
    let mut encoder = snap::raw::Encoder::new();
    for chunk in input.chunks(XERIAL_CHUNK_SIZE) {
        let len_at = out.len();
        out.extend_from_slice(&[0; 4]);
        let start = out.len();
        out.resize(start + snap::raw::max_compress_len(chunk.len()), 0);
        let written = encoder.compress(chunk, &mut out[start..]).map_err(|err| {
            CompressionError::Compress {
                codec: CompressionType::Snappy,
                reason: err.to_string(),
            }
        })?;
        out.truncate(start + written);
        // A chunk of at most 32 KiB compresses to well under 2 GiB.
        let written = written as i32;
        out[len_at..start].copy_from_slice(&written.to_be_bytes());
    }
    Ok(())
}

/// Decodes snappy-java's stream format. A stream may be the concatenation of several
/// streams, each with its own header, as snappy-java itself accepts.
fn xerial_decompress(
    input: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<(), CompressionError> {
    let corrupt = |reason: &str| CompressionError::Decompress {
        codec: CompressionType::Snappy,
        reason: reason.to_string(),
    };
    let start = out.len();
    let mut rest = input;
    while !rest.is_empty() {
        if rest.starts_with(&XERIAL_MAGIC) {
            if rest.len() < XERIAL_HEADER_LEN {
                return Err(corrupt("truncated xerial header"));
            }
            rest = &rest[XERIAL_HEADER_LEN..];
            continue;
        }
        let Some((len, tail)) = rest.split_first_chunk::<4>() else {
            return Err(corrupt("truncated xerial chunk length"));
        };
        let len = i32::from_be_bytes(*len);
        let len = usize::try_from(len).map_err(|_| corrupt("negative xerial chunk length"))?;
        if tail.len() < len {
            return Err(corrupt("truncated xerial chunk"));
        }
        let (block, tail) = tail.split_at(len);
        let used = out.len() - start;
        snappy_block_decompress(block, limit - used, out).map_err(|err| match err {
            CompressionError::TooLarge { codec, .. } => CompressionError::TooLarge { codec, limit },
            other => other,
        })?;
        rest = tail;
    }
    Ok(())
}

/// Decodes one raw snappy block, checking its declared length before allocating.
fn snappy_block_decompress(
    block: &[u8],
    limit: usize,
    out: &mut Vec<u8>,
) -> Result<(), CompressionError> {
    let corrupt = |err: snap::Error| CompressionError::Decompress {
        codec: CompressionType::Snappy,
        reason: err.to_string(),
    };
    let len = snap::raw::decompress_len(block).map_err(corrupt)?;
    if len > limit {
        return Err(CompressionError::TooLarge {
            codec: CompressionType::Snappy,
            limit,
        });
    }
    if len > block.len().saturating_mul(SNAPPY_MAX_EXPANSION) {
        return Err(CompressionError::Decompress {
            codec: CompressionType::Snappy,
            reason: format!(
                "declared length {len} is more than a {}-byte block can encode",
                block.len()
            ),
        });
    }
    let start = out.len();
    out.resize(start + len, 0);
    match snap::raw::Decoder::new().decompress(block, &mut out[start..]) {
        Ok(written) if written == len => Ok(()),
        Ok(written) => {
            out.truncate(start);
            Err(CompressionError::Decompress {
                codec: CompressionType::Snappy,
                reason: format!("block declared {len} bytes but held {written}"),
            })
        }
        Err(err) => {
            out.truncate(start);
            Err(corrupt(err))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ALL: [CompressionType; 5] = [
        CompressionType::None,
        CompressionType::Gzip,
        CompressionType::Snappy,
        CompressionType::Lz4,
        CompressionType::Zstd,
    ];

    fn compressed(codec: CompressionType, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        codec.compress(input, &mut out).expect("compress");
        out
    }

    #[test]
    fn test_compression_type_names_round_trip() {
        for codec in ALL {
            assert_eq!(CompressionType::from_name(codec.name()), Some(codec));
            assert_eq!(CompressionType::from_id(codec.id()), Some(codec));
        }
        assert_eq!(CompressionType::from_name("producer"), None);
        assert_eq!(CompressionType::from_name("GZIP"), None);
        assert_eq!(CompressionType::from_id(5), None);
    }

    #[test]
    fn test_compress_appends_to_existing_output() {
        for codec in ALL {
            let mut out = b"prefix".to_vec();
            codec
                .compress(b"hello hello hello", &mut out)
                .expect("compress");
            assert!(out.starts_with(b"prefix"));
            let mut plain = b"kept".to_vec();
            codec.decompress(&out[6..], &mut plain).expect("decompress");
            assert_eq!(plain, b"kepthello hello hello", "{codec:?}");
        }
    }

    #[test]
    fn test_snappy_writes_xerial_framing() {
        let out = compressed(CompressionType::Snappy, &[7; 100_000]);
        assert_eq!(out[..8], XERIAL_MAGIC);
        assert_eq!(out[8..16], [0, 0, 0, 1, 0, 0, 0, 1]);
    }

    #[test]
    fn test_lz4_writes_frames_java_can_read() {
        let out = compressed(CompressionType::Lz4, &[3; 200_000]);
        assert_eq!(out[..4], [0x04, 0x22, 0x4d, 0x18]);
        // FLG: version 1, independent blocks, no checksums, no content size.
        assert_eq!(out[4], 0x60);
        // BD: 64 KiB blocks.
        assert_eq!(out[5], 0x40);
    }

    #[test]
    fn test_snappy_decompress_accepts_raw_block() {
        let input = b"librdkafka writes raw snappy blocks, raw snappy blocks".repeat(50);
        let raw = snap::raw::Encoder::new()
            .compress_vec(&input)
            .expect("compress");
        let mut out = Vec::new();
        CompressionType::Snappy
            .decompress(&raw, &mut out)
            .expect("decompress");
        assert_eq!(out, input);
    }

    #[test]
    fn test_snappy_decompress_accepts_concatenated_xerial_streams() {
        let mut stream = compressed(CompressionType::Snappy, b"first ");
        stream.extend(compressed(CompressionType::Snappy, b"second"));
        let mut out = Vec::new();
        CompressionType::Snappy
            .decompress(&stream, &mut out)
            .expect("decompress");
        assert_eq!(out, b"first second");
    }

    #[test]
    fn test_snappy_decompress_rejects_truncated_xerial() {
        let stream = compressed(CompressionType::Snappy, &[1; 70_000]);
        for cut in [10, 17, 20, stream.len() - 1] {
            let mut out = Vec::new();
            assert!(matches!(
                CompressionType::Snappy.decompress(&stream[..cut], &mut out),
                Err(CompressionError::Decompress { .. })
            ));
        }
    }

    #[test]
    fn test_snappy_decompress_refuses_implausible_declared_length() {
        // Declares 2 MiB in a 4-byte block: refused without allocating it.
        let mut block = Vec::new();
        crate::varint::write_unsigned_varint(2 << 20, &mut block);
        block.push(0);
        let mut out = Vec::new();
        assert!(CompressionType::Snappy
            .decompress(&block, &mut out)
            .is_err());
        assert!(out.capacity() < 1024);
    }

    #[test]
    fn test_decompress_gzip_bomb_exceeding_limit_errors() {
        let bomb = compressed(CompressionType::Gzip, &vec![0; 4 << 20]);
        assert!(bomb.len() < 64 * 1024);
        let mut out = Vec::new();
        assert_eq!(
            CompressionType::Gzip.decompress_with_limit(&bomb, 1 << 20, &mut out),
            Err(CompressionError::TooLarge {
                codec: CompressionType::Gzip,
                limit: 1 << 20
            })
        );
        assert!(out.is_empty());
    }

    #[test]
    fn test_decompress_every_codec_enforces_limit() {
        let input = vec![0; 300_000];
        for codec in ALL {
            let data = compressed(codec, &input);
            let mut out = Vec::new();
            assert_eq!(
                codec.decompress_with_limit(&data, input.len() - 1, &mut out),
                Err(CompressionError::TooLarge {
                    codec,
                    limit: input.len() - 1
                }),
                "{codec:?}"
            );
            out.clear();
            codec
                .decompress_with_limit(&data, input.len(), &mut out)
                .expect("an exact fit is within the limit");
            assert_eq!(out.len(), input.len());
        }
    }

    proptest! {
        #[test]
        fn test_compression_round_trip(input in proptest::collection::vec(0u8..4, 0..100_000)) {
            for codec in ALL {
                let data = compressed(codec, &input);
                let mut out = Vec::new();
                codec.decompress(&data, &mut out).expect("decompress");
                prop_assert_eq!(&out, &input, "{:?}", codec);
            }
        }

        #[test]
        fn test_decompress_garbage_never_panics(
            input in proptest::collection::vec(any::<u8>(), 0..2_000),
        ) {
            for codec in ALL {
                let _ = codec.decompress_with_limit(&input, 1 << 20, &mut Vec::new());
            }
        }

        #[test]
        fn test_decompress_corrupted_stream_never_panics(
            input in proptest::collection::vec(0u8..8, 0..5_000),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..8),
            cut in any::<prop::sample::Index>(),
        ) {
            for codec in ALL {
                let mut data = compressed(codec, &input);
                if !data.is_empty() {
                    for (at, mask) in &flips {
                        let at = at.index(data.len());
                        data[at] ^= mask;
                    }
                }
                let _ = codec.decompress_with_limit(&data, 1 << 20, &mut Vec::new());
                let cut = cut.index(data.len() + 1);
                let _ = codec.decompress_with_limit(&data[..cut], 1 << 20, &mut Vec::new());
            }
        }
    }
}

#[cfg(test)]
mod bomb_tests {
    use super::*;

    /// A zstd frame of `blocks` run-length blocks of 128 KiB of zeros: 4 bytes each on
    /// the wire. Found by the `record_batch` fuzz target (fuzz/src/regressions.rs).
    fn zstd_rle_bomb(blocks: usize) -> Vec<u8> {
        let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x38];
        for i in 0..blocks {
            let last = i + 1 == blocks;
            out.extend_from_slice(&[if last { 0x03 } else { 0x02 }, 0x00, 0x10, 0x00]);
        }
        out
    }

    #[test]
    fn test_decompress_bomb_never_reserves_beyond_the_limit() {
        let bomb = zstd_rle_bomb(2049);
        let mut out = Vec::new();
        let result = CompressionType::Zstd.decompress(&bomb, &mut out);
        assert!(
            matches!(result, Err(CompressionError::TooLarge { .. })),
            "{result:?}"
        );
        assert!(
            out.capacity() <= MAX_DECOMPRESSED_SIZE,
            "reserved {} bytes",
            out.capacity()
        );
        // Just under the limit still decodes.
        let mut out = Vec::new();
        CompressionType::Zstd
            .decompress(&zstd_rle_bomb(16), &mut out)
            .unwrap();
        assert_eq!(out.len(), 16 * 128 * 1024);
        assert!(out.iter().all(|b| *b == 0));
    }
}
