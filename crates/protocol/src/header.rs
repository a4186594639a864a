//! Request and response headers.

use crate::api_key::ApiKey;
use crate::codec::{DecodeError, Reader, Writer};

/// A request header. `api_key` is kept raw: an unknown key still has a header we can
/// log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHeader<'a> {
    pub api_key: i16,
    pub api_version: i16,
    pub correlation_id: i32,
    pub client_id: Option<&'a str>,
}

impl<'a> RequestHeader<'a> {
    /// Reads the fixed part every header version shares (key, version, correlation id),
    /// which is all we can trust before we know the API: enough to answer with an error.
    pub fn peek(frame: &[u8]) -> Result<(i16, i16, i32), DecodeError> {
        let mut reader = Reader::new(frame);
        Ok((reader.i16()?, reader.i16()?, reader.i32()?))
    }

    /// Decodes the header of a request for a known API; the reader is left at the body.
    pub fn decode(reader: &mut Reader<'a>, api_key: ApiKey) -> Result<Self, DecodeError> {
        let key = reader.i16()?;
        let api_version = reader.i16()?;
        let correlation_id = reader.i32()?;
        // client_id is a classic nullable string even in header v2.
        let client_id = reader.nullable_string(false)?;
        if api_key.request_header_version(api_version) >= 2 {
            reader.skip_tagged_fields(true)?;
        }
        Ok(Self {
            api_key: key,
            api_version,
            correlation_id,
            client_id,
        })
    }
}

/// Writes a response header.
pub fn encode_response_header(writer: &mut Writer, correlation_id: i32, header_version: i16) {
    writer.i32(correlation_id);
    writer.empty_tagged_fields(header_version >= 1);
}
