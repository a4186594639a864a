//! Kafka's checkpoint file format, written atomically.
//!
//! ```text
//! 0                      <- version
//! 2                      <- number of entries
//! orders 0 1234          <- one entry per line
//! orders 1 987
//! ```
//!
//! Used for `recovery-point-offset-checkpoint`, `log-start-offset-checkpoint` and
//! `cleaner-offset-checkpoint` (entries `topic partition offset`) at a log dir's root,
//! and `leader-epoch-checkpoint` (entries `epoch start_offset`) in a partition dir.
//! A write goes to `<file>.tmp`, is fsynced, renamed over the old file, and the
//! directory is fsynced, so a crash leaves either the old or the new file whole.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{IoContext, Result, StorageError};
use crate::topic_partition::TopicPartition;

pub const RECOVERY_POINT_CHECKPOINT: &str = "recovery-point-offset-checkpoint";
pub const LOG_START_OFFSET_CHECKPOINT: &str = "log-start-offset-checkpoint";
pub const CLEANER_OFFSET_CHECKPOINT: &str = "cleaner-offset-checkpoint";
pub const LEADER_EPOCH_CHECKPOINT: &str = "leader-epoch-checkpoint";

const VERSION: i32 = 0;

/// Writes `lines` as a checkpoint file at `path`, atomically.
pub fn write_checkpoint(path: &Path, lines: &[String]) -> Result<()> {
    let mut body = format!("{VERSION}\n{}\n", lines.len());
    for line in lines {
        body.push_str(line);
        body.push('\n');
    }
    write_checkpoint_raw(path, body.as_bytes())
}

/// Replaces the file at `path` with `body`, atomically and durably.
pub fn write_checkpoint_raw(path: &Path, body: &[u8]) -> Result<()> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let mut file = std::fs::File::create(&tmp).at(&tmp)?;
    file.write_all(body).at(&tmp)?;
    file.sync_all().at(&tmp)?;
    std::fs::rename(&tmp, path).at(path)?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .at(dir)?;
    }
    Ok(())
}

/// Reads a checkpoint file's entry lines; a missing file has none. A malformed file is
/// an error naming it: the caller decides whether to fall back (recovery does).
pub fn read_checkpoint(path: &Path) -> Result<Vec<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).at(path),
    };
    let malformed = |why: &str| StorageError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("malformed checkpoint: {why}"),
        ),
    };
    let mut lines = text.lines();
    match lines.next().map(str::trim).map(str::parse::<i32>) {
        Some(Ok(VERSION)) => {}
        _ => return Err(malformed("unknown version")),
    }
    let count: usize = lines
        .next()
        .and_then(|l| l.trim().parse().ok())
        .ok_or_else(|| malformed("bad count"))?;
    let entries: Vec<String> = lines
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if entries.len() != count {
        return Err(malformed("entry count does not match"));
    }
    Ok(entries)
}

/// A `topic partition offset` checkpoint at a log dir's root.
pub struct OffsetCheckpointFile {
    path: PathBuf,
}

impl OffsetCheckpointFile {
    pub fn new(dir: &Path, name: &str) -> Self {
        Self {
            path: dir.join(name),
        }
    }

    pub fn write(&self, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        let lines: Vec<String> = offsets
            .iter()
            .map(|(tp, offset)| format!("{} {} {offset}", tp.topic, tp.partition))
            .collect();
        write_checkpoint(&self.path, &lines)
    }

    pub fn read(&self) -> Result<Vec<(TopicPartition, i64)>> {
        let mut out = Vec::new();
        for line in read_checkpoint(&self.path)? {
            let mut parts = line.split_whitespace();
            let parsed = (|| {
                let topic = parts.next()?;
                let partition = parts.next()?.parse().ok()?;
                let offset = parts.next()?.parse().ok()?;
                Some((TopicPartition::new(topic, partition), offset))
            })();
            match parsed {
                Some(entry) => out.push(entry),
                None => {
                    return Err(StorageError::Io {
                        path: self.path.clone(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            format!("malformed checkpoint line {line:?}"),
                        ),
                    })
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_offset_checkpoint_round_trip_in_kafka_format() {
        let dir = tempfile::tempdir().unwrap();
        let file = OffsetCheckpointFile::new(dir.path(), RECOVERY_POINT_CHECKPOINT);
        let entries = vec![
            (TopicPartition::new("orders", 0), 1234),
            (TopicPartition::new("my-topic", 11), 0),
        ];
        file.write(&entries).unwrap();
        let text = std::fs::read_to_string(dir.path().join(RECOVERY_POINT_CHECKPOINT)).unwrap();
        assert_eq!(text, "0\n2\norders 0 1234\nmy-topic 11 0\n");
        assert_eq!(file.read().unwrap(), entries);
        assert!(!dir
            .path()
            .join(format!("{RECOVERY_POINT_CHECKPOINT}.tmp"))
            .exists());
    }

    #[test]
    fn test_missing_checkpoint_is_empty_and_malformed_is_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = OffsetCheckpointFile::new(dir.path(), LOG_START_OFFSET_CHECKPOINT);
        assert!(file.read().unwrap().is_empty());
        std::fs::write(
            dir.path().join(LOG_START_OFFSET_CHECKPOINT),
            "0\n3\norders 0 1\n",
        )
        .unwrap();
        assert!(file.read().is_err());
        std::fs::write(dir.path().join(LOG_START_OFFSET_CHECKPOINT), "7\n0\n").unwrap();
        assert!(file.read().is_err());
    }
}
