//! `fjord dump-log`: prints segment files the way Kafka's `kafka-dump-log.sh`
//! (`DumpLogSegments`) does, field for field, so that habits and scripts carry over.
//!
//! - `.log`: one line per batch (header fields, file position, CRC check); with
//!   `--deep-iteration` one `| offset: ...` line per record, and with `--print-data-log`
//!   the record's key and payload too (as lossy UTF-8).
//! - `.index`: `offset: O position: P` per entry; `.timeindex`: `timestamp: T offset: O`.
//! - `.txnindex`: `version: 0 producerId: .. firstOffset: .. lastOffset: ..
//!   lastStableOffset: ..` per aborted transaction.
//!
//! A log file is read front to back through one large buffer. The walk stops at the
//! first batch whose length cannot be trusted (below the v2 minimum, past the end of the
//! file, or not a magic v2 batch) and reports what is left as `Found N invalid bytes at
//! the end of <file>`, as Kafka does. A batch whose length is sane but whose CRC is
//! wrong is printed with `isvalid: false` and the walk goes on past it.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::anyhow;
use fjord_protocol::record_batch::{batch_size_from_prefix, LOG_OVERHEAD, MAGIC_V2};
use fjord_protocol::records::{BatchRecords, Record};
use fjord_protocol::RecordBatch;
use fjord_storage::loader::parse_base_offset;
use fjord_storage::transaction_index;

use crate::cli::DumpLogArgs;

/// Bytes read from a log file per `read` call: batches are walked in memory.
const READ_BUFFER_BYTES: usize = 1 << 20;
/// Where `magic` sits in a batch (the same byte in every message format version).
const MAGIC_POSITION: usize = 16;
/// The record prefix Kafka's tool prints before each record of a batch.
const RECORD_INDENT: &str = "|";

/// `--print-data-log` implies `--deep-iteration`, as in Kafka.
fn deep_iteration(args: &DumpLogArgs) -> bool {
    args.deep_iteration || args.print_data_log
}

/// Dumps each file in turn to stdout. Fails (before printing anything about it) on a
/// file that cannot be opened; a closed stdout (`| head`) ends the dump quietly.
pub fn run(args: DumpLogArgs) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let outcome = dump_files(&args, &mut out).and_then(|()| Ok(out.flush()?));
    match outcome {
        Err(err) if is_broken_pipe(&err) => Ok(()),
        other => other,
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.downcast_ref::<io::Error>()
        .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
}

fn dump_files(args: &DumpLogArgs, out: &mut impl Write) -> anyhow::Result<()> {
    for path in &args.files {
        let file =
            File::open(path).map_err(|err| anyhow!("cannot open {}: {err}", path.display()))?;
        writeln!(out, "Dumping {}", path.display())?;
        match path.extension().and_then(|ext| ext.to_str()) {
            Some("log") => dump_log_file(file, path, args, out)?,
            Some("index") => dump_index(file, path, IndexKind::Offset, out)?,
            Some("timeindex") => dump_index(file, path, IndexKind::Time, out)?,
            Some("txnindex") => dump_txn_index(path, out)?,
            _ => {
                out.flush()?;
                eprintln!("Ignoring unknown file {}", path.display());
            }
        }
    }
    Ok(())
}

/// The base offset a segment file is named after (`00000000000000000042.log` → 42).
fn base_offset_of(path: &Path) -> anyhow::Result<i64> {
    path.file_stem()
        .and_then(|stem| stem.to_str())
        .and_then(parse_base_offset)
        .ok_or_else(|| {
            anyhow!(
                "{} is not named after a segment base offset (20 digits, e.g. 00000000000000000000.log)",
                path.display()
            )
        })
}

fn dump_log_file(
    file: File,
    path: &Path,
    args: &DumpLogArgs,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    writeln!(out, "Log starting offset: {}", base_offset_of(path)?)?;
    let len = file
        .metadata()
        .map_err(|err| anyhow!("cannot read {}: {err}", path.display()))?
        .len();
    let input = BufReader::with_capacity(READ_BUFFER_BYTES, file);
    let summary = dump_batches(input, len, args, out).map_err(|err| read_error(err, path))?;
    let name = path
        .file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy();
    if summary.valid_bytes < len {
        let invalid = len - summary.valid_bytes;
        writeln!(out, "Found {invalid} invalid bytes at the end of {name}")?;
    }
    if !summary.gaps.is_empty() {
        out.flush()?;
        eprintln!("Non-consecutive offsets in {}", path.display());
        for (before, after) in &summary.gaps {
            eprintln!("  {before} is followed by {after}");
        }
    }
    Ok(())
}

/// Keeps stdout errors (a closed pipe) as they are and names the file in read errors.
fn read_error(err: DumpError, path: &Path) -> anyhow::Error {
    match err {
        DumpError::Output(err) => err.into(),
        DumpError::Input(err) => anyhow!("cannot read {}: {err}", path.display()),
    }
}

enum DumpError {
    Input(io::Error),
    Output(io::Error),
}

impl From<io::Error> for DumpError {
    fn from(err: io::Error) -> Self {
        Self::Output(err)
    }
}

/// What a walk over a log file found.
#[derive(Debug, Default)]
struct LogSummary {
    /// Bytes of whole, trustworthy batches from the start of the file.
    valid_bytes: u64,
    /// Record offsets followed by one other than the next (deep iteration only).
    gaps: Vec<(i64, i64)>,
}

/// Prints the batches of `len` bytes of log data read sequentially from `input`.
fn dump_batches(
    mut input: impl Read,
    len: u64,
    args: &DumpLogArgs,
    out: &mut impl Write,
) -> Result<LogSummary, DumpError> {
    let mut summary = LogSummary::default();
    let mut last_record_offset = None;
    let mut buf = Vec::new();
    while read_batch(&mut input, len - summary.valid_bytes, &mut buf).map_err(DumpError::Input)? {
        let batch = RecordBatch::parse_exact(&buf).expect("read_batch returns one whole batch");
        write_batch(out, &batch, summary.valid_bytes)?;
        if deep_iteration(args) {
            write_records(out, &batch, args.print_data_log, &mut |offset| {
                if let Some(last) = last_record_offset.replace(offset) {
                    if offset != last + 1 {
                        summary.gaps.push((last, offset));
                    }
                }
            })?;
        }
        summary.valid_bytes += buf.len() as u64;
    }
    Ok(summary)
}

/// Reads the next batch into `buf`. `false` at the end of the data and before a batch
/// that is cut short, has an impossible length or is not magic v2 (nothing after such
/// a batch can be trusted); `remaining` is the number of bytes left in the file.
fn read_batch(input: &mut impl Read, remaining: u64, buf: &mut Vec<u8>) -> io::Result<bool> {
    buf.clear();
    if remaining < LOG_OVERHEAD as u64 {
        return Ok(false);
    }
    input.take(LOG_OVERHEAD as u64).read_to_end(buf)?;
    let size = match batch_size_from_prefix(buf) {
        Ok(size) if size as u64 <= remaining => size,
        _ => return Ok(false),
    };
    input.take((size - LOG_OVERHEAD) as u64).read_to_end(buf)?;
    Ok(buf.len() == size && buf[MAGIC_POSITION] as i8 == MAGIC_V2)
}

fn write_batch(out: &mut impl Write, batch: &RecordBatch<'_>, position: u64) -> io::Result<()> {
    let delete_horizon = if batch.has_delete_horizon() {
        format!("OptionalLong[{}]", batch.base_timestamp())
    } else {
        "OptionalLong.empty".to_string()
    };
    writeln!(
        out,
        "baseOffset: {} lastOffset: {} count: {} baseSequence: {} lastSequence: {} \
         producerId: {} producerEpoch: {} partitionLeaderEpoch: {} isTransactional: {} \
         isControl: {} deleteHorizonMs: {delete_horizon} position: {position} {}: {} \
         size: {} magic: {} compresscodec: {} crc: {} isvalid: {}",
        batch.base_offset(),
        batch.last_offset(),
        batch.records_count(),
        batch.base_sequence(),
        sequence_at(batch.base_sequence(), batch.last_offset_delta()),
        batch.producer_id(),
        batch.producer_epoch(),
        batch.partition_leader_epoch(),
        batch.is_transactional(),
        batch.is_control(),
        timestamp_type(batch),
        batch.max_timestamp(),
        batch.size(),
        batch.magic(),
        batch.compression().map_or("unknown", |codec| codec.name()),
        batch.crc(),
        batch.crc() == batch.compute_crc(),
    )
}

fn timestamp_type(batch: &RecordBatch<'_>) -> &'static str {
    if batch.is_log_append_time() {
        "LogAppendTime"
    } else {
        "CreateTime"
    }
}

/// The producer sequence of the record `delta` after `base`, wrapping at `i32::MAX` to
/// 0 as producers do; -1 (no sequence) stays -1.
fn sequence_at(base: i32, delta: i32) -> i32 {
    if base < 0 {
        return base;
    }
    if base > i32::MAX - delta {
        delta - (i32::MAX - base) - 1
    } else {
        base + delta
    }
}

/// Prints one line per record of `batch`, calling `on_offset` with each record offset.
/// Records that cannot be decoded (a corrupt batch) end with one line saying why.
fn write_records(
    out: &mut impl Write,
    batch: &RecordBatch<'_>,
    print_data: bool,
    on_offset: &mut impl FnMut(i64),
) -> io::Result<()> {
    let records = match BatchRecords::decode(batch) {
        Ok(records) => records,
        Err(err) => return writeln!(out, "{RECORD_INDENT} records unreadable: {err}"),
    };
    for record in records.iter() {
        match record {
            Ok(record) => {
                on_offset(record.offset(batch.base_offset()));
                write_record(out, batch, &record, print_data)?;
            }
            Err(err) => writeln!(out, "{RECORD_INDENT} records unreadable: {err}")?,
        }
    }
    Ok(())
}

fn write_record(
    out: &mut impl Write,
    batch: &RecordBatch<'_>,
    record: &Record<'_>,
    print_data: bool,
) -> io::Result<()> {
    let timestamp = if batch.is_log_append_time() {
        batch.max_timestamp()
    } else {
        record.timestamp(batch.base_timestamp())
    };
    let header_keys: Vec<_> = record
        .headers
        .iter()
        .map(|header| String::from_utf8_lossy(header.key))
        .collect();
    write!(
        out,
        "{RECORD_INDENT} offset: {} {}: {timestamp} keySize: {} valueSize: {} sequence: {} \
         headerKeys: [{}]",
        record.offset(batch.base_offset()),
        timestamp_type(batch),
        nullable_size(record.key),
        nullable_size(record.value),
        sequence_at(batch.base_sequence(), record.offset_delta),
        header_keys.join(","),
    )?;
    if batch.is_control() {
        write_control(out, record)?;
    } else if print_data {
        if let Some(key) = record.key {
            write!(out, " key: {}", String::from_utf8_lossy(key))?;
        }
        if let Some(value) = record.value {
            write!(out, " payload: {}", String::from_utf8_lossy(value))?;
        }
    }
    writeln!(out)
}

fn nullable_size(bytes: Option<&[u8]>) -> i64 {
    bytes.map_or(-1, |bytes| bytes.len() as i64)
}

/// A control record's type (its key: version int16, type int16) and, for transaction
/// markers, the coordinator epoch (its value: version int16, coordinator epoch int32).
fn write_control(out: &mut impl Write, record: &Record<'_>) -> io::Result<()> {
    let be_i16 = |b: &[u8]| i16::from_be_bytes([b[0], b[1]]);
    let Some(control_type) = record.key.filter(|k| k.len() >= 4).map(|k| be_i16(&k[2..])) else {
        return write!(out, " controlType: UNKNOWN(-1)");
    };
    let marker = match control_type {
        0 => "ABORT",
        1 => "COMMIT",
        other => return write!(out, " controlType: UNKNOWN({other})"),
    };
    match record.value.filter(|v| v.len() >= 6) {
        Some(v) => {
            let epoch = i32::from_be_bytes([v[2], v[3], v[4], v[5]]);
            write!(out, " endTxnMarker: {marker} coordinatorEpoch: {epoch}")
        }
        None => write!(out, " endTxnMarker: {marker} coordinatorEpoch: unreadable"),
    }
}

#[derive(Debug, Clone, Copy)]
enum IndexKind {
    /// `.index`: relative offset (int32), position (int32).
    Offset,
    /// `.timeindex`: timestamp (int64), relative offset (int32).
    Time,
}

/// Prints an index's entries. Index files are at most `segment.index.bytes` (10 MiB by
/// default), so they are read whole. An active segment's index is preallocated with
/// zeros: like Kafka, the dump stops at the first entry after the first that points at
/// the base offset.
fn dump_index(
    mut file: File,
    path: &Path,
    kind: IndexKind,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let base_offset = base_offset_of(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|err| anyhow!("cannot read {}: {err}", path.display()))?;
    let entry_size = match kind {
        IndexKind::Offset => 8,
        IndexKind::Time => 12,
    };
    if bytes.len() < entry_size {
        writeln!(out, "{} is empty.", path.display())?;
        return Ok(());
    }
    for (slot, entry) in bytes.chunks_exact(entry_size).enumerate() {
        let (relative_offset, line) = match kind {
            IndexKind::Offset => {
                let relative = be_i32(&entry[..4]);
                let position = u32::from_be_bytes([entry[4], entry[5], entry[6], entry[7]]);
                let offset = base_offset + relative as i64;
                (relative, format!("offset: {offset} position: {position}"))
            }
            IndexKind::Time => {
                let mut timestamp = [0u8; 8];
                timestamp.copy_from_slice(&entry[..8]);
                let timestamp = i64::from_be_bytes(timestamp);
                let relative = be_i32(&entry[8..12]);
                let offset = base_offset + relative as i64;
                (relative, format!("timestamp: {timestamp} offset: {offset}"))
            }
        };
        if slot > 0 && relative_offset == 0 {
            break;
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Prints a transaction index's entries, as Kafka's `dumpTxnIndex` does; a torn or
/// unknown entry ends the listing with a note on stderr.
fn dump_txn_index(path: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let (entries, well_formed) = transaction_index::read_entries(path)
        .map_err(|err| anyhow!("cannot read {}: {err}", path.display()))?;
    for txn in entries {
        writeln!(
            out,
            "version: 0 producerId: {} firstOffset: {} lastOffset: {} lastStableOffset: {}",
            txn.producer_id, txn.first_offset, txn.last_offset, txn.last_stable_offset
        )?;
    }
    if !well_formed {
        out.flush()?;
        eprintln!("{} ends with a torn or unknown entry", path.display());
    }
    Ok(())
}

fn be_i32(bytes: &[u8]) -> i32 {
    i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use fjord_protocol::records::simple_batch;

    fn dump(data: &[u8], deep: bool) -> (String, LogSummary) {
        let args = DumpLogArgs {
            files: Vec::new(),
            print_data_log: false,
            deep_iteration: deep,
        };
        let mut out = Vec::new();
        let Ok(summary) = dump_batches(data, data.len() as u64, &args, &mut out) else {
            panic!("in-memory dump failed");
        };
        (String::from_utf8(out).unwrap(), summary)
    }

    #[test]
    fn test_sequence_at_wraps_like_producers() {
        assert_eq!(sequence_at(-1, 5), -1);
        assert_eq!(sequence_at(10, 2), 12);
        assert_eq!(sequence_at(i32::MAX - 1, 1), i32::MAX);
        assert_eq!(sequence_at(i32::MAX, 1), 0);
        assert_eq!(sequence_at(i32::MAX - 1, 3), 1);
    }

    #[test]
    fn test_dump_batches_stops_before_truncated_tail() {
        let mut data = simple_batch(0, 1_000, &[(Some(b"k"), Some(b"v"))]);
        let second = simple_batch(1, 1_000, &[(None, Some(b"w"))]);
        data.extend_from_slice(&second[..second.len() - 3]);
        let (text, summary) = dump(&data, true);
        assert_eq!(summary.valid_bytes, (data.len() - second.len() + 3) as u64);
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.starts_with("baseOffset: 0 lastOffset: 0 count: 1 "));
        assert!(text.contains("| offset: 0 CreateTime: 1000 keySize: 1 valueSize: 1 "));
    }

    #[test]
    fn test_dump_batches_reports_bad_crc_and_goes_on() {
        let mut data = simple_batch(0, 1_000, &[(Some(b"k"), Some(b"v"))]);
        let last = data.len() - 1;
        data[last] ^= 0xff;
        data.extend_from_slice(&simple_batch(1, 1_000, &[(None, Some(b"w"))]));
        let (text, summary) = dump(&data, false);
        assert_eq!(summary.valid_bytes, data.len() as u64);
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].ends_with("isvalid: false"), "{text}");
        assert!(lines[1].ends_with("isvalid: true"), "{text}");
    }

    #[test]
    fn test_dump_txn_index_prints_kafka_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("00000000000000000000.txnindex");
        let mut index = transaction_index::TransactionIndex::open(&path, 0).unwrap();
        index
            .append(transaction_index::AbortedTxnEntry {
                producer_id: 7,
                first_offset: 3,
                last_offset: 9,
                last_stable_offset: 10,
            })
            .unwrap();
        let mut out = Vec::new();
        dump_txn_index(&path, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "version: 0 producerId: 7 firstOffset: 3 lastOffset: 9 lastStableOffset: 10\n"
        );
    }

    #[test]
    fn test_dump_batches_reports_offset_gaps() {
        let mut data = simple_batch(0, 1_000, &[(None, Some(b"a"))]);
        data.extend_from_slice(&simple_batch(5, 1_000, &[(None, Some(b"b"))]));
        let (_, summary) = dump(&data, true);
        assert_eq!(summary.gaps, vec![(0, 5)]);
    }
}
