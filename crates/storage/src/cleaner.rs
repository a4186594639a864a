//! Log compaction (`cleanup.policy=compact`): keep the latest record of every key.
//!
//! One pass over a log:
//! 1. The *dirty* section runs from the first offset not yet cleaned (kept in
//!    `cleaner-offset-checkpoint`) to the first uncleanable offset: the active
//!    segment's base, or earlier if `min.compaction.lag.ms` protects younger segments
//!    or a segment holds offsets at or above the last stable offset (an ongoing
//!    transaction may still abort).
//! 2. An offset map records, for every key in the dirty section, its latest offset.
//!    Records of aborted transactions do not count: they supersede nothing.
//! 3. Every sealed segment below the uncleanable offset is rewritten into
//!    `<base>.log.cleaned` without the records the map supersedes, then swapped in
//!    (`.cleaned` → `.swap` → live; the loader finishes a swap a crash interrupted).
//!
//! Survivors keep their offsets: a batch is copied byte for byte when all its records
//! survive, and rebuilt with the same base offset, `lastOffsetDelta`, producer fields
//! and codec when only some do. Tombstones (null values) are dropped once they are
//! older than `delete.retention.ms`; records without a key are dropped, as in Kafka.
//! Control batches are kept untouched (transactions build on them), and so are the
//! aborted transaction index entries of the segments cleaned: the cleaned segment's
//! `.txnindex` holds them all. (Kafka also removes aborted records and, eventually,
//! markers; this cleaner leaves them to `read_committed` filtering.)

use std::collections::HashMap;
use std::sync::Arc;

use fjord_protocol::records::{BatchRecords, RecordBatchBuilder};
use fjord_protocol::RecordBatch;

use crate::error::Result;
use crate::file_records::BatchPosition;
use crate::loader::{CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX};
use crate::log::Log;
use crate::segment::LogSegment;
use crate::transaction_index::AbortedTxnEntry;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CleanerStats {
    pub segments_cleaned: usize,
    pub records_read: u64,
    pub records_retained: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
}

/// The outcome of a pass: where the next pass's dirty section starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanResult {
    pub first_dirty_offset: i64,
    pub stats: CleanerStats,
}

/// The dirty section of `log` and its share of the cleanable bytes, or `None` when
/// there is nothing to clean.
pub fn dirty_ratio(log: &Log, first_dirty: i64, now_ms: i64) -> Option<f64> {
    let uncleanable = first_uncleanable_offset(log, now_ms);
    let (mut clean, mut dirty) = (0u64, 0u64);
    for segment in log.segments() {
        if segment.base_offset() >= uncleanable {
            break;
        }
        if segment.base_offset() >= first_dirty {
            dirty += segment.size();
        } else {
            clean += segment.size();
        }
    }
    (dirty > 0).then(|| dirty as f64 / (clean + dirty) as f64)
}

/// The base of the first segment that must not be compacted yet: the active one, the
/// first whose newest record is younger than `min.compaction.lag.ms`, or the first
/// holding offsets at or above the first unstable offset.
fn first_uncleanable_offset(log: &Log, now_ms: i64) -> i64 {
    let lag = log.config().min_compaction_lag_ms;
    let first_unstable = log.first_unstable_offset();
    let segments = log.segments();
    let active_base = segments.last().map_or(0, |s| s.base_offset());
    segments
        .iter()
        .enumerate()
        .find(|(i, s)| {
            let next_base = segments.get(i + 1).map_or(i64::MAX, |n| n.base_offset());
            s.base_offset() == active_base
                || (lag > 0 && now_ms - s.largest_timestamp() < lag)
                || first_unstable.is_some_and(|unstable| next_base > unstable)
        })
        .map_or(active_base, |(_, s)| s.base_offset())
}

/// Compacts `log` once. `first_dirty` is where the previous pass stopped.
pub fn clean_log(log: &Log, first_dirty: i64, now_ms: i64) -> Result<Option<CleanResult>> {
    let config = log.config();
    if !config.cleanup_policy.compact {
        return Ok(None);
    }
    let uncleanable = first_uncleanable_offset(log, now_ms);
    let dirty_start = first_dirty.max(log.log_start_offset());
    if dirty_start >= uncleanable {
        return Ok(None);
    }
    let segments: Vec<Arc<LogSegment>> = log
        .segments()
        .into_iter()
        .filter(|s| s.base_offset() < uncleanable)
        .collect();
    let aborted = log.aborted_txn_entries(dirty_start, uncleanable);
    let offset_map = build_offset_map(&segments, dirty_start, uncleanable, &aborted)?;
    let tombstone_horizon = now_ms.saturating_sub(config.delete_retention_ms);
    let mut stats = CleanerStats::default();
    for group in group_segments(&segments, config.segment_bytes, uncleanable) {
        let retain =
            |key: Option<&[u8]>, value_is_null: bool, offset: i64, timestamp: i64| -> bool {
                let Some(key) = key else { return false };
                if offset_map.get(key).is_some_and(|latest| *latest > offset) {
                    return false;
                }
                !(value_is_null && timestamp < tombstone_horizon)
            };
        clean_group(log, &group, &retain, &mut stats)?;
    }
    tracing::info!(partition = %log.topic_partition(), ?stats, "compacted log");
    Ok(Some(CleanResult {
        first_dirty_offset: uncleanable,
        stats,
    }))
}

/// Latest offset of each key among records in `[from, to)`, leaving out the batches of
/// the `aborted` transactions.
fn build_offset_map(
    segments: &[Arc<LogSegment>],
    from: i64,
    to: i64,
    aborted: &[AbortedTxnEntry],
) -> Result<HashMap<Vec<u8>, i64>> {
    let mut aborted_ranges: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for txn in aborted {
        aborted_ranges
            .entry(txn.producer_id)
            .or_default()
            .push((txn.first_offset, txn.last_offset));
    }
    let is_aborted = |batch: &RecordBatch<'_>| {
        batch.is_transactional()
            && aborted_ranges
                .get(&batch.producer_id())
                .is_some_and(|ranges| {
                    ranges
                        .iter()
                        .any(|(first, last)| (*first..=*last).contains(&batch.base_offset()))
                })
    };
    let mut map = HashMap::new();
    for segment in segments {
        for_each_batch(segment, |batch| {
            if batch.is_control()
                || batch.last_offset() < from
                || batch.base_offset() >= to
                || is_aborted(batch)
            {
                return Ok(());
            }
            for record in BatchRecords::decode(batch)?.iter() {
                let record = record?;
                let offset = record.offset(batch.base_offset());
                if let (Some(key), true) = (record.key, (from..to).contains(&offset)) {
                    map.insert(key.to_vec(), offset);
                }
            }
            Ok(())
        })?;
    }
    Ok(map)
}

/// Calls `f` with every batch of `segment`, in order.
fn for_each_batch(
    segment: &LogSegment,
    mut f: impl FnMut(&RecordBatch<'_>) -> Result<()>,
) -> Result<()> {
    let log = segment.file_records();
    let mut position = 0u64;
    let mut buf = Vec::new();
    while let Some(header) = log.batch_at(position)? {
        read_batch_into(segment, &header, &mut buf)?;
        f(&RecordBatch::parse_exact(&buf)?)?;
        position = header.end();
    }
    Ok(())
}

fn read_batch_into(segment: &LogSegment, header: &BatchPosition, buf: &mut Vec<u8>) -> Result<()> {
    buf.resize(header.size as usize, 0);
    segment.file_records().read_at(buf, header.position)
}

/// Consecutive segments that fit in one segment: combined size within `max_bytes`, and
/// every offset within `i32::MAX` of the group's base (index entries hold relative
/// offsets). `end` is the offset after the last segment.
fn group_segments(
    segments: &[Arc<LogSegment>],
    max_bytes: u64,
    end: i64,
) -> Vec<Vec<Arc<LogSegment>>> {
    let mut groups: Vec<Vec<Arc<LogSegment>>> = Vec::new();
    let mut size = 0u64;
    for (i, segment) in segments.iter().enumerate() {
        let last_offset = segments.get(i + 1).map_or(end, |next| next.base_offset()) - 1;
        match groups.last_mut() {
            Some(group)
                if size + segment.size() <= max_bytes
                    && last_offset - group[0].base_offset() <= i32::MAX as i64 =>
            {
                group.push(Arc::clone(segment))
            }
            _ => {
                groups.push(vec![Arc::clone(segment)]);
                size = 0;
            }
        }
        size += segment.size();
    }
    groups
}

type RetainFn<'a> = dyn Fn(Option<&[u8]>, bool, i64, i64) -> bool + 'a;

/// Writes the survivors of `group` into a `.cleaned` segment and swaps it in.
fn clean_group(
    log: &Log,
    group: &[Arc<LogSegment>],
    retain: &RetainFn<'_>,
    stats: &mut CleanerStats,
) -> Result<()> {
    let config = log.config();
    let base = group[0].base_offset();
    let cleaned = LogSegment::open(
        &log.dir(),
        base,
        config.index_interval_bytes,
        config.segment_index_bytes,
        CLEANED_FILE_SUFFIX,
        true,
    )?;
    let outcome = (|| {
        for segment in group {
            stats.bytes_before += segment.size();
            for_each_batch(segment, |batch| {
                if let Some(bytes) = filter_batch(batch, retain, stats)? {
                    cleaned.append(&bytes)?;
                }
                Ok(())
            })?;
            for txn in segment.aborted_txns() {
                cleaned.append_aborted_txn(txn)?;
            }
        }
        cleaned.on_become_inactive()?;
        cleaned.flush()?;
        cleaned.change_file_suffixes(CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX)
    })();
    if let Err(err) = outcome {
        let _ = cleaned.delete_files();
        return Err(err);
    }
    stats.bytes_after += cleaned.size();
    stats.segments_cleaned += group.len();
    if !log.replace_segments(Arc::new(cleaned), group, SWAP_FILE_SUFFIX)? {
        tracing::info!(partition = %log.topic_partition(), base, "segments changed during compaction; dropped the cleaned copy");
    }
    Ok(())
}

/// The batch to write in place of `batch`: itself (`Cow`-free: its bytes), a rebuilt
/// batch with the survivors, or nothing.
fn filter_batch(
    batch: &RecordBatch<'_>,
    retain: &RetainFn<'_>,
    stats: &mut CleanerStats,
) -> Result<Option<Vec<u8>>> {
    if batch.is_control() {
        return Ok(Some(batch.as_bytes().to_vec()));
    }
    let records = BatchRecords::decode(batch)?;
    let mut kept = Vec::new();
    let mut total = 0usize;
    for record in records.iter() {
        let record = record?;
        total += 1;
        let (offset, timestamp) = (
            record.offset(batch.base_offset()),
            record.timestamp_in(batch),
        );
        if retain(record.key, record.value.is_none(), offset, timestamp) {
            kept.push(record);
        }
    }
    stats.records_read += total as u64;
    stats.records_retained += kept.len() as u64;
    if kept.len() == total {
        return Ok(Some(batch.as_bytes().to_vec()));
    }
    if kept.is_empty() {
        return Ok(None);
    }
    let mut builder = RecordBatchBuilder::from_batch_header(batch)?;
    for record in &kept {
        builder.append_raw(record);
    }
    builder.set_last_offset_delta(batch.last_offset_delta());
    Ok(Some(builder.build()?))
}
