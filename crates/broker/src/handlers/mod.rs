//! One module per API. Each handler takes the decoded request and returns the response
//! value (or a future of it), so it can be tested without sockets.

pub mod api_versions;
pub mod metadata;

use std::ops::RangeInclusive;

use fjord_protocol::messages;
use fjord_protocol::ApiKey;

/// Every API this broker serves and the versions of it: what ApiVersions advertises and
/// what dispatch accepts, from one table.
pub const SUPPORTED: &[(ApiKey, RangeInclusive<i16>)] = &[
    (ApiKey::ApiVersions, messages::api_versions::VERSIONS),
    (ApiKey::Metadata, messages::metadata::VERSIONS),
];

pub fn supported_versions(api: ApiKey) -> Option<&'static RangeInclusive<i16>> {
    SUPPORTED
        .iter()
        .find(|(key, _)| *key == api)
        .map(|(_, versions)| versions)
}
