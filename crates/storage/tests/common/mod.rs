//! Fixtures shared by the storage integration tests: log configs sized so that a few
//! batches fill a segment, batch builders with explicit record timestamps, and readers
//! that walk a whole log checking CRCs and offset order.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use fjord_protocol::records::KeyValue;
use std::path::{Path, PathBuf};

use fjord_protocol::record_batch::BatchIter;
use fjord_protocol::records::{BatchRecords, RecordBatchBuilder};
use fjord_protocol::{CompressionType, RecordBatch};
use fjord_storage::{AppendOrigin, LoadParams, Log, LogAppendInfo, LogConfig, TopicPartition};

/// A fixed "now" (2023-11-14) so that retention decisions do not depend on the clock.
pub const NOW: i64 = 1_700_000_000_000;
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A log config with small indexes, no deletion delay and no time-based rolling, that
/// rolls after `segment_bytes`.
pub fn config(segment_bytes: u64) -> LogConfig {
    LogConfig {
        segment_bytes,
        segment_ms: i64::MAX / 2,
        segment_index_bytes: 16 * 1024,
        index_interval_bytes: 128,
        file_delete_delay_ms: 0,
        ..LogConfig::default()
    }
}

pub fn tp() -> TopicPartition {
    TopicPartition::new("t", 0)
}

pub fn open(dir: &Path, config: LogConfig) -> Log {
    Log::open(dir, tp(), config, LoadParams::new_log()).expect("open log")
}

pub fn open_with(dir: &Path, config: LogConfig, params: LoadParams) -> Log {
    Log::open(dir, tp(), config, params).expect("open log")
}

/// A record as the tests write and read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rec {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

/// One batch of `(key, value)` records, all stamped `timestamp`, with `codec`.
pub fn kv_batch(codec: CompressionType, timestamp: i64, records: &[KeyValue<'_>]) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(codec, 0, timestamp);
    for (delta, (key, value)) in (0..).zip(records) {
        builder.append(delta, timestamp, *key, *value, &[]);
    }
    builder.build().expect("batch builds")
}

/// A batch of `count` keyless records of `value_len` bytes, stamped `timestamp`.
pub fn filler_batch(count: usize, timestamp: i64, value_len: usize) -> Vec<u8> {
    let value = vec![b'x'; value_len];
    let records: Vec<KeyValue<'_>> = (0..count).map(|_| (None, Some(value.as_slice()))).collect();
    kv_batch(CompressionType::None, timestamp, &records)
}

pub fn append(log: &Log, mut batch: Vec<u8>, epoch: i32) -> LogAppendInfo {
    log.append_as_leader(&mut batch, epoch, AppendOrigin::Client)
        .expect("append")
}

/// Appends one uncompressed record; returns its offset.
pub fn append_kv(log: &Log, timestamp: i64, key: &str, value: Option<&str>) -> i64 {
    let batch = kv_batch(
        CompressionType::None,
        timestamp,
        &[(Some(key.as_bytes()), value.map(str::as_bytes))],
    );
    append(log, batch, 0).first_offset
}

/// Every batch of the log from its start, in order, as owned bytes. Checks that each
/// batch's CRC is valid, that batches do not overlap, and that reads make progress.
pub fn read_batches(log: &Log) -> Vec<Vec<u8>> {
    read_batches_from(log, log.log_start_offset())
}

pub fn read_batches_from(log: &Log, start: i64) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut next = start;
    let mut last_seen = i64::MIN;
    loop {
        let info = log.read(next, 1 << 20, None, true).expect("read");
        let Some(slice) = info.records else {
            assert!(
                next >= log.log_end_offset(),
                "read at {next} returned nothing before the log end {}",
                log.log_end_offset()
            );
            return out;
        };
        let bytes = slice.read_to_vec().expect("read slice");
        assert!(!bytes.is_empty(), "empty read at {next} below the log end");
        for batch in BatchIter::new(&bytes) {
            let batch = batch.expect("whole batch");
            batch.validate().expect("valid CRC");
            assert!(
                batch.base_offset() > last_seen,
                "batch at {} overlaps the previous one ending at {last_seen}",
                batch.base_offset()
            );
            last_seen = batch.last_offset();
            next = batch.next_offset();
            out.push(batch.as_bytes().to_vec());
        }
    }
}

/// Every record of the log from its start; offsets must strictly increase.
pub fn read_records(log: &Log) -> Vec<Rec> {
    let mut out: Vec<Rec> = Vec::new();
    for bytes in read_batches(log) {
        let batch = RecordBatch::parse_exact(&bytes).expect("batch");
        for record in BatchRecords::decode(&batch).expect("records").iter() {
            let record = record.expect("record");
            let rec = Rec {
                offset: record.offset(batch.base_offset()),
                timestamp: record.timestamp(batch.base_timestamp()),
                key: record.key.map(<[u8]>::to_vec),
                value: record.value.map(<[u8]>::to_vec),
            };
            if let Some(prev) = out.last() {
                assert!(
                    rec.offset > prev.offset,
                    "offset {} after {}",
                    rec.offset,
                    prev.offset
                );
            }
            assert!(
                rec.offset >= batch.base_offset() && rec.offset <= batch.last_offset(),
                "record offset {} outside its batch {}..={}",
                rec.offset,
                batch.base_offset(),
                batch.last_offset()
            );
            out.push(rec);
        }
    }
    out
}

/// File names in `dir`, sorted.
pub fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn segment_path(dir: &Path, base: i64, extension: &str) -> PathBuf {
    dir.join(format!("{base:020}{extension}"))
}

pub fn segment_bases(log: &Log) -> Vec<i64> {
    log.segments().iter().map(|s| s.base_offset()).collect()
}

/// Copies the regular files of `from` into `to` (created), as a snapshot of a live
/// partition directory would.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy file");
        }
    }
}

/// The parsed entries of a Kafka checkpoint file (`version`, `count`, then lines).
pub fn checkpoint_lines(path: &Path) -> Vec<String> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("0"),
        "version line of {}",
        path.display()
    );
    let count: usize = lines
        .next()
        .and_then(|l| l.parse().ok())
        .expect("count line");
    let entries: Vec<String> = lines.map(str::to_owned).collect();
    assert_eq!(entries.len(), count, "entry count of {}", path.display());
    entries
}

/// A transactional batch of `count` records (`value-<seq>`) from producer `pid` at
/// `epoch`, its sequences starting at `seq`.
pub fn txn_batch(pid: i64, epoch: i16, seq: i32, count: usize) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, NOW)
        .with_producer(pid, epoch, seq)
        .with_transactional(true);
    for i in 0..count {
        let value = format!("value-{}", seq as usize + i);
        builder.append(i as i32, NOW, None, Some(value.as_bytes()), &[]);
    }
    builder.build().expect("batch builds")
}

/// A transaction marker as a coordinator writes it, in Kafka's `EndTransactionMarker`
/// encoding: key = version 0 (int16) + type (int16, 0 ABORT, 1 COMMIT); value = version
/// 0 (int16) + coordinator epoch (int32).
pub fn marker_batch(pid: i64, epoch: i16, abort: bool, coordinator_epoch: i32) -> Vec<u8> {
    let control_type: i16 = if abort { 0 } else { 1 };
    let mut key = 0i16.to_be_bytes().to_vec();
    key.extend_from_slice(&control_type.to_be_bytes());
    let mut value = 0i16.to_be_bytes().to_vec();
    value.extend_from_slice(&coordinator_epoch.to_be_bytes());
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, NOW)
        .with_producer(pid, epoch, -1)
        .with_transactional(true)
        .with_control(true);
    builder.append(0, NOW, Some(&key), Some(&value), &[]);
    builder.build().expect("marker builds")
}

/// Appends a transactional batch as a client; returns its first offset.
pub fn append_txn(log: &Log, pid: i64, epoch: i16, seq: i32, count: usize) -> i64 {
    append(log, txn_batch(pid, epoch, seq, count), 0).first_offset
}

/// Appends a marker as the transaction coordinator does.
pub fn try_append_marker(
    log: &Log,
    pid: i64,
    epoch: i16,
    abort: bool,
) -> fjord_storage::Result<LogAppendInfo> {
    log.append_as_leader(
        &mut marker_batch(pid, epoch, abort, 0),
        0,
        AppendOrigin::Coordinator,
    )
}

/// Appends a marker; returns its offset.
pub fn append_marker(log: &Log, pid: i64, epoch: i16, abort: bool) -> i64 {
    try_append_marker(log, pid, epoch, abort)
        .expect("marker append")
        .first_offset
}

/// The raw entries of a `.txnindex` file: (producer id, first, last, last stable
/// offset), checking the 34-byte layout and version 0. A missing file has none.
pub fn txn_index_file_entries(path: &Path) -> Vec<(i64, i64, i64, i64)> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    assert_eq!(bytes.len() % 34, 0, "whole entries in {}", path.display());
    bytes
        .chunks_exact(34)
        .map(|e| {
            assert_eq!(&e[..2], &[0, 0], "version 0");
            let at = |i: usize| i64::from_be_bytes(e[i..i + 8].try_into().expect("8 bytes"));
            (at(2), at(10), at(18), at(26))
        })
        .collect()
}
