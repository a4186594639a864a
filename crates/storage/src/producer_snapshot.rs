//! `<offset>.snapshot`: the producer state of a partition as of an offset, in Kafka's
//! snapshot layout, so opening a log replays only the batches after the newest snapshot
//! instead of the whole log.
//!
//! ```text
//! version: int16 (1)
//! crc: uint32                 CRC32C of everything after this field
//! entries: int32 count, then per producer:
//!   producer_id int64, epoch int16, last_sequence int32, last_offset int64,
//!   offset_delta int32, timestamp int64, coordinator_epoch int32,
//!   current_txn_first_offset int64
//! ```
//!
//! A snapshot at offset `X` describes every batch below `X`. One is written when a
//! segment rolls (at the new base offset) and on clean close (at the log end). Only
//! each producer's last batch is kept, as in Kafka, so after a restart the duplicate
//! window holds one batch per producer until new batches arrive. A producer known only
//! from a marker has `last_sequence` and `last_offset` -1; `current_txn_first_offset`
//! is -1 when it has no transaction ongoing.

use std::path::{Path, PathBuf};

use crate::checkpoint::write_checkpoint_raw;
use crate::error::{IoContext, Result};
use crate::loader::parse_base_offset;

pub const SNAPSHOT_SUFFIX: &str = ".snapshot";
const VERSION: i16 = 1;
const ENTRY_SIZE: usize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
/// Snapshots kept per partition; older ones go when a new one is written.
const SNAPSHOTS_TO_KEEP: usize = 2;

/// One producer's state: its last batch and ongoing transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotEntry {
    pub producer_id: i64,
    pub epoch: i16,
    pub last_sequence: i32,
    pub last_offset: i64,
    pub offset_delta: i32,
    pub timestamp: i64,
    /// The coordinator epoch of the producer's last marker, -1 before any.
    pub coordinator_epoch: i32,
    /// The first offset of the producer's ongoing transaction, -1 if none.
    pub current_txn_first_offset: i64,
}

pub fn snapshot_path(dir: &Path, offset: i64) -> PathBuf {
    dir.join(format!("{offset:020}{SNAPSHOT_SUFFIX}"))
}

/// The snapshots in `dir`, oldest first.
pub fn list(dir: &Path) -> Result<Vec<(i64, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).at(dir)? {
        let path = entry.at(dir)?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(offset) = name
            .strip_suffix(SNAPSHOT_SUFFIX)
            .and_then(parse_base_offset)
        {
            out.push((offset, path));
        }
    }
    out.sort();
    Ok(out)
}

/// Writes the snapshot at `offset` (atomically) and drops all but the newest few.
pub fn write(dir: &Path, offset: i64, entries: &[SnapshotEntry]) -> Result<()> {
    let mut body = Vec::with_capacity(10 + entries.len() * ENTRY_SIZE);
    body.extend_from_slice(&VERSION.to_be_bytes());
    body.extend_from_slice(&[0; 4]);
    body.extend_from_slice(&(entries.len() as i32).to_be_bytes());
    for e in entries {
        body.extend_from_slice(&e.producer_id.to_be_bytes());
        body.extend_from_slice(&e.epoch.to_be_bytes());
        body.extend_from_slice(&e.last_sequence.to_be_bytes());
        body.extend_from_slice(&e.last_offset.to_be_bytes());
        body.extend_from_slice(&e.offset_delta.to_be_bytes());
        body.extend_from_slice(&e.timestamp.to_be_bytes());
        body.extend_from_slice(&e.coordinator_epoch.to_be_bytes());
        body.extend_from_slice(&e.current_txn_first_offset.to_be_bytes());
    }
    let crc = crc32c::crc32c(&body[6..]);
    body[2..6].copy_from_slice(&crc.to_be_bytes());
    write_checkpoint_raw(&snapshot_path(dir, offset), &body)?;
    let all = list(dir)?;
    for (_, path) in all.iter().rev().skip(SNAPSHOTS_TO_KEEP) {
        remove(path)?;
    }
    Ok(())
}

/// Reads a snapshot; `None` when it is damaged (wrong version, length or CRC).
pub fn read(path: &Path) -> Result<Option<Vec<SnapshotEntry>>> {
    let bytes = std::fs::read(path).at(path)?;
    if bytes.len() < 10 || i16::from_be_bytes([bytes[0], bytes[1]]) != VERSION {
        return Ok(None);
    }
    let stored = u32::from_be_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
    if crc32c::crc32c(&bytes[6..]) != stored {
        return Ok(None);
    }
    let count = i32::from_be_bytes([bytes[6], bytes[7], bytes[8], bytes[9]]);
    let body = &bytes[10..];
    if count < 0 || body.len() != count as usize * ENTRY_SIZE {
        return Ok(None);
    }
    let field = |e: &[u8], at: usize, n: usize| e[at..at + n].to_vec();
    let entries = body
        .chunks_exact(ENTRY_SIZE)
        .map(|e| {
            let i64_at = |at| i64::from_be_bytes(field(e, at, 8).try_into().unwrap_or([0; 8]));
            let i32_at = |at| i32::from_be_bytes(field(e, at, 4).try_into().unwrap_or([0; 4]));
            SnapshotEntry {
                producer_id: i64_at(0),
                epoch: i16::from_be_bytes([e[8], e[9]]),
                last_sequence: i32_at(10),
                last_offset: i64_at(14),
                offset_delta: i32_at(22),
                timestamp: i64_at(26),
                coordinator_epoch: i32_at(34),
                current_txn_first_offset: i64_at(38),
            }
        })
        .collect();
    Ok(Some(entries))
}

pub fn remove(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err).at(path),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_snapshot_round_trip_keeps_newest_and_rejects_damage() {
        let dir = tempfile::tempdir().unwrap();
        let entries = vec![
            SnapshotEntry {
                producer_id: 7,
                epoch: 2,
                last_sequence: 41,
                last_offset: 99,
                offset_delta: 3,
                timestamp: 1234,
                coordinator_epoch: 5,
                current_txn_first_offset: 90,
            },
            SnapshotEntry {
                producer_id: 8,
                epoch: 0,
                last_sequence: 0,
                last_offset: 100,
                offset_delta: 0,
                timestamp: 5,
                coordinator_epoch: -1,
                current_txn_first_offset: -1,
            },
        ];
        for offset in [10, 20, 30] {
            write(dir.path(), offset, &entries).unwrap();
        }
        let listed: Vec<i64> = list(dir.path())
            .unwrap()
            .into_iter()
            .map(|(o, _)| o)
            .collect();
        assert_eq!(listed, vec![20, 30]);
        let path = snapshot_path(dir.path(), 30);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len() as usize,
            10 + 2 * ENTRY_SIZE
        );
        assert_eq!(read(&path).unwrap(), Some(entries));
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[20] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(read(&path).unwrap(), None);
    }
}
