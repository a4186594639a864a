//! `meta.properties`: the identity of each log dir (cluster id, node id, directory id),
//! written on first start as `kafka-storage format` would, and checked after.

use std::path::Path;

use base64::Engine;
use fjord_protocol::ErrorCode;

use super::MetadataError;

const FILE: &str = "meta.properties";

fn new_id() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

fn read(dir: &Path) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(dir.join(FILE)).ok()?;
    Some(
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
    )
}

/// The cluster id shared by `log_dirs`, formatting any dir that has no `meta.properties`.
/// A dir formatted for another node or cluster is refused, as Kafka refuses it.
pub fn load_or_format(
    log_dirs: &[std::path::PathBuf],
    node_id: i32,
) -> Result<String, MetadataError> {
    let mut cluster_id: Option<String> = None;
    for dir in log_dirs {
        let Some(props) = read(dir) else { continue };
        let get = |key: &str| props.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        if let Some(stored) = get("node.id").and_then(|v| v.parse::<i32>().ok()) {
            if stored != node_id {
                return Err(MetadataError::new(
                    ErrorCode::INCONSISTENT_CLUSTER_ID,
                    format!(
                        "Stored node id {stored} doesn't match previous node id {node_id} in {}",
                        dir.display()
                    ),
                ));
            }
        }
        if let Some(id) = get("cluster.id") {
            if cluster_id.as_ref().is_some_and(|c| *c != id) {
                return Err(MetadataError::new(
                    ErrorCode::INCONSISTENT_CLUSTER_ID,
                    format!(
                        "Inconsistent cluster.id in {}: {id} differs from {}",
                        dir.display(),
                        cluster_id.unwrap_or_default()
                    ),
                ));
            }
            cluster_id = Some(id);
        }
    }
    let cluster_id = cluster_id.unwrap_or_else(new_id);
    for dir in log_dirs {
        if read(dir).is_some() {
            continue;
        }
        let body = format!(
            "#\n#Written by Fjord\nversion=1\ncluster.id={cluster_id}\nnode.id={node_id}\ndirectory.id={}\n",
            new_id()
        );
        fjord_storage::checkpoint::write_checkpoint_raw(&dir.join(FILE), body.as_bytes())
            .map_err(|err| MetadataError::new(ErrorCode::KAFKA_STORAGE_ERROR, err.to_string()))?;
    }
    Ok(cluster_id)
}
