//! Benchmark driver for `bench/broker.sh`: a librdkafka producer and consumer (through the
//! `rdkafka` crate) against a running broker, each run printing one line of
//! `key=value` figures on stdout. MB is 10^6 bytes; throughput counts record values only.
//!
//! - `produce`: `--messages` records of `--record-bytes` random bytes, no key, as fast as
//!   librdkafka takes them or paced at `--rate` records/s. The clock runs from the first
//!   send to the end of the final flush. Latency is the time from `send` to the delivery
//!   report, so it includes `linger.ms`. Idempotence is off: raw speed.
//! - `consume`: assigns every partition from its first offset (no group) and reads until
//!   `--messages` records have arrived.
//! - `create-topic`, `delete-topic`: admin requests, outside any timed run.

use std::future::Future;
use std::pin::pin;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext};
use rdkafka::{ClientContext, Offset, TopicPartitionList};

/// Longest wait for anything that is not a timed run: admin requests, a silent consumer,
/// the final flush.
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Parser)]
#[command(about = "Produce/consume benchmark driver for bench/broker.sh")]
struct Cli {
    /// bootstrap.servers
    #[arg(long, default_value = "127.0.0.1:9092")]
    bootstrap: String,
    /// Extra librdkafka property for every client, `-X key=value` (repeatable); applied
    /// last, so it overrides the driver's own settings.
    #[arg(short = 'X', value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates a topic (replication factor 1).
    CreateTopic {
        #[arg(long)]
        topic: String,
        #[arg(long)]
        partitions: i32,
    },
    /// Deletes a topic.
    DeleteTopic {
        #[arg(long)]
        topic: String,
    },
    /// Produces records and reports throughput and delivery latency.
    Produce {
        #[arg(long)]
        topic: String,
        #[arg(long)]
        messages: u64,
        #[arg(long, default_value_t = 1024)]
        record_bytes: usize,
        /// `1` or `all`.
        #[arg(long, default_value = "1")]
        acks: String,
        #[arg(long, default_value_t = 5)]
        linger_ms: u32,
        /// Records per second; unlimited when absent.
        #[arg(long)]
        rate: Option<f64>,
    },
    /// Reads every partition from the start until `--messages` records have arrived.
    Consume {
        #[arg(long)]
        topic: String,
        #[arg(long)]
        partitions: i32,
        #[arg(long)]
        messages: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut extra = Vec::new();
    for setting in &cli.set {
        match setting.split_once('=') {
            Some((key, value)) => extra.push((key.to_string(), value.to_string())),
            None => {
                eprintln!("broker_bench: -X wants KEY=VALUE, not {setting:?}");
                return ExitCode::FAILURE;
            }
        }
    }
    let target = Target {
        bootstrap: &cli.bootstrap,
        extra: &extra,
    };
    let result = match cli.command {
        Command::CreateTopic { topic, partitions } => create_topic(&target, &topic, partitions),
        Command::DeleteTopic { topic } => delete_topic(&target, &topic),
        Command::Produce {
            topic,
            messages,
            record_bytes,
            acks,
            linger_ms,
            rate,
        } => produce(
            &target,
            &topic,
            messages,
            record_bytes,
            &acks,
            linger_ms,
            rate,
        ),
        Command::Consume {
            topic,
            partitions,
            messages,
        } => consume(&target, &topic, partitions, messages),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("broker_bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where the clients connect, and the `-X` properties they all get.
struct Target<'a> {
    bootstrap: &'a str,
    extra: &'a [(String, String)],
}

/// A client configuration: the bootstrap servers, then `own` settings, then `-X` ones.
fn config(target: &Target, own: &[(&str, String)]) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", target.bootstrap);
    for (key, value) in own {
        config.set(*key, value);
    }
    for (key, value) in target.extra {
        config.set(key, value);
    }
    config
}

fn admin(target: &Target) -> Result<(AdminClient<DefaultClientContext>, AdminOptions), String> {
    let admin = config(target, &[])
        .create()
        .map_err(|e| format!("admin client: {e}"))?;
    Ok((admin, AdminOptions::new().request_timeout(Some(TIMEOUT))))
}

fn create_topic(target: &Target, topic: &str, partitions: i32) -> Result<String, String> {
    let (admin, options) = admin(target)?;
    let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    let results = block_on(admin.create_topics([&new], &options))
        .map_err(|e| format!("CreateTopics: {e}"))?;
    for result in results {
        result.map_err(|(name, code)| format!("create {name}: {code}"))?;
    }
    Ok(format!("created topic={topic} partitions={partitions}"))
}

fn delete_topic(target: &Target, topic: &str) -> Result<String, String> {
    let (admin, options) = admin(target)?;
    let results = block_on(admin.delete_topics(&[topic], &options))
        .map_err(|e| format!("DeleteTopics: {e}"))?;
    for result in results {
        result.map_err(|(name, code)| format!("delete {name}: {code}"))?;
    }
    Ok(format!("deleted topic={topic}"))
}

/// Delivery reports: the latency of each acknowledged record, in microseconds.
struct Reports {
    start: Instant,
    latencies_us: Mutex<Vec<u32>>,
    failed: AtomicU64,
    first_error: Mutex<Option<KafkaError>>,
}

impl ClientContext for Reports {}

impl ProducerContext for Reports {
    /// When the record was sent, in nanoseconds since `start`.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, sent_ns: usize) {
        match result {
            Ok(_) => {
                let latency_ns = self.start.elapsed().as_nanos() as usize - sent_ns;
                let micros = u32::try_from(latency_ns / 1_000).unwrap_or(u32::MAX);
                self.latencies_us.lock().unwrap().push(micros);
            }
            Err((err, _)) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                self.first_error
                    .lock()
                    .unwrap()
                    .get_or_insert_with(|| err.clone());
            }
        }
    }
}

fn produce(
    target: &Target,
    topic: &str,
    messages: u64,
    record_bytes: usize,
    acks: &str,
    linger_ms: u32,
    rate: Option<f64>,
) -> Result<String, String> {
    let reports = Reports {
        start: Instant::now(),
        latencies_us: Mutex::new(Vec::with_capacity(messages as usize)),
        failed: AtomicU64::new(0),
        first_error: Mutex::new(None),
    };
    let own = [
        ("acks", acks.to_string()),
        ("enable.idempotence", "false".to_string()),
        ("linger.ms", linger_ms.to_string()),
        ("compression.type", "none".to_string()),
        ("message.timeout.ms", TIMEOUT.as_millis().to_string()),
    ];
    let producer: BaseProducer<Reports> = config(target, &own)
        .create_with_context(reports)
        .map_err(|e| format!("producer: {e}"))?;
    // Connect and fetch the topic's metadata before the clock starts.
    producer
        .client()
        .fetch_metadata(Some(topic), TIMEOUT)
        .map_err(|e| format!("metadata for {topic}: {e}"))?;
    let payload = random_bytes(record_bytes);
    let context = producer.context().clone();
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    let mut sent = 0u64;
    while sent < messages {
        if let Some(rate) = rate {
            let due = (start.elapsed().as_secs_f64() * rate) as u64;
            if sent >= due {
                // Ahead of the schedule: sleep until the next record is due (rd_kafka_poll
                // counts whole milliseconds, and a zero timeout would spin, taking a core
                // from the broker), then serve delivery reports.
                let next_due = Duration::from_secs_f64((sent + 1) as f64 / rate);
                std::thread::sleep(next_due.saturating_sub(start.elapsed()));
                producer.poll(Duration::ZERO);
                continue;
            }
        }
        let sent_ns = context.start.elapsed().as_nanos() as usize;
        match producer
            .send::<[u8], [u8]>(BaseRecord::with_opaque_to(topic, sent_ns).payload(&payload[..]))
        {
            Ok(()) => sent += 1,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                producer.poll(Duration::from_millis(1));
            }
            Err((err, _)) => return Err(format!("send: {err}")),
        }
        if sent.is_multiple_of(1024) {
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(TIMEOUT).map_err(|e| format!("flush: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;

    let failed = context.failed.load(Ordering::Relaxed);
    if failed > 0 {
        let first = context.first_error.lock().unwrap().clone();
        return Err(format!(
            "{failed} records not delivered; first error: {first:?}"
        ));
    }
    let mut latencies = std::mem::take(&mut *context.latencies_us.lock().unwrap());
    if latencies.len() as u64 != messages {
        return Err(format!(
            "{} delivery reports for {messages} records",
            latencies.len()
        ));
    }
    latencies.sort_unstable();
    let bytes = messages * record_bytes as u64;
    Ok(format!(
        "produce msgs={messages} bytes={bytes} secs={secs:.3} MB/s={:.1} msgs/s={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} client_cpu_s={cpu:.2}",
        bytes as f64 / 1e6 / secs,
        messages as f64 / secs,
        percentile_ms(&latencies, 0.50),
        percentile_ms(&latencies, 0.99),
        percentile_ms(&latencies, 1.0),
    ))
}

fn consume(target: &Target, topic: &str, partitions: i32, messages: u64) -> Result<String, String> {
    let own = [
        // librdkafka wants a group.id for assign(); with auto-commit off it is never used.
        ("group.id", "fjord-bench-unused".to_string()),
        ("enable.auto.commit", "false".to_string()),
        ("enable.auto.offset.store", "false".to_string()),
        ("enable.partition.eof", "false".to_string()),
    ];
    let consumer: BaseConsumer = config(target, &own)
        .create()
        .map_err(|e| format!("consumer: {e}"))?;
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_range(topic, 0, partitions - 1);
    assignment
        .set_all_offsets(Offset::Beginning)
        .map_err(|e| format!("assignment: {e}"))?;
    // Know the leaders before assigning: an assignment made before the first metadata
    // response makes librdkafka retry its offset lookup 500 ms later.
    consumer
        .fetch_metadata(Some(topic), TIMEOUT)
        .map_err(|e| format!("metadata for {topic}: {e}"))?;
    let cpu_before = process_cpu_seconds();
    let start = Instant::now();
    consumer
        .assign(&assignment)
        .map_err(|e| format!("assign: {e}"))?;
    let (mut count, mut bytes) = (0u64, 0u64);
    let mut first_record = Duration::ZERO;
    let mut last_progress = Instant::now();
    while count < messages {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                if count == 0 {
                    first_record = start.elapsed();
                }
                count += 1;
                bytes += m.payload_len() as u64;
                last_progress = Instant::now();
            }
            Some(Err(err)) => return Err(format!("consume: {err}")),
            None if last_progress.elapsed() > TIMEOUT => {
                return Err(format!(
                    "no records for {TIMEOUT:?} after {count} of {messages}"
                ));
            }
            None => {}
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = process_cpu_seconds() - cpu_before;
    Ok(format!(
        "consume msgs={count} bytes={bytes} secs={secs:.3} MB/s={:.1} msgs/s={:.0} first_record_ms={:.1} client_cpu_s={cpu:.2}",
        bytes as f64 / 1e6 / secs,
        count as f64 / secs,
        first_record.as_secs_f64() * 1e3,
    ))
}

/// The value at quantile `q` of sorted microsecond samples, in milliseconds.
fn percentile_ms(sorted_us: &[u32], q: f64) -> f64 {
    let index = ((sorted_us.len() as f64 * q).ceil() as usize).clamp(1, sorted_us.len()) - 1;
    f64::from(sorted_us[index]) / 1_000.0
}

/// Bytes that no codec could shrink (xorshift64), so that record size is wire size.
fn random_bytes(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// utime + stime of this process, from /proc/self/stat (fields 14 and 15, in clock
/// ticks); 0 where there is no /proc.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The command name (field 2) may contain spaces; count fields after its ')'.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: f64 =
        fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
    ticks / clock_ticks_per_second()
}

fn clock_ticks_per_second() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Runs a future on this thread. The admin client resolves its futures from its own
/// polling thread, which wakes this one.
fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park();
    }
}
