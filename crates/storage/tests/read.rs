//! Reads (Fetch): offset range checks, `max_bytes` and KIP-74's first-batch rule, the
//! upper bound (high watermark), and reads that start inside a batch or a segment.

mod common;

use common::*;
use fjord_protocol::record_batch::BatchIter;
use fjord_storage::{Log, LogConfig, StorageError};

fn batch_size() -> u64 {
    filler_batch(4, NOW, 50).len() as u64
}

/// Four batches (16 offsets) a segment, an index entry for nearly every batch.
fn cfg() -> LogConfig {
    LogConfig {
        index_interval_bytes: 1,
        ..config(4 * batch_size())
    }
}

fn filled(dir: &std::path::Path, batches: usize) -> Log {
    let log = open(dir, cfg());
    for _ in 0..batches {
        append(&log, filler_batch(4, NOW, 50), 0);
    }
    log
}

/// The (base, last) offsets of the batches one read returns.
fn read_ranges(
    log: &Log,
    start: i64,
    max_bytes: u64,
    upper: Option<i64>,
    min_one: bool,
) -> Vec<(i64, i64)> {
    let info = log.read(start, max_bytes, upper, min_one).unwrap();
    let Some(slice) = info.records else {
        return Vec::new();
    };
    let bytes = slice.read_to_vec().unwrap();
    assert!(
        bytes.len() as u64 <= max_bytes.max(batch_size()),
        "read {} bytes",
        bytes.len()
    );
    BatchIter::new(&bytes)
        .map(|b| {
            let b = b.unwrap();
            b.validate().unwrap();
            (b.base_offset(), b.last_offset())
        })
        .collect()
}

#[test]
fn test_log_read_offset_range_checks() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(dir.path(), 6);
    assert_eq!(log.log_end_offset(), 24);
    let at_end = log.read(24, 1 << 20, None, true).unwrap();
    assert!(at_end.records.is_none());
    assert_eq!((at_end.log_start_offset, at_end.log_end_offset), (0, 24));
    assert!(matches!(
        log.read(25, 1 << 20, None, true),
        Err(StorageError::OffsetOutOfRange {
            offset: 25,
            log_start: 0,
            log_end: 24
        })
    ));
    assert!(matches!(
        log.read(-1, 1 << 20, None, true),
        Err(StorageError::OffsetOutOfRange { .. })
    ));
}

#[test]
fn test_log_read_returns_one_segment_of_whole_batches_within_max_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(dir.path(), 10);
    let size = batch_size();
    assert_eq!(segment_bases(&log), [0, 16, 32]);
    // Reads stop at the segment end, as Kafka's do.
    assert_eq!(
        read_ranges(&log, 0, 1 << 20, None, true),
        [(0, 3), (4, 7), (8, 11), (12, 15)]
    );
    assert_eq!(read_ranges(&log, 16, 1 << 20, None, true).len(), 4);
    // Only whole batches within max_bytes.
    assert_eq!(
        read_ranges(&log, 0, 2 * size + size / 2, None, true),
        [(0, 3), (4, 7)]
    );
    assert_eq!(
        read_ranges(&log, 4, 2 * size, None, true),
        [(4, 7), (8, 11)]
    );
    // A batch larger than max_bytes: whole with min_one_batch, nothing without.
    assert_eq!(read_ranges(&log, 0, 10, None, true), [(0, 3)]);
    assert_eq!(
        read_ranges(&log, 0, 10, None, false),
        Vec::<(i64, i64)>::new()
    );
}

#[test]
fn test_log_read_inside_a_batch_returns_the_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(dir.path(), 10);
    for offset in 0..40 {
        let ranges = read_ranges(&log, offset, 1, None, true);
        assert_eq!(ranges.len(), 1, "read at {offset}");
        assert_eq!(ranges[0].0, offset / 4 * 4, "read at {offset}");
        let info = log.read(offset, 1, None, true).unwrap();
        assert_eq!(info.first_batch_offset, Some(offset / 4 * 4));
    }
}

#[test]
fn test_log_read_stops_before_the_upper_bound() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(dir.path(), 10);
    // Within the first segment.
    assert_eq!(
        read_ranges(&log, 0, 1 << 20, Some(8), true),
        [(0, 3), (4, 7)]
    );
    assert_eq!(read_ranges(&log, 5, 1 << 20, Some(8), true), [(4, 7)]);
    // At a segment's base: the whole previous segment is readable.
    assert_eq!(read_ranges(&log, 0, 1 << 20, Some(16), true).len(), 4);
    assert!(read_ranges(&log, 16, 1 << 20, Some(16), true).is_empty());
    // In a later segment: nothing limits the earlier one.
    assert_eq!(read_ranges(&log, 0, 1 << 20, Some(36), true).len(), 4);
    assert_eq!(read_ranges(&log, 32, 1 << 20, Some(36), true), [(32, 35)]);
    // Nothing at or past the bound, even with min_one_batch.
    assert!(read_ranges(&log, 8, 1 << 20, Some(8), true).is_empty());
    assert!(read_ranges(&log, 0, 1 << 20, Some(0), true).is_empty());
    // A bound past the log end is the log end.
    assert_eq!(read_ranges(&log, 36, 1 << 20, Some(1000), true), [(36, 39)]);
}

#[test]
fn test_log_read_with_sparse_index_finds_every_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(
        dir.path(),
        LogConfig {
            index_interval_bytes: 3 * batch_size(),
            ..config(1 << 20)
        },
    );
    for _ in 0..50 {
        append(&log, filler_batch(4, NOW, 50), 0);
    }
    for offset in (0..200).step_by(3) {
        let ranges = read_ranges(&log, offset, 3 * batch_size(), None, true);
        assert_eq!(
            ranges.first().map(|r| r.0),
            Some(offset / 4 * 4),
            "read at {offset}"
        );
        assert!(ranges.len() <= 3);
        assert!(ranges.windows(2).all(|w| w[1].0 == w[0].1 + 1));
    }
}
