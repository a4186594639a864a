//! ApiVersions: the versions in [`super::SUPPORTED`], and KIP-511's answer to a version
//! we do not know.

use fjord_protocol::messages::api_versions::{ApiVersion, ApiVersionsRequest, ApiVersionsResponse};
use fjord_protocol::ErrorCode;

pub fn handle(_request: &ApiVersionsRequest) -> ApiVersionsResponse {
    response(ErrorCode::NONE)
}

/// The full table with `error_code`; for an unsupported ApiVersions version it is sent
/// at version 0, which every client can read.
pub fn response(error_code: ErrorCode) -> ApiVersionsResponse {
    ApiVersionsResponse {
        error_code,
        api_keys: super::SUPPORTED
            .iter()
            .map(|(key, versions)| ApiVersion {
                api_key: *key as i16,
                min_version: *versions.start(),
                max_version: *versions.end(),
            })
            .collect(),
        throttle_time_ms: 0,
    }
}
