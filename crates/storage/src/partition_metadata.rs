//! `partition.metadata`: the topic id of the partition's directory (KIP-516), so a
//! directory left over from a deleted topic of the same name is not mistaken for it.
//!
//! ```text
//! version: 0
//! topic_id: <Kafka's base64url UUID>
//! ```

use std::path::Path;

use base64::Engine;

use crate::checkpoint::write_checkpoint_raw;
use crate::error::{IoContext, Result, StorageError};

pub const PARTITION_METADATA_FILE: &str = "partition.metadata";

/// Formats a topic id as Kafka does: URL-safe base64 without padding.
pub fn topic_id_to_string(id: uuid::Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub fn topic_id_from_str(text: &str) -> Option<uuid::Uuid> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim())
        .ok()?;
    uuid::Uuid::from_slice(&bytes).ok()
}

pub fn write(dir: &Path, topic_id: uuid::Uuid) -> Result<()> {
    let body = format!("version: 0\ntopic_id: {}\n", topic_id_to_string(topic_id));
    write_checkpoint_raw(&dir.join(PARTITION_METADATA_FILE), body.as_bytes())
}

/// The topic id recorded in `dir`, or `None` if there is no file.
pub fn read(dir: &Path) -> Result<Option<uuid::Uuid>> {
    let path = dir.join(PARTITION_METADATA_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err).at(&path),
    };
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("topic_id:"))
        .and_then(topic_id_from_str);
    match id {
        Some(id) => Ok(Some(id)),
        None => Err(StorageError::Io {
            path,
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "malformed partition.metadata",
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_partition_metadata_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let id = uuid::Uuid::new_v4();
        write(dir.path(), id).unwrap();
        let text = std::fs::read_to_string(dir.path().join(PARTITION_METADATA_FILE)).unwrap();
        assert!(text.starts_with("version: 0\ntopic_id: "));
        assert_eq!(text.lines().nth(1).unwrap().len(), "topic_id: ".len() + 22);
        assert_eq!(read(dir.path()).unwrap(), Some(id));
    }
}
