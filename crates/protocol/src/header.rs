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

/// Writes a request header (what a client sends; the broker reads it with
/// [`RequestHeader::decode`]).
pub fn encode_request_header(
    writer: &mut Writer,
    api_key: ApiKey,
    api_version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
) {
    writer.i16(api_key as i16);
    writer.i16(api_version);
    writer.i32(correlation_id);
    writer.nullable_string(false, client_id);
    writer.empty_tagged_fields(api_key.request_header_version(api_version) >= 2);
}

/// Reads a response header: the correlation id (the reader is left at the body).
pub fn decode_response_header(
    reader: &mut Reader<'_>,
    header_version: i16,
) -> Result<i32, DecodeError> {
    let correlation_id = reader.i32()?;
    reader.skip_tagged_fields(header_version >= 1)?;
    Ok(correlation_id)
}

#[cfg(test)]
mod client_side_tests {
    use super::*;

    #[test]
    fn test_request_header_round_trips_through_the_broker_decoder() {
        for (api, version) in [
            (ApiKey::Metadata, 1),
            (ApiKey::Metadata, 12),
            (ApiKey::ApiVersions, 3),
        ] {
            let mut w = Writer::new();
            encode_request_header(&mut w, api, version, 7, Some("fjord-tool"));
            let bytes = w.bytes_written().to_vec();
            let mut r = Reader::new(&bytes);
            let header = RequestHeader::decode(&mut r, api).unwrap();
            assert_eq!(
                (header.api_version, header.correlation_id, header.client_id),
                (version, 7, Some("fjord-tool"))
            );
            assert_eq!(r.remaining(), 0);
        }
    }

    #[test]
    fn test_response_header_reads_what_the_broker_writes() {
        for header_version in [0, 1] {
            let mut w = Writer::new();
            encode_response_header(&mut w, 42, header_version);
            let bytes = w.bytes_written().to_vec();
            let mut r = Reader::new(&bytes);
            assert_eq!(decode_response_header(&mut r, header_version).unwrap(), 42);
            assert_eq!(r.remaining(), 0);
        }
    }
}
