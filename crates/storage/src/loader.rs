//! `LogLoader`: opens a partition directory and brings it to a consistent state.
//!
//! 1. Leftovers of interrupted operations are settled: `.deleted`, `.cleaned` and
//!    `.tmp` files are removed; `.swap` files (a compaction that finished writing but
//!    not swapping) replace the segments they cover.
//! 2. Every `.log` becomes a segment; an index that is missing or fails its sanity
//!    check is rebuilt from the log.
//! 3. After an unclean shutdown, every segment from the one holding the recovery point
//!    on is recovered batch by batch; at the first damaged batch the segment is cut and
//!    every later segment is deleted.
//!
//! Every segment recovered in 1-3 is reported in [`LoadedLog::recovered_segments`]: its
//! transaction index must be rebuilt by replaying it with the producer state, which the
//! log does once it has loaded that state (as Kafka's `recoverSegment` does).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::LogConfig;
use crate::error::{IoContext, Result};
use crate::log::SegmentMap;
use crate::segment::{
    segment_file, LogSegment, INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX,
};
use crate::transaction_index::TXN_INDEX_FILE_SUFFIX;

/// The files of a segment besides its `.log`.
const INDEX_SUFFIXES: [&str; 3] = [
    INDEX_FILE_SUFFIX,
    TIME_INDEX_FILE_SUFFIX,
    TXN_INDEX_FILE_SUFFIX,
];

pub const CLEANED_FILE_SUFFIX: &str = ".cleaned";
pub const SWAP_FILE_SUFFIX: &str = ".swap";

/// What the log manager knows about a log before opening it.
#[derive(Debug, Clone, Copy)]
pub struct LoadParams {
    pub had_clean_shutdown: bool,
    /// From `recovery-point-offset-checkpoint`; 0 when unknown.
    pub recovery_point: i64,
    /// From `log-start-offset-checkpoint`; 0 when unknown.
    pub log_start_offset: i64,
}

impl LoadParams {
    pub fn new_log() -> Self {
        Self {
            had_clean_shutdown: true,
            recovery_point: 0,
            log_start_offset: 0,
        }
    }
}

pub struct LoadedLog {
    pub segments: SegmentMap,
    pub log_end_offset: i64,
    pub log_start_offset: i64,
    pub recovery_point: i64,
    /// Base offsets of the segments whose batches were recovered (validated, indexes
    /// rebuilt): their transaction indexes are to be rebuilt too.
    pub recovered_segments: BTreeSet<i64>,
}

pub struct LogLoader<'a> {
    dir: &'a Path,
    config: &'a LogConfig,
}

impl<'a> LogLoader<'a> {
    pub fn new(dir: &'a Path, config: &'a LogConfig) -> Self {
        Self { dir, config }
    }

    pub fn load(&self, params: LoadParams) -> Result<LoadedLog> {
        std::fs::create_dir_all(self.dir).at(self.dir)?;
        self.remove_temporary_files()?;
        let mut recovered = self.complete_swaps()?;
        let (mut segments, damaged) = self.open_segments(&mut recovered)?;
        if let Some(damaged) = damaged {
            // Rebuilding an index cut a torn tail: nothing after it can be trusted.
            Self::drop_segments_after(&mut segments, damaged)?;
        }
        if !params.had_clean_shutdown {
            self.recover_from(&mut segments, params.recovery_point, &mut recovered)?;
        }
        if segments.is_empty() {
            let base = params.log_start_offset.max(0);
            segments.insert(base, Arc::new(self.open_segment(base, "", true)?));
        }
        let Some(active) = segments.values().next_back().cloned() else {
            unreachable!("a segment was just inserted")
        };
        active.resize_indexes(self.config.segment_index_bytes)?;
        let log_end_offset = active.read_next_offset()?;
        let first_base = segments.keys().next().copied().unwrap_or(0);
        let log_start_offset = params.log_start_offset.max(first_base).min(log_end_offset);
        let recovery_point = if params.had_clean_shutdown {
            log_end_offset
        } else {
            params.recovery_point.clamp(0, log_end_offset)
        };
        Ok(LoadedLog {
            segments,
            log_end_offset,
            log_start_offset,
            recovery_point,
            recovered_segments: recovered,
        })
    }

    fn open_segment(&self, base_offset: i64, suffix: &str, writable: bool) -> Result<LogSegment> {
        LogSegment::open(
            self.dir,
            base_offset,
            self.config.index_interval_bytes,
            self.config.segment_index_bytes,
            suffix,
            writable,
        )
    }

    fn files(&self) -> Result<Vec<PathBuf>> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(self.dir).at(self.dir)? {
            let entry = entry.at(self.dir)?;
            if entry.file_type().at(&entry.path())?.is_file() {
                files.push(entry.path());
            }
        }
        files.sort();
        Ok(files)
    }

    fn remove_temporary_files(&self) -> Result<()> {
        for path in self.files()? {
            let name = file_name(&path);
            let leftover = [crate::log::DELETED_FILE_SUFFIX, CLEANED_FILE_SUFFIX, ".tmp"]
                .iter()
                .any(|s| name.ends_with(s));
            if leftover {
                tracing::info!(file = %path.display(), "removing leftover file");
                std::fs::remove_file(&path).at(&path)?;
            }
        }
        Ok(())
    }

    /// A `.log.swap` holds the compacted replacement of the segments whose offsets it
    /// covers; finish the swap the cleaner started. Returns the swapped-in segments.
    fn complete_swaps(&self) -> Result<BTreeSet<i64>> {
        let mut swapped = BTreeSet::new();
        for path in self.files()? {
            let name = file_name(&path);
            let Some(base) = name
                .strip_suffix(&format!("{LOG_FILE_SUFFIX}{SWAP_FILE_SUFFIX}"))
                .and_then(parse_base_offset)
            else {
                continue;
            };
            let swap = self.open_segment(base, SWAP_FILE_SUFFIX, false)?;
            swap.recover()?;
            let end = swap.read_next_offset()?;
            for other in self.segment_base_offsets()? {
                if other >= base && other < end.max(base + 1) {
                    self.delete_segment_files(other)?;
                }
            }
            swap.on_become_inactive()?;
            swap.change_file_suffixes(SWAP_FILE_SUFFIX, "")?;
            swapped.insert(base);
            tracing::info!(segment = base, "completed interrupted compaction swap");
        }
        for path in self.files()? {
            if file_name(&path).ends_with(SWAP_FILE_SUFFIX) {
                std::fs::remove_file(&path).at(&path)?;
            }
        }
        Ok(swapped)
    }

    fn segment_base_offsets(&self) -> Result<Vec<i64>> {
        Ok(self
            .files()?
            .iter()
            .filter_map(|p| {
                file_name(p)
                    .strip_suffix(LOG_FILE_SUFFIX)
                    .and_then(parse_base_offset)
            })
            .collect())
    }

    fn delete_segment_files(&self, base: i64) -> Result<()> {
        for extension in [LOG_FILE_SUFFIX].iter().chain(&INDEX_SUFFIXES) {
            let path = segment_file(self.dir, base, extension, "");
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                    return Err(err).at(&path)
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Opens every segment; rebuilds indexes that are missing or damaged (adding the
    /// segment to `recovered`). Index files without a log are removed.
    fn open_segments(&self, recovered: &mut BTreeSet<i64>) -> Result<(SegmentMap, Option<i64>)> {
        let bases = self.segment_base_offsets()?;
        for path in self.files()? {
            let name = file_name(&path);
            let orphan = INDEX_SUFFIXES.iter().any(|ext| {
                name.strip_suffix(ext)
                    .and_then(parse_base_offset)
                    .is_some_and(|base| !bases.contains(&base))
            });
            if orphan {
                std::fs::remove_file(&path).at(&path)?;
            }
        }
        let mut segments = BTreeMap::new();
        let mut damaged = None;
        for base in bases {
            let indexes_present = [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX]
                .iter()
                .all(|ext| segment_file(self.dir, base, ext, "").exists());
            let segment = self.open_segment(base, "", false)?;
            if !indexes_present || !segment.indexes_are_sane() {
                tracing::warn!(dir = %self.dir.display(), segment = base, "rebuilding missing or corrupt index");
                let truncated = segment.recover()?;
                recovered.insert(base);
                segment.on_become_inactive()?;
                if truncated > 0 {
                    damaged = damaged.or(Some(base));
                    tracing::warn!(
                        segment = base,
                        truncated,
                        "cut invalid bytes while rebuilding index"
                    );
                }
            }
            segments.insert(base, Arc::new(segment));
        }
        Ok((segments, damaged))
    }

    /// Deletes every segment after `damaged`.
    fn drop_segments_after(segments: &mut SegmentMap, damaged: i64) -> Result<()> {
        let later: Vec<i64> = segments
            .range(damaged + 1..)
            .map(|(base, _)| *base)
            .collect();
        for base in later {
            if let Some(segment) = segments.remove(&base) {
                tracing::warn!(segment = base, "deleting segment after damaged one");
                segment.delete_files()?;
            }
        }
        Ok(())
    }

    /// Recovers segments from the one holding `recovery_point` on; everything after the
    /// first damage is removed.
    fn recover_from(
        &self,
        segments: &mut SegmentMap,
        recovery_point: i64,
        recovered: &mut BTreeSet<i64>,
    ) -> Result<()> {
        let start = segments
            .range(..=recovery_point)
            .next_back()
            .map_or(i64::MIN, |(base, _)| *base);
        let candidates: Vec<i64> = segments.range(start..).map(|(base, _)| *base).collect();
        let mut damaged_at = None;
        // Outside compaction a sealed segment ends exactly where the next one begins; one
        // that ends short (or is empty) lost data, and what follows it cannot be trusted
        // either. (The cleaner may legitimately leave gaps in a compacted log.)
        let gaps_are_damage = !self.config.cleanup_policy.compact;
        for base in &candidates {
            let segment = &segments[base];
            let truncated = segment.recover()?;
            recovered.insert(*base);
            let next_base = segments.range(base + 1..).next().map(|(b, _)| *b);
            let lost = gaps_are_damage
                && next_base
                    .is_some_and(|next| segment.read_next_offset().is_ok_and(|end| end < next));
            if truncated > 0 || lost {
                tracing::warn!(dir = %self.dir.display(), segment = base, truncated, "recovery cut a damaged log tail");
                damaged_at = Some(*base);
                break;
            }
        }
        if let Some(damaged) = damaged_at {
            Self::drop_segments_after(segments, damaged)?;
        }
        // Drop empty segments other than the last, which a crash during a roll leaves.
        let last = segments.keys().next_back().copied();
        let empty: Vec<i64> = segments
            .iter()
            .filter(|(b, s)| Some(**b) != last && s.is_empty())
            .map(|(b, _)| *b)
            .collect();
        for base in empty {
            if let Some(segment) = segments.remove(&base) {
                segment.delete_files()?;
            }
        }
        for segment in segments.values().rev().skip(1) {
            segment.on_become_inactive()?;
        }
        Ok(())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Parses a 20-digit segment base offset.
pub fn parse_base_offset(stem: &str) -> Option<i64> {
    (stem.len() == 20 && stem.bytes().all(|b| b.is_ascii_digit()))
        .then(|| stem.parse().ok())
        .flatten()
}
