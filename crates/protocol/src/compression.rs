//! Record batch compression codecs, as identified by the low three attribute bits.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompressionType {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

#[derive(Debug, thiserror::Error)]
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
}

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
}
