//! `fjord dump-log`, run as a process against segments written by the storage engine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::{CompressionType, RecordBatch};
use fjord_storage::{AppendOrigin, LoadParams, Log, LogConfig, TopicPartition};

const T0: i64 = 1_700_000_000_000;
const LEADER_EPOCH: i32 = 5;
const SEGMENT: &str = "00000000000000000000";

/// The batches [`write_log`] appends, as built (before the log assigns offsets).
struct Written {
    dir: tempfile::TempDir,
    batches: Vec<Vec<u8>>,
}

impl Written {
    fn file(&self, extension: &str) -> PathBuf {
        self.dir.path().join(format!("{SEGMENT}.{extension}"))
    }
    /// Where each batch starts in the `.log` file.
    fn positions(&self) -> Vec<usize> {
        self.batches
            .iter()
            .scan(0, |position, batch| {
                let start = *position;
                *position += batch.len();
                Some(start)
            })
            .collect()
    }
}

fn batch(codec: CompressionType, timestamp: i64, records: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(codec, 0, timestamp);
    for (delta, (key, value)) in (0..).zip(records) {
        builder.append(
            delta,
            timestamp,
            Some(key.as_bytes()),
            Some(value.as_bytes()),
            &[],
        );
    }
    builder.build().unwrap()
}

fn batch_with_headers(timestamp: i64) -> Vec<u8> {
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, timestamp);
    let headers: [(&[u8], Option<&[u8]>); 2] = [(b"trace-id", Some(b"abc")), (b"source", None)];
    builder.append(0, timestamp, None, Some(b"with headers"), &headers);
    builder.build().unwrap()
}

/// Three batches at offsets 0-2 (plain), 3-4 (gzip) and 5 (headers, no key), one per
/// append, with an offset-index entry for every batch after the first.
fn write_log(close: bool) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig {
        index_interval_bytes: 1,
        ..LogConfig::default()
    };
    let log = Log::open(
        dir.path(),
        TopicPartition::new("dump", 0),
        config,
        LoadParams::new_log(),
    )
    .unwrap();
    let batches = vec![
        batch(
            CompressionType::None,
            T0,
            &[("k0", "v0"), ("k1", "v1"), ("k2", "v2")],
        ),
        batch(
            CompressionType::Gzip,
            T0 + 1_000,
            &[
                ("gz-key-3", "compressed value 3"),
                ("gz-key-4", "compressed value 4"),
            ],
        ),
        batch_with_headers(T0 + 2_000),
    ];
    for batch in &batches {
        let mut bytes = batch.clone();
        log.append_as_leader(&mut bytes, LEADER_EPOCH, AppendOrigin::Client)
            .unwrap();
    }
    if close {
        log.close().unwrap();
    }
    Written { dir, batches }
}

fn dump_log(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fjord"))
        .arg("dump-log")
        .args(args)
        .output()
        .unwrap()
}

/// Runs `dump-log` expecting success; returns stdout's lines.
fn dump_ok(args: &[&str]) -> Vec<String> {
    let output = dump_log(args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "dump-log {args:?} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn crc(batch: &[u8]) -> u32 {
    RecordBatch::parse_exact(batch).unwrap().crc()
}

#[test]
fn test_dump_log_prints_batches_and_records() {
    let written = write_log(true);
    let log_file = written.file("log");
    let lines = dump_ok(&["--files", path_arg(&log_file), "--print-data-log"]);
    let positions = written.positions();
    let b = &written.batches;

    let expected = [
        format!("Dumping {}", log_file.display()),
        "Log starting offset: 0".to_string(),
        format!(
            "baseOffset: 0 lastOffset: 2 count: 3 baseSequence: -1 lastSequence: -1 \
             producerId: -1 producerEpoch: -1 partitionLeaderEpoch: {LEADER_EPOCH} \
             isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty \
             position: 0 CreateTime: {T0} size: {} magic: 2 compresscodec: none crc: {} \
             isvalid: true",
            b[0].len(),
            crc(&b[0])
        ),
        format!("| offset: 0 CreateTime: {T0} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k0 payload: v0"),
        format!("| offset: 1 CreateTime: {T0} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k1 payload: v1"),
        format!("| offset: 2 CreateTime: {T0} keySize: 2 valueSize: 2 sequence: -1 headerKeys: [] key: k2 payload: v2"),
        format!(
            "baseOffset: 3 lastOffset: 4 count: 2 baseSequence: -1 lastSequence: -1 \
             producerId: -1 producerEpoch: -1 partitionLeaderEpoch: {LEADER_EPOCH} \
             isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty \
             position: {} CreateTime: {} size: {} magic: 2 compresscodec: gzip crc: {} \
             isvalid: true",
            positions[1],
            T0 + 1_000,
            b[1].len(),
            crc(&b[1])
        ),
        format!(
            "| offset: 3 CreateTime: {} keySize: 8 valueSize: 18 sequence: -1 headerKeys: [] \
             key: gz-key-3 payload: compressed value 3",
            T0 + 1_000
        ),
        format!(
            "| offset: 4 CreateTime: {} keySize: 8 valueSize: 18 sequence: -1 headerKeys: [] \
             key: gz-key-4 payload: compressed value 4",
            T0 + 1_000
        ),
        format!(
            "baseOffset: 5 lastOffset: 5 count: 1 baseSequence: -1 lastSequence: -1 \
             producerId: -1 producerEpoch: -1 partitionLeaderEpoch: {LEADER_EPOCH} \
             isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty \
             position: {} CreateTime: {} size: {} magic: 2 compresscodec: none crc: {} \
             isvalid: true",
            positions[2],
            T0 + 2_000,
            b[2].len(),
            crc(&b[2])
        ),
        format!(
            "| offset: 5 CreateTime: {} keySize: -1 valueSize: 12 sequence: -1 \
             headerKeys: [trace-id,source] payload: with headers",
            T0 + 2_000
        ),
    ];
    assert_eq!(lines, expected);
}

#[test]
fn test_dump_log_depth_follows_flags() {
    let written = write_log(true);
    let log_file = written.file("log");

    let shallow = dump_ok(&["--files", path_arg(&log_file)]);
    assert_eq!(shallow.len(), 2 + 3, "{shallow:#?}");
    assert!(shallow.iter().all(|line| !line.starts_with('|')));

    let deep = dump_ok(&["--files", path_arg(&log_file), "--deep-iteration"]);
    let records: Vec<_> = deep.iter().filter(|line| line.starts_with('|')).collect();
    assert_eq!(records.len(), 6, "{deep:#?}");
    assert!(records.iter().all(|line| !line.contains("payload:")));
    assert!(
        records[0].ends_with("sequence: -1 headerKeys: []"),
        "{}",
        records[0]
    );
}

#[test]
fn test_dump_log_prints_indexes() {
    let written = write_log(true);
    let positions = written.positions();
    let index = written.file("index");
    let time_index = written.file("timeindex");
    let files = format!("{},{}", path_arg(&index), path_arg(&time_index));
    let lines = dump_ok(&["--files", &files]);

    let index_at = lines
        .iter()
        .position(|l| l.starts_with("Dumping") && l.ends_with(".index"));
    let time_at = lines.iter().position(|l| l.ends_with(".timeindex"));
    let (Some(index_at), Some(time_at)) = (index_at, time_at) else {
        panic!("both files dumped: {lines:#?}");
    };
    assert_eq!(
        lines[index_at + 1..time_at],
        [
            format!("offset: 4 position: {}", positions[1]),
            format!("offset: 5 position: {}", positions[2]),
        ]
    );
    let time_entries = &lines[time_at + 1..];
    assert!(!time_entries.is_empty(), "{lines:#?}");
    assert!(time_entries.iter().all(|l| l.starts_with("timestamp: ")));
    assert_eq!(
        time_entries.last().unwrap(),
        &format!("timestamp: {} offset: 5", T0 + 2_000)
    );
}

#[test]
fn test_dump_log_stops_at_preallocated_index_space() {
    // Not closed: the active segment's index is still preallocated with zeros.
    let written = write_log(false);
    let positions = written.positions();
    let index = written.file("index");
    assert!(std::fs::metadata(&index).unwrap().len() > 1024);
    let lines = dump_ok(&["--files", path_arg(&index)]);
    assert_eq!(
        lines[1..],
        [
            format!("offset: 4 position: {}", positions[1]),
            format!("offset: 5 position: {}", positions[2]),
        ]
    );
}

/// A copy of the written `.log` under the same name in a fresh directory, changed by
/// `corrupt`.
fn corrupted_copy(
    written: &Written,
    corrupt: impl FnOnce(&mut Vec<u8>),
) -> (tempfile::TempDir, PathBuf) {
    let mut bytes = std::fs::read(written.file("log")).unwrap();
    corrupt(&mut bytes);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{SEGMENT}.log"));
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn test_dump_log_reports_garbage_tail() {
    let written = write_log(true);
    let garbage = b"garbage! not a record batch";
    let (_dir, path) = corrupted_copy(&written, |bytes| bytes.extend_from_slice(garbage));
    let lines = dump_ok(&["--files", path_arg(&path), "--print-data-log"]);
    let batches: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("baseOffset:"))
        .collect();
    assert_eq!(batches.len(), 3, "{lines:#?}");
    assert!(batches.iter().all(|l| l.ends_with("isvalid: true")));
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            "Found {} invalid bytes at the end of {SEGMENT}.log",
            garbage.len()
        )
    );
}

#[test]
fn test_dump_log_reports_truncated_batch() {
    let written = write_log(true);
    let last = written.batches.last().unwrap().len();
    let (_dir, path) = corrupted_copy(&written, |bytes| bytes.truncate(bytes.len() - 7));
    let lines = dump_ok(&["--files", path_arg(&path)]);
    let batches = lines
        .iter()
        .filter(|l| l.starts_with("baseOffset:"))
        .count();
    assert_eq!(batches, 2, "{lines:#?}");
    assert_eq!(
        lines.last().unwrap(),
        &format!(
            "Found {} invalid bytes at the end of {SEGMENT}.log",
            last - 7
        )
    );
}

#[test]
fn test_dump_log_marks_bad_crc_and_goes_on() {
    let written = write_log(true);
    let first_end = written.batches[0].len();
    let (_dir, path) = corrupted_copy(&written, |bytes| bytes[first_end - 1] ^= 0x55);
    let lines = dump_ok(&["--files", path_arg(&path), "--print-data-log"]);
    let batches: Vec<_> = lines
        .iter()
        .filter(|l| l.starts_with("baseOffset:"))
        .collect();
    assert_eq!(batches.len(), 3, "{lines:#?}");
    assert!(batches[0].ends_with("isvalid: false"));
    assert!(batches[1].ends_with("isvalid: true"));
    assert!(batches[2].ends_with("isvalid: true"));
    assert!(
        !lines.iter().any(|l| l.contains("invalid bytes")),
        "{lines:#?}"
    );
}

#[test]
fn test_dump_log_missing_file_fails_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join(format!("{SEGMENT}.log"));
    let output = dump_log(&["--files", path_arg(&missing)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(path_arg(&missing)), "{stderr}");
    assert!(stderr.contains("No such file"), "{stderr}");
}
