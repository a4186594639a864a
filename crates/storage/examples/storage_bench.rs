//! Append throughput of one partition log, to compare with `dd` on the same disk
//! (`bench/storage.sh` runs both and prints the table; see `bench/README.md`).
//!
//! ```text
//! storage_bench --dir D --total-mb N [--batch-kb 16] [--record-bytes 1024]
//!               [--mode pagecache|durable|durable-group|durable-pipelined]
//!               [--segment-mb 1024] [--threads 4] [--window-kb 4096]
//! ```
//!
//! One uncompressed batch is built once; every append copies its bytes into a reusable
//! buffer first, as a broker has the bytes of a produce request in hand, and
//! `append_as_leader` then validates it and rewrites its base offset in place.
//!
//! - `pagecache`: appends only; nothing is fsynced while the clock runs.
//! - `durable`: one thread, `flush_to` after every append: one node, `acks=all`, one
//!   producer with one request in flight. One fsync per batch, the honest worst case.
//! - `durable-group`: `--threads` threads append to the same log and each waits for its
//!   own append to be durable: the group commit folds concurrent waits into one fsync.
//! - `durable-pipelined`: what a broker does for `acks=all` producers with several
//!   requests in flight: one thread keeps appending while at most `--window-kb` of
//!   appended data awaits its fsync; a second thread runs the group-commit flushes and
//!   acknowledges every append the flush covered. An append's latency runs from its
//!   start to its acknowledgement; the clock stops when the last byte is durable.
//!
//! Prints one line, `fjord-append mode=... bytes=... seconds=... MB/s=...`, with MB =
//! 10^6 bytes as `dd` counts them. The log lives in `<dir>/storage-bench-0`, which is
//! removed before and after the run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::CompressionType;
use fjord_storage::{AppendOrigin, LoadParams, Log, LogConfig, TopicPartition};

const MIB: u64 = 1024 * 1024;
const LEADER_EPOCH: i32 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    PageCache,
    Durable,
    DurableGroup,
    DurablePipelined,
}

impl Mode {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "pagecache" => Some(Self::PageCache),
            "durable" => Some(Self::Durable),
            "durable-group" => Some(Self::DurableGroup),
            "durable-pipelined" => Some(Self::DurablePipelined),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Self::PageCache => "pagecache",
            Self::Durable => "durable",
            Self::DurableGroup => "durable-group",
            Self::DurablePipelined => "durable-pipelined",
        }
    }
}

#[derive(Debug)]
struct Options {
    dir: PathBuf,
    total_mb: u64,
    batch_kb: usize,
    record_bytes: usize,
    mode: Mode,
    segment_mb: u64,
    threads: usize,
    window_kb: u64,
}

const USAGE: &str = "usage: storage_bench --dir D --total-mb N [--batch-kb 16] \
    [--record-bytes 1024] [--mode pagecache|durable|durable-group|durable-pipelined] \
    [--segment-mb 1024] [--threads 4] [--window-kb 4096]";

fn parse_options(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        dir: PathBuf::new(),
        total_mb: 0,
        batch_kb: 16,
        record_bytes: 1024,
        mode: Mode::PageCache,
        segment_mb: 1024,
        threads: 4,
        window_kb: 4096,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(format!("{flag} needs a positive number, not {value:?}"))
        };
        match flag.as_str() {
            "--dir" => options.dir = PathBuf::from(&value),
            "--total-mb" => options.total_mb = number()?,
            "--batch-kb" => options.batch_kb = number()? as usize,
            "--record-bytes" => options.record_bytes = number()? as usize,
            "--segment-mb" => options.segment_mb = number()?,
            "--threads" => options.threads = number()? as usize,
            "--window-kb" => options.window_kb = number()?,
            "--mode" => {
                options.mode = Mode::parse(&value).ok_or(format!("unknown mode {value:?}"))?
            }
            _ => return Err(format!("unknown argument {flag:?}")),
        }
    }
    if options.dir.as_os_str().is_empty() || options.total_mb == 0 {
        return Err("--dir and --total-mb are required".into());
    }
    Ok(options)
}

/// One uncompressed batch of `record_bytes`-byte values filling about `batch_kb` KiB.
fn batch_template(batch_kb: usize, record_bytes: usize) -> Vec<u8> {
    let records = (batch_kb * 1024 / record_bytes).max(1);
    let value: Vec<u8> = (0..record_bytes).map(|i| (i % 251) as u8).collect();
    let mut builder = RecordBatchBuilder::new(CompressionType::None, 0, 1_700_000_000_000);
    for delta in 0..records as i32 {
        builder.append(delta, 1_700_000_000_000, None, Some(&value), &[]);
    }
    builder.build().expect("the template batch fits")
}

/// Appends `batches` copies of `template`, fsyncing after each one when `durable`.
/// Returns each append's latency (copy, append and flush).
fn append_copies(log: &Log, template: &[u8], batches: u64, durable: bool) -> Vec<Duration> {
    let mut buf = vec![0u8; template.len()];
    let mut latencies = Vec::with_capacity(batches as usize);
    for _ in 0..batches {
        let start = Instant::now();
        buf.copy_from_slice(template);
        let info = log
            .append_as_leader(&mut buf, LEADER_EPOCH, AppendOrigin::Client)
            .expect("append");
        if durable {
            log.flush_to(info.last_offset + 1).expect("flush");
        }
        latencies.push(start.elapsed());
    }
    latencies
}

/// Appends `batches` copies while a flusher thread makes them durable, keeping at most
/// `window_bytes` appended but not yet durable. Returns append-to-ack latencies.
fn append_pipelined(
    log: &Arc<Log>,
    template: &[u8],
    batches: u64,
    window_bytes: u64,
) -> Vec<Duration> {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    let window_batches = (window_bytes / template.len() as u64).max(1) as i64;
    let records_per_batch = {
        fjord_protocol::RecordBatch::parse_exact(template).map_or(1, |b| b.records_count() as i64)
    };
    let pending: Arc<Mutex<VecDeque<(i64, Instant)>>> = Arc::default();
    let done = Arc::new(AtomicBool::new(false));
    let flusher = {
        let (log, pending, done) = (Arc::clone(log), Arc::clone(&pending), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut latencies = Vec::new();
            loop {
                let end = log.log_end_offset();
                if log.recovery_point() < end {
                    log.flush_to(end).expect("flush");
                    let durable = log.recovery_point();
                    let mut queue = pending.lock().expect("queue");
                    while queue.front().is_some_and(|(last, _)| *last < durable) {
                        let (_, started) = queue.pop_front().expect("front");
                        latencies.push(started.elapsed());
                    }
                } else if done.load(Ordering::Acquire) && pending.lock().expect("queue").is_empty()
                {
                    return latencies;
                } else {
                    std::thread::yield_now();
                }
            }
        })
    };
    let mut buf = vec![0u8; template.len()];
    for _ in 0..batches {
        while log.log_end_offset() - log.recovery_point() >= window_batches * records_per_batch {
            std::thread::yield_now();
        }
        let started = Instant::now();
        buf.copy_from_slice(template);
        let info = log
            .append_as_leader(&mut buf, LEADER_EPOCH, AppendOrigin::Client)
            .expect("append");
        pending
            .lock()
            .expect("queue")
            .push_back((info.last_offset, started));
    }
    done.store(true, Ordering::Release);
    flusher.join().expect("flusher")
}

/// Runs the appends of `options.mode` on `log`; returns their latencies.
fn run_mode(log: &Arc<Log>, template: &Arc<Vec<u8>>, options: &Options) -> Vec<Duration> {
    let batches = (options.total_mb * MIB).div_ceil(template.len() as u64);
    match options.mode {
        Mode::PageCache => append_copies(log, template, batches, false),
        Mode::Durable => append_copies(log, template, batches, true),
        Mode::DurablePipelined => {
            append_pipelined(log, template, batches, options.window_kb * 1024)
        }
        Mode::DurableGroup => {
            let threads = options.threads as u64;
            let handles: Vec<_> = (0..threads)
                .map(|i| {
                    let (log, template) = (Arc::clone(log), Arc::clone(template));
                    let share = batches / threads + u64::from(i < batches % threads);
                    std::thread::spawn(move || append_copies(&log, &template, share, true))
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("append thread"))
                .collect()
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).copied().unwrap_or_default()
}

fn remove_dir(dir: &Path) {
    if let Err(err) = std::fs::remove_dir_all(dir) {
        if err.kind() != std::io::ErrorKind::NotFound {
            eprintln!("cannot remove {}: {err}", dir.display());
        }
    }
}

fn bench(options: &Options) -> Result<(), String> {
    let topic_partition = TopicPartition::new("storage-bench", 0);
    let log_dir = options.dir.join(topic_partition.dir_name());
    remove_dir(&log_dir);
    std::fs::create_dir_all(&log_dir).map_err(|e| format!("{}: {e}", log_dir.display()))?;
    let config = LogConfig {
        segment_bytes: options.segment_mb * MIB,
        ..LogConfig::default()
    };
    let log = Log::open(&log_dir, topic_partition, config, LoadParams::new_log())
        .map_err(|e| e.to_string())?;
    let log = Arc::new(log);
    let template = Arc::new(batch_template(options.batch_kb, options.record_bytes));

    let start = Instant::now();
    let mut latencies = run_mode(&log, &template, options);
    let seconds = start.elapsed().as_secs_f64();
    let bytes = log.size();
    let segments = log.segment_count();
    log.close().map_err(|e| e.to_string())?;
    remove_dir(&log_dir);

    latencies.sort_unstable();
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "fjord-append mode={} bytes={bytes} seconds={seconds:.3} MB/s={:.1} appends={} \
         batch_bytes={} threads={} segments={segments} p50_us={:.0} p99_us={:.0}",
        options.mode.name(),
        bytes as f64 / 1e6 / seconds,
        latencies.len(),
        template.len(),
        if options.mode == Mode::DurableGroup {
            options.threads
        } else {
            1
        },
        micros(percentile(&latencies, 0.5)),
        micros(percentile(&latencies, 0.99)),
    );
    Ok(())
}

fn main() -> ExitCode {
    let outcome = parse_options(std::env::args().skip(1)).and_then(|options| bench(&options));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("storage_bench: {err}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}
