//! `Connection`: framing, correlation ids and version negotiation over one socket.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::RangeInclusive;
use std::time::Duration;

use fjord_protocol::codec::{Decode, DecodeError, Encode, Reader, Writer};
use fjord_protocol::header::{decode_response_header, encode_request_header};
use fjord_protocol::messages::api_versions::{ApiVersionsRequest, ApiVersionsResponse};
use fjord_protocol::ApiKey;

/// The largest response a tool accepts (a metadata answer for many topics fits).
const MAX_RESPONSE: usize = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: String,
        source: std::io::Error,
    },
    #[error("connection to the broker failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the broker sent a response that cannot be read: {0}")]
    Decode(#[from] DecodeError),
    #[error("the broker does not support {api:?} in any version this tool knows")]
    Unsupported { api: ApiKey },
    #[error("response for request {got} where {expected} was expected")]
    Correlation { expected: i32, got: i32 },
    #[error("response of {0} bytes is too large")]
    TooLarge(usize),
}

pub struct Connection {
    stream: TcpStream,
    client_id: String,
    next_correlation_id: i32,
    /// The broker's versions per API key, from ApiVersions.
    broker_versions: Vec<(i16, RangeInclusive<i16>)>,
}

impl Connection {
    /// Connects to the first address of `bootstrap` (host:port, comma-separated) that
    /// answers, and asks for its API versions.
    pub fn connect(
        bootstrap: &str,
        client_id: &str,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        let mut last = None;
        for address in bootstrap
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            match open(address, timeout) {
                Ok(stream) => {
                    let mut connection = Self {
                        stream,
                        client_id: client_id.to_owned(),
                        next_correlation_id: 0,
                        broker_versions: Vec::new(),
                    };
                    connection.negotiate()?;
                    return Ok(connection);
                }
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| ClientError::Connect {
            address: bootstrap.to_owned(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address given"),
        }))
    }

    fn negotiate(&mut self) -> Result<(), ClientError> {
        // v0 is understood by every broker; it lists each API's version range.
        let response: ApiVersionsResponse =
            self.send_at(ApiKey::ApiVersions, 0, &ApiVersionsRequest::default())?;
        self.broker_versions = response
            .api_keys
            .iter()
            .map(|k| (k.api_key, k.min_version..=k.max_version))
            .collect();
        Ok(())
    }

    /// The broker's version range of every API it advertised, by key.
    pub fn broker_versions(&self) -> &[(i16, RangeInclusive<i16>)] {
        &self.broker_versions
    }

    /// The highest version both sides know of `api`, given the versions this tool's
    /// message types support.
    pub fn version_for(&self, api: ApiKey, ours: &RangeInclusive<i16>) -> Result<i16, ClientError> {
        let theirs = self
            .broker_versions
            .iter()
            .find(|(key, _)| *key == api as i16)
            .map(|(_, v)| v.clone())
            .ok_or(ClientError::Unsupported { api })?;
        let high = (*ours.end()).min(*theirs.end());
        if high < (*ours.start()).max(*theirs.start()) {
            return Err(ClientError::Unsupported { api });
        }
        Ok(high)
    }

    /// Sends `request` at the best common version of `api` and reads the response.
    pub fn send<Req: Encode, Resp: Decode>(
        &mut self,
        api: ApiKey,
        ours: &RangeInclusive<i16>,
        request: &Req,
    ) -> Result<(Resp, i16), ClientError> {
        let version = self.version_for(api, ours)?;
        Ok((self.send_at(api, version, request)?, version))
    }

    /// Sends `request` at the best common version without reading an answer (a
    /// produce with `acks=0` gets none).
    pub fn send_only<Req: Encode>(
        &mut self,
        api: ApiKey,
        ours: &RangeInclusive<i16>,
        request: &Req,
    ) -> Result<(), ClientError> {
        let version = self.version_for(api, ours)?;
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        self.write_request(api, version, correlation_id, request)
    }

    fn write_request<Req: Encode>(
        &mut self,
        api: ApiKey,
        version: i16,
        correlation_id: i32,
        request: &Req,
    ) -> Result<(), ClientError> {
        let mut w = Writer::new();
        encode_request_header(&mut w, api, version, correlation_id, Some(&self.client_id));
        request.encode(&mut w, version);
        let body = w.bytes_written();
        let mut frame = Vec::with_capacity(body.len() + 4);
        frame.extend_from_slice(&(body.len() as i32).to_be_bytes());
        frame.extend_from_slice(body);
        self.stream.write_all(&frame)?;
        Ok(())
    }

    /// Sends `request` at `version` and reads the response.
    pub fn send_at<Req: Encode, Resp: Decode>(
        &mut self,
        api: ApiKey,
        version: i16,
        request: &Req,
    ) -> Result<Resp, ClientError> {
        let correlation_id = self.next_correlation_id;
        self.next_correlation_id = self.next_correlation_id.wrapping_add(1);
        self.write_request(api, version, correlation_id, request)?;
        let mut size = [0u8; 4];
        self.stream.read_exact(&mut size)?;
        let size = i32::from_be_bytes(size).max(0) as usize;
        if size > MAX_RESPONSE {
            return Err(ClientError::TooLarge(size));
        }
        let mut response = vec![0u8; size];
        self.stream.read_exact(&mut response)?;
        let mut r = Reader::new(&response);
        let got = decode_response_header(&mut r, api.response_header_version(version))?;
        if got != correlation_id {
            return Err(ClientError::Correlation {
                expected: correlation_id,
                got,
            });
        }
        Ok(Resp::decode(&mut r, version)?)
    }
}

fn open(address: &str, timeout: Duration) -> Result<TcpStream, ClientError> {
    let connect_error = |source| ClientError::Connect {
        address: address.to_owned(),
        source,
    };
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address resolved");
    for socket in address.to_socket_addrs().map_err(connect_error)? {
        match TcpStream::connect_timeout(&socket, timeout) {
            Ok(stream) => {
                stream
                    .set_read_timeout(Some(timeout))
                    .map_err(connect_error)?;
                stream.set_nodelay(true).map_err(connect_error)?;
                return Ok(stream);
            }
            Err(err) => last = err,
        }
    }
    Err(connect_error(last))
}
