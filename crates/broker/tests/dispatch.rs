//! Dispatch routes every API that ApiVersions advertises, at every advertised version,
//! and refuses the rest the way Kafka does.

use std::ffi::OsString;
use std::sync::Arc;

use fjord_broker::dispatch::{dispatch, DispatchError};
use fjord_broker::handlers::SUPPORTED;
use fjord_broker::metadata::BrokerEndpoint;
use fjord_broker::Broker;
use fjord_config::ServerConfig;
use fjord_protocol::codec::Writer;
use fjord_protocol::ApiKey;
use fjord_storage::LogManager;

fn broker(dir: &tempfile::TempDir) -> Arc<Broker> {
    let settings = vec![("log.dirs".to_string(), dir.path().display().to_string())];
    let config =
        ServerConfig::load_with_env(None, std::iter::empty::<(OsString, OsString)>(), &settings)
            .unwrap();
    let logs = LogManager::startup(config.log_manager_config()).unwrap();
    let endpoint = BrokerEndpoint {
        node_id: 1,
        listener: "PLAINTEXT".into(),
        host: "localhost".into(),
        port: 9092,
        rack: None,
    };
    Broker::start(Arc::new(config), logs, vec![endpoint]).unwrap()
}

fn ctx() -> fjord_broker::RequestContext {
    fjord_broker::RequestContext::new("PLAINTEXT", "127.0.0.1:1".parse().unwrap())
}

/// A request frame with a header and an empty body.
fn frame(api: ApiKey, version: i16) -> Vec<u8> {
    let mut w = Writer::new();
    w.i16(api as i16);
    w.i16(version);
    w.i32(42);
    w.nullable_string(false, Some("test"));
    w.empty_tagged_fields(api.request_header_version(version) >= 2);
    w.into()
}

#[tokio::test]
async fn test_dispatch_routes_every_advertised_api_and_version() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(&dir);
    for (api, versions) in SUPPORTED {
        for version in versions.clone() {
            // An empty body is malformed for most APIs; what matters is that the request
            // reaches its decoder instead of being refused as unknown.
            match dispatch(&broker, &ctx(), frame(*api, version)).await {
                Err(DispatchError::UnknownApi(_))
                | Err(DispatchError::UnsupportedVersion { .. }) => {
                    panic!("{api:?} v{version} is advertised but not routed")
                }
                _ => {}
            }
        }
    }
    broker.logs.shutdown().unwrap();
}

#[tokio::test]
async fn test_dispatch_refuses_unknown_apis_and_versions() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker(&dir);
    let mut unknown_key = frame(ApiKey::Metadata, 0);
    unknown_key[..2].copy_from_slice(&9999i16.to_be_bytes());
    assert!(matches!(
        dispatch(&broker, &ctx(), unknown_key).await,
        Err(DispatchError::UnknownApi(9999))
    ));
    assert!(matches!(
        dispatch(&broker, &ctx(), frame(ApiKey::Metadata, 99)).await,
        Err(DispatchError::UnsupportedVersion { .. })
    ));
    assert!(matches!(
        dispatch(&broker, &ctx(), vec![0, 3]).await,
        Err(DispatchError::Malformed(_))
    ));
    // ApiVersions at an unknown version is answered (KIP-511).
    assert!(matches!(
        dispatch(&broker, &ctx(), frame(ApiKey::ApiVersions, 99)).await,
        Ok(Some(_))
    ));
    broker.logs.shutdown().unwrap();
}
