//! `fjord console-producer` (Kafka's `kafka-console-producer`): one record per line of
//! stdin, keyed with `--property parse.key=true` (Kafka's default partitioner:
//! murmur2 of the key), sent in batches per partition, or one by one with `--sync`.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fjord_client::Connection;
use fjord_protocol::messages::{metadata, produce};
use fjord_protocol::records::RecordBatchBuilder;
use fjord_protocol::{ApiKey, CompressionType, ErrorCode};

use crate::cli::ConsoleProducerArgs;

const TIMEOUT: Duration = Duration::from_secs(30);
/// Kafka's `batch.size`: a partition's batch is sent once it holds this much.
const BATCH_BYTES: usize = 16 * 1024;

pub fn run(args: ConsoleProducerArgs) -> ExitCode {
    match produce_stdin(&args) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("ERROR {message}");
            ExitCode::FAILURE
        }
    }
}

/// A line as a record: key (with parse.key) and value.
type Line = (Option<Vec<u8>>, Vec<u8>);

struct Settings {
    parse_key: bool,
    key_separator: String,
    acks: i16,
    codec: CompressionType,
}

fn settings(args: &ConsoleProducerArgs) -> Result<Settings, String> {
    let get = |list: &[(String, String)], key: &str| {
        list.iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let acks = match get(&args.producer_property, "acks").as_deref() {
        None | Some("all") | Some("-1") => -1,
        Some("1") => 1,
        Some("0") => 0,
        Some(other) => return Err(format!("Invalid value {other} for configuration acks")),
    };
    let codec_name = args
        .compression_codec
        .clone()
        .or_else(|| get(&args.producer_property, "compression.type"))
        .unwrap_or_else(|| "none".into());
    let codec = match codec_name.as_str() {
        "none" => CompressionType::None,
        "gzip" => CompressionType::Gzip,
        "snappy" => CompressionType::Snappy,
        "lz4" => CompressionType::Lz4,
        "zstd" => CompressionType::Zstd,
        other => {
            return Err(format!(
                "Invalid value {other} for configuration compression.type"
            ))
        }
    };
    Ok(Settings {
        parse_key: get(&args.property, "parse.key").as_deref() == Some("true"),
        key_separator: get(&args.property, "key.separator").unwrap_or_else(|| "\t".into()),
        acks,
        codec,
    })
}

/// Produces every line; returns how many records failed.
fn produce_stdin(args: &ConsoleProducerArgs) -> Result<usize, String> {
    let settings = settings(args)?;
    let bootstrap = args
        .bootstrap_server
        .as_deref()
        .or(args.broker_list.as_deref())
        .ok_or("Missing required option(s) [bootstrap-server]")?;
    let mut connection =
        Connection::connect(bootstrap, "console-producer", TIMEOUT).map_err(|e| e.to_string())?;
    let partitions = partition_count(&mut connection, &args.topic)?;
    let mut pending: BTreeMap<i32, Vec<Line>> = BTreeMap::new();
    let mut pending_bytes: BTreeMap<i32, usize> = BTreeMap::new();
    let mut sticky = (std::process::id() as i32).rem_euclid(partitions);
    let mut failed = 0;
    let prompt = std::io::stdin().is_terminal();
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    let mut number = 0;
    loop {
        if prompt {
            print!(">");
            let _ = std::io::stdout().flush();
        }
        let Some(line) = lines.next() else { break };
        let line = line.map_err(|e| e.to_string())?;
        number += 1;
        let (key, value) = if settings.parse_key {
            match line.split_once(settings.key_separator.as_str()) {
                Some((k, v)) => (Some(k.as_bytes().to_vec()), v.as_bytes().to_vec()),
                None => {
                    return Err(format!(
                        "No key separator found on line number {number}: '{line}'"
                    ))
                }
            }
        } else {
            (None, line.into_bytes())
        };
        let partition = match &key {
            Some(k) => (murmur2(k) & 0x7fff_ffff) % partitions,
            None => sticky,
        };
        let size = value.len() + key.as_ref().map_or(0, Vec::len);
        pending.entry(partition).or_default().push((key, value));
        let bytes = pending_bytes.entry(partition).or_default();
        *bytes += size;
        if args.sync || *bytes >= BATCH_BYTES {
            failed += send(
                &mut connection,
                &args.topic,
                partition,
                pending.remove(&partition),
                &settings,
            )?;
            pending_bytes.remove(&partition);
            if !args.sync {
                // Kafka's sticky partitioner moves on once a batch is full.
                sticky = (sticky + 1) % partitions;
            }
        }
    }
    for (partition, records) in std::mem::take(&mut pending) {
        failed += send(
            &mut connection,
            &args.topic,
            partition,
            Some(records),
            &settings,
        )?;
    }
    Ok(failed)
}

fn partition_count(connection: &mut Connection, topic: &str) -> Result<i32, String> {
    let request = metadata::MetadataRequest {
        topics: Some(vec![metadata::MetadataRequestTopic {
            topic_id: [0; 16],
            name: Some(topic.to_owned()),
        }]),
        // As Kafka's producer: the broker may create the topic.
        allow_auto_topic_creation: true,
        include_cluster_authorized_operations: false,
        include_topic_authorized_operations: false,
    };
    for _ in 0..20 {
        let (response, _): (metadata::MetadataResponse, _) = connection
            .send(ApiKey::Metadata, &metadata::VERSIONS, &request)
            .map_err(|e| e.to_string())?;
        if let Some(t) = response.topics.first() {
            if t.error_code.is_none() && !t.partitions.is_empty() {
                return Ok(t.partitions.len() as i32);
            }
            if t.error_code != ErrorCode::LEADER_NOT_AVAILABLE
                && t.error_code != ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
            {
                return Err(format!(
                    "Topic {topic} not available: {}",
                    t.error_code.name()
                ));
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "Topic {topic} not present in metadata after {} ms.",
        2000
    ))
}

/// Sends one batch to `partition`; returns how many records failed (reported on
/// stderr as Kafka's producer callback does).
fn send(
    connection: &mut Connection,
    topic: &str,
    partition: i32,
    records: Option<Vec<Line>>,
    settings: &Settings,
) -> Result<usize, String> {
    let Some(records) = records.filter(|r| !r.is_empty()) else {
        return Ok(0);
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let mut builder = RecordBatchBuilder::new(settings.codec, 0, now);
    for (delta, (key, value)) in (0..).zip(&records) {
        builder.append(delta, now, key.as_deref(), Some(value), &[]);
    }
    let batch = builder.build().map_err(|e| e.to_string())?;
    let request = produce::ProduceRequest::<Vec<u8>> {
        transactional_id: None,
        acks: settings.acks,
        timeout_ms: TIMEOUT.as_millis() as i32,
        topic_data: vec![produce::TopicProduceData {
            name: topic.to_owned(),
            partition_data: vec![produce::PartitionProduceData {
                index: partition,
                records: Some(batch),
            }],
        }],
    };
    if settings.acks == 0 {
        // No answer comes for acks=0.
        connection
            .send_only(ApiKey::Produce, &produce::VERSIONS, &request)
            .map_err(|e| e.to_string())?;
        return Ok(0);
    }
    let (response, _): (produce::ProduceResponse, _) = connection
        .send(ApiKey::Produce, &produce::VERSIONS, &request)
        .map_err(|e| e.to_string())?;
    let code = response
        .responses
        .first()
        .and_then(|t| t.partition_responses.first())
        .map_or(ErrorCode::UNKNOWN_SERVER_ERROR, |p| p.error_code);
    if code.is_none() {
        return Ok(0);
    }
    eprintln!(
        "ERROR Error when sending message to topic {topic} with {} records with error: {}",
        records.len(),
        code.name()
    );
    Ok(records.len())
}

/// Kafka's `Utils.murmur2`, which its default partitioner applies to keys.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: i32 = 0x5bd1_e995;
    let length = data.len() as i32;
    let mut h: i32 = (SEED as i32) ^ length;
    let mut chunks = data.chunks_exact(4);
    for chunk in chunks.by_ref() {
        let mut k = i32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= ((k as u32) >> 24) as i32;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= i32::from(rest[2]) << 16;
    }
    if rest.len() >= 2 {
        h ^= i32::from(rest[1]) << 8;
    }
    if !rest.is_empty() {
        h ^= i32::from(rest[0]);
        h = h.wrapping_mul(M);
    }
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(M);
    h ^= ((h as u32) >> 15) as i32;
    h
}

#[cfg(test)]
mod tests {
    use super::murmur2;

    #[test]
    fn test_murmur2_matches_kafka() {
        // Values of Kafka's Utils.murmur2 for these keys.
        assert_eq!(murmur2(b"21"), -973_932_308);
        assert_eq!(murmur2(b"foobar"), -790_332_482);
        assert_eq!(murmur2(b"abc"), 479_470_107);
        assert_eq!(murmur2(b"a-little-bit-long-string"), -985_981_536);
    }
}
