//! ApiVersions (key 18): which APIs and versions the broker serves.

use std::ops::RangeInclusive;

use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 0..=4;
const FLEXIBLE: i16 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiVersionsRequest {
    pub client_software_name: Option<String>,
    pub client_software_version: Option<String>,
}

impl Decode for ApiVersionsRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let mut request = Self::default();
        if version >= FLEXIBLE {
            request.client_software_name = Some(r.string(true)?.to_owned());
            request.client_software_version = Some(r.string(true)?.to_owned());
            r.skip_tagged_fields(true)?;
        }
        Ok(request)
    }
}

/// What a client (Fjord's tools) sends; v3+ names the software.
impl Encode for ApiVersionsRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        if version >= FLEXIBLE {
            w.string(
                true,
                self.client_software_name.as_deref().unwrap_or("fjord"),
            );
            w.string(true, self.client_software_version.as_deref().unwrap_or(""));
            w.empty_tagged_fields(true);
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersion {
    pub api_key: i16,
    pub min_version: i16,
    pub max_version: i16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersionsResponse {
    pub error_code: ErrorCode,
    pub api_keys: Vec<ApiVersion>,
    pub throttle_time_ms: i32,
}

impl Encode for ApiVersionsResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i16(self.error_code.0);
        w.array(flexible, &self.api_keys, |w, api| {
            w.i16(api.api_key);
            w.i16(api.min_version);
            w.i16(api.max_version);
            w.empty_tagged_fields(flexible);
        });
        if version >= 1 {
            w.i32(self.throttle_time_ms);
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for ApiVersionsResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let error_code = ErrorCode(r.i16()?);
        let api_keys = r.array(flexible, 6, |r| {
            let api = ApiVersion {
                api_key: r.i16()?,
                min_version: r.i16()?,
                max_version: r.i16()?,
            };
            r.skip_tagged_fields(flexible)?;
            Ok(api)
        })?;
        let throttle_time_ms = if version >= 1 { r.i32()? } else { 0 };
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            error_code,
            api_keys,
            throttle_time_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::test_support::assert_round_trips;

    #[test]
    fn test_api_versions_request_v3_reads_client_software() {
        // compact strings: length+1 as unsigned varint.
        let bytes = [5, b'r', b'd', b'k', b'f', 4, b'2', b'.', b'3', 0];
        let request = ApiVersionsRequest::decode(&mut Reader::new(&bytes), 3).unwrap();
        assert_eq!(request.client_software_name.as_deref(), Some("rdkf"));
        assert_eq!(request.client_software_version.as_deref(), Some("2.3"));
    }

    #[test]
    fn test_api_versions_response_round_trips_in_every_version() {
        let response = ApiVersionsResponse {
            error_code: ErrorCode::NONE,
            api_keys: vec![ApiVersion {
                api_key: 18,
                min_version: 0,
                max_version: 4,
            }],
            throttle_time_ms: 0,
        };
        assert_round_trips(&response, VERSIONS);
    }
}
