//! The Kafka wire codec: primitive types, classic and flexible ("compact") encodings,
//! tagged fields.
//!
//! Decoding never trusts a length from the wire: every string, byte field and array is
//! checked against the bytes actually left in the frame before anything is allocated,
//! so a hostile frame costs at most its own size in memory. Byte fields (record sets in
//! particular) are returned as ranges of the frame, not copies: a produce request's
//! batches are rewritten in place and appended from the frame they arrived in.

pub mod min_size;
mod reader;
#[cfg(test)]
pub(crate) mod test_support;
mod writer;

pub use reader::Reader;
pub use writer::{ResponseBody, ResponsePart, Writer};

use std::ops::Range;

/// Why a request could not be decoded. The broker answers none of these: like Kafka,
/// it logs one line and closes the connection (the client cannot resynchronise).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame truncated: needed {needed} more bytes at position {position}")]
    Truncated { needed: usize, position: usize },
    #[error("invalid length {length} for {what} at position {position}")]
    InvalidLength {
        what: &'static str,
        length: i64,
        position: usize,
    },
    #[error("invalid varint at position {position}")]
    InvalidVarint { position: usize },
    #[error("string at position {position} is not UTF-8")]
    InvalidUtf8 { position: usize },
    #[error("null where {what} may not be null")]
    UnexpectedNull { what: &'static str },
    #[error("{remaining} unexpected bytes after the message")]
    TrailingBytes { remaining: usize },
}

/// A byte range of the frame being decoded (a record set, a byte field).
pub type FrameRange = Range<usize>;

/// A request or response body that can be read from the wire at a given version.
pub trait Decode: Sized {
    fn decode(reader: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError>;
}

/// A request or response body that can be written at a given version.
pub trait Encode {
    fn encode(&self, writer: &mut Writer, version: i16);
}

#[cfg(test)]
mod tests;
