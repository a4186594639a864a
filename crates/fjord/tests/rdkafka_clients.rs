//! `fjord server` driven by librdkafka, through the `rdkafka` crate: a client nobody here
//! wrote is the judge of the wire protocol.
//!
//! Each test starts its own broker (see `common/mod.rs`) on free loopback ports. No
//! consumer groups yet, so consumers `assign` partitions and start from explicit offsets;
//! librdkafka still wants a `group.id` for that, and never uses it with auto-commit off.
//!
//! Every wait is bounded: producers flush, consumers poll and admin requests complete
//! within [`TIMEOUT`], or the test fails.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::ffi::{CStr, CString};
use std::future::Future;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::BrokerProcess;
use rdkafka::admin::{AdminClient, AdminOptions, NewPartitions, NewTopic, TopicReplication};
use rdkafka::bindings as rdsys;
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::DeliveryResult;
use rdkafka::producer::{
    BaseProducer, BaseRecord, DeliveryFuture, FutureProducer, FutureRecord, Producer,
    ProducerContext,
};
use rdkafka::{ClientContext, Message, Offset, TopicPartitionList};

/// The bound on any one wait: a flush, a consume loop, an admin request.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A record as a consumer saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Consumed {
    partition: i32,
    offset: i64,
    key: Vec<u8>,
    value: Vec<u8>,
}

fn config(bootstrap: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

fn admin(bootstrap: &str) -> AdminClient<DefaultClientContext> {
    config(bootstrap).create().expect("create the admin client")
}

fn admin_options() -> AdminOptions {
    AdminOptions::new().request_timeout(Some(TIMEOUT))
}

/// Runs a future to completion on a small runtime of its own, failing the test after
/// [`TIMEOUT`]. The admin client and `FutureProducer` resolve their futures from their
/// own threads, so any executor will do.
fn wait<F: Future>(what: &str, future: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("build a tokio runtime");
    runtime
        .block_on(async { tokio::time::timeout(TIMEOUT, future).await })
        .unwrap_or_else(|_| panic!("{what} did not complete within {TIMEOUT:?}"))
}

fn create_topic(bootstrap: &str, name: &str, partitions: i32, configs: &[(&str, &str)]) {
    let mut topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    for (key, value) in configs {
        topic = topic.set(key, value);
    }
    let results = wait(
        "CreateTopics",
        admin(bootstrap).create_topics([&topic], &admin_options()),
    )
    .expect("CreateTopics request");
    assert_eq!(results, vec![Ok(name.to_string())]);
}

/// A consumer outside any group (auto-commit off), with `partitions` of `topic`
/// assigned from their first offset.
fn consumer_from_beginning(bootstrap: &str, topic: &str, partitions: i32) -> BaseConsumer {
    let consumer: BaseConsumer = config(bootstrap)
        .set("group.id", "fjord-tests-unused")
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .create()
        .expect("create the consumer");
    // Know the leaders first: an assignment made before the first metadata response makes
    // librdkafka retry its offset lookup 500 ms later.
    consumer
        .fetch_metadata(Some(topic), TIMEOUT)
        .expect("metadata");
    let mut assignment = TopicPartitionList::new();
    for partition in 0..partitions {
        assignment
            .add_partition_offset(topic, partition, Offset::Beginning)
            .unwrap();
    }
    consumer.assign(&assignment).expect("assign");
    consumer
}

/// Polls until `count` records have arrived, failing the test after [`TIMEOUT`] or on
/// any error but the transport errors librdkafka reports while a broker is down (it
/// reconnects by itself).
fn consume(consumer: &BaseConsumer, count: usize) -> Vec<Consumed> {
    let start = Instant::now();
    let mut records = Vec::with_capacity(count);
    while records.len() < count {
        assert!(
            start.elapsed() < TIMEOUT,
            "consumed {} of {count} records within {TIMEOUT:?}",
            records.len()
        );
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Ok(m)) => records.push(Consumed {
                partition: m.partition(),
                offset: m.offset(),
                key: m.key().unwrap_or_default().to_vec(),
                value: m.payload().unwrap_or_default().to_vec(),
            }),
            Some(Err(KafkaError::MessageConsumption(
                RDKafkaErrorCode::BrokerTransportFailure | RDKafkaErrorCode::AllBrokersDown,
            ))) => {}
            Some(Err(err)) => panic!("consumer error: {err}"),
        }
    }
    records
}

/// Polls a little longer and asserts that nothing more arrives.
fn assert_nothing_more(consumer: &BaseConsumer) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            panic!(
                "unexpected extra record at {}:{}",
                m.partition(),
                m.offset()
            );
        }
    }
}

/// Delivery reports of a `BaseProducer`: `(partition, offset, value)` of each
/// acknowledged record, and the errors of the others.
#[derive(Default)]
struct Reports {
    delivered: Mutex<Vec<(i32, i64, Vec<u8>)>>,
    failed: Mutex<Vec<KafkaError>>,
}

impl ClientContext for Reports {}

impl ProducerContext for Reports {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(m) => self.delivered.lock().unwrap().push((
                m.partition(),
                m.offset(),
                m.payload().unwrap_or_default().to_vec(),
            )),
            Err((err, _)) => self.failed.lock().unwrap().push(err.clone()),
        }
    }
}

/// Enqueues a record, serving delivery reports while librdkafka's queue is full.
fn send(producer: &BaseProducer<Reports>, mut record: BaseRecord<'_, [u8], [u8]>) {
    let start = Instant::now();
    loop {
        match producer.send(record) {
            Ok(()) => return,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                assert!(
                    start.elapsed() < TIMEOUT,
                    "producer queue still full after {TIMEOUT:?}"
                );
                record = r;
                producer.poll(Duration::from_millis(10));
            }
            Err((err, _)) => panic!("enqueue failed: {err}"),
        }
    }
}

/// Awaits delivery futures in order; `(partition, offset)` of each, or the error.
fn deliveries(futures: Vec<DeliveryFuture>) -> Vec<Result<(i32, i64), KafkaError>> {
    wait("delivery reports", async {
        let mut out = Vec::with_capacity(futures.len());
        for future in futures {
            out.push(
                future
                    .await
                    .expect("delivery future dropped")
                    .map_err(|(err, _)| err),
            );
        }
        out
    })
}

/// CreateTopics through librdkafka's C API, returning the error code and message the
/// broker answered for the topic: rdkafka 0.33's `TopicResult` keeps only the code.
fn create_topic_error(
    admin: &AdminClient<DefaultClientContext>,
    name: &str,
    partitions: i32,
    replication_factor: i32,
) -> (RDKafkaErrorCode, String) {
    let rk = admin.inner().native_ptr();
    let name = CString::new(name).unwrap();
    let mut errstr = [0 as std::ffi::c_char; 512];
    // SAFETY: `rk` is a live client handle owned by `admin`, which outlives this call.
    // Every object created here is destroyed before returning, the event last, and the
    // topic results (owned by the event) are copied out before it is destroyed.
    unsafe {
        let queue = rdsys::rd_kafka_queue_new(rk);
        let topic = rdsys::rd_kafka_NewTopic_new(
            name.as_ptr(),
            partitions,
            replication_factor,
            errstr.as_mut_ptr(),
            errstr.len(),
        );
        assert!(
            !topic.is_null(),
            "NewTopic: {:?}",
            CStr::from_ptr(errstr.as_ptr())
        );
        let options = rdsys::rd_kafka_AdminOptions_new(
            rk,
            rdsys::rd_kafka_admin_op_t::RD_KAFKA_ADMIN_OP_CREATETOPICS,
        );
        rdsys::rd_kafka_AdminOptions_set_request_timeout(
            options,
            TIMEOUT.as_millis() as i32,
            errstr.as_mut_ptr(),
            errstr.len(),
        );
        let mut topics = [topic];
        rdsys::rd_kafka_CreateTopics(rk, topics.as_mut_ptr(), 1, options, queue);
        // The request times out after TIMEOUT; give the event a little longer.
        let event = rdsys::rd_kafka_queue_poll(queue, (TIMEOUT.as_millis() + 5_000) as i32);
        assert!(!event.is_null(), "no CreateTopics result");
        let request_error: RDKafkaErrorCode = rdsys::rd_kafka_event_error(event).into();
        let mut answer = (request_error, String::new());
        if request_error == RDKafkaErrorCode::NoError {
            let result = rdsys::rd_kafka_event_CreateTopics_result(event);
            let mut count = 0;
            let results = rdsys::rd_kafka_CreateTopics_result_topics(result, &mut count);
            assert_eq!(count, 1);
            let result = *results;
            let message = rdsys::rd_kafka_topic_result_error_string(result);
            answer = (
                rdsys::rd_kafka_topic_result_error(result).into(),
                if message.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(message).to_string_lossy().into_owned()
                },
            );
        }
        rdsys::rd_kafka_event_destroy(event);
        rdsys::rd_kafka_AdminOptions_destroy(options);
        rdsys::rd_kafka_NewTopic_destroy(topic);
        rdsys::rd_kafka_queue_destroy(queue);
        answer
    }
}

/// 10,000 keyed records from an idempotent producer with `acks=all`, over three
/// partitions: every record comes back once, each key's records in the order sent, and
/// the consumed offsets are the ones the delivery reports gave.
#[test]
fn test_idempotent_keyed_produce_consumed_in_order_exactly_once() {
    const RECORDS: usize = 10_000;
    const KEYS: usize = 37;
    let broker = BrokerProcess::start();
    let bootstrap = broker.bootstrap();
    let topic = "keyed";
    create_topic(&bootstrap, topic, 3, &[]);

    let producer: BaseProducer<Reports> = config(&bootstrap)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .create_with_context(Reports::default())
        .expect("create the producer");
    let mut sent_per_key = vec![0usize; KEYS];
    for i in 0..RECORDS {
        let k = i % KEYS;
        let key = format!("key-{k}");
        let value = format!("{key}/{}", sent_per_key[k]);
        sent_per_key[k] += 1;
        send(
            &producer,
            BaseRecord::to(topic)
                .key(key.as_bytes())
                .payload(value.as_bytes()),
        );
        if i % 1000 == 0 {
            producer.poll(Duration::ZERO);
        }
    }
    producer.flush(TIMEOUT).expect("flush");
    let failed = producer.context().failed.lock().unwrap().clone();
    assert!(failed.is_empty(), "failed deliveries: {failed:?}");
    let delivered = std::mem::take(&mut *producer.context().delivered.lock().unwrap());
    assert_eq!(delivered.len(), RECORDS);

    let consumer = consumer_from_beginning(&bootstrap, topic, 3);
    let records = consume(&consumer, RECORDS);
    assert_nothing_more(&consumer);

    // The log holds exactly what was acknowledged: no duplicates from retries.
    let mut high_watermarks = 0;
    for partition in 0..3 {
        let (low, high) = consumer
            .fetch_watermarks(topic, partition, TIMEOUT)
            .unwrap();
        assert_eq!(low, 0);
        high_watermarks += high;
    }
    assert_eq!(high_watermarks, RECORDS as i64);

    // Offsets are dense within each partition and match the delivery reports.
    let reported: HashMap<(i32, i64), Vec<u8>> =
        delivered.into_iter().map(|(p, o, v)| ((p, o), v)).collect();
    let mut next_offset = [0i64; 3];
    for r in &records {
        assert_eq!(
            r.offset, next_offset[r.partition as usize],
            "gap or reorder in partition {}",
            r.partition
        );
        next_offset[r.partition as usize] += 1;
        assert_eq!(
            reported.get(&(r.partition, r.offset)),
            Some(&r.value),
            "at {}:{}",
            r.partition,
            r.offset
        );
    }

    // Each key stays on one partition, its records in the order they were sent.
    let mut per_key: BTreeMap<Vec<u8>, (i32, Vec<usize>)> = BTreeMap::new();
    for r in &records {
        let value = String::from_utf8(r.value.clone()).unwrap();
        let (key, seq) = value.rsplit_once('/').unwrap();
        assert_eq!(key.as_bytes(), r.key.as_slice());
        let entry = per_key
            .entry(r.key.clone())
            .or_insert((r.partition, Vec::new()));
        assert_eq!(entry.0, r.partition, "key {key} on two partitions");
        entry.1.push(seq.parse().unwrap());
    }
    assert_eq!(per_key.len(), KEYS);
    for (key, (_, seqs)) in per_key {
        let k: usize = String::from_utf8(key).unwrap()["key-".len()..]
            .parse()
            .unwrap();
        assert_eq!(seqs, (0..sent_per_key[k]).collect::<Vec<_>>(), "key-{k}");
    }
    // With 37 keys, the default partitioner uses every partition.
    assert!(
        next_offset.iter().all(|&n| n > 0),
        "partition sizes {next_offset:?}"
    );
}

/// Batches in each of the four codecs pass between librdkafka and the broker intact.
///
/// librdkafka 2.0.2 compresses with gzip and snappy only when the broker offers Produce
/// v2 and Fetch v2, and with lz4 only when it offers FindCoordinator v0; Fjord, like
/// Kafka 4.0, starts at Produce v3 and Fetch v4 and has no groups yet, so this client
/// sends those batches uncompressed and only zstd compressed. Topics whose
/// `compression.type` names a codec make the broker store (recompress) batches in it, so
/// the consumer side decodes all four; the batch headers on disk say which codec each
/// batch was stored in.
#[test]
fn test_compression_codecs_round_trip() {
    const RECORDS: usize = 2_000;
    let broker = BrokerProcess::start();
    let bootstrap = broker.bootstrap();
    // (producer's compression.type, topic's compression.type, codecs the stored batches
    // may use: the producer's, or none where librdkafka falls back as described above)
    let cases = [
        ("gzip", "producer", &["gzip", "none"][..]),
        ("snappy", "producer", &["snappy", "none"]),
        ("lz4", "producer", &["lz4", "none"]),
        ("zstd", "producer", &["zstd"]),
        ("zstd", "gzip", &["gzip"]),
        ("zstd", "snappy", &["snappy"]),
        ("none", "lz4", &["lz4"]),
        ("gzip", "zstd", &["zstd"]),
        ("zstd", "uncompressed", &["none"]),
    ];
    for (codec, topic_codec, stored_as) in cases {
        let topic = format!("codec-{codec}-{topic_codec}");
        create_topic(&bootstrap, &topic, 1, &[("compression.type", topic_codec)]);
        let producer: FutureProducer = config(&bootstrap)
            .set("compression.type", codec)
            .set("linger.ms", "20")
            .set("acks", "all")
            .create()
            .expect("create the producer");
        let sent: Vec<(Vec<u8>, Vec<u8>)> = (0..RECORDS)
            .map(|i| {
                let key = format!("k{}", i % 10).into_bytes();
                // Repetitive, so that every codec shrinks it.
                let value = format!("{codec} record {i:06} {}", "fjord ".repeat(40)).into_bytes();
                (key, value)
            })
            .collect();
        let futures = sent
            .iter()
            .map(|(key, value)| {
                producer
                    .send_result(
                        FutureRecord::to(&topic)
                            .partition(0)
                            .key(key)
                            .payload(value),
                    )
                    .map_err(|(err, _)| err)
                    .expect("enqueue")
            })
            .collect();
        for report in deliveries(futures) {
            report.unwrap_or_else(|err| panic!("{topic}: delivery failed: {err}"));
        }

        let consumer = consumer_from_beginning(&bootstrap, &topic, 1);
        let got: Vec<_> = consume(&consumer, RECORDS)
            .into_iter()
            .map(|r| (r.key, r.value))
            .collect();
        assert!(got == sent, "{topic}: records differ");

        let codecs = stored_codecs(broker.data_dir(), &topic, 0);
        assert!(!codecs.is_empty());
        assert!(
            codecs.iter().all(|c| stored_as.contains(c)),
            "{topic}: batches stored as {codecs:?}, expected {stored_as:?}"
        );
    }
}

/// The codec of every batch in the first segment of a partition, from the v2 batch
/// headers: `baseOffset: i64, batchLength: i32, partitionLeaderEpoch: i32, magic: i8,
/// crc: u32, attributes: i16`, the low three bits of `attributes` naming the codec.
fn stored_codecs(data_dir: &Path, topic: &str, partition: i32) -> Vec<&'static str> {
    let path = data_dir.join(format!("{topic}-{partition}/00000000000000000000.log"));
    let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    let mut codecs = Vec::new();
    let mut pos = 0;
    while pos + 23 <= bytes.len() {
        let batch_length =
            i32::from_be_bytes(bytes[pos + 8..pos + 12].try_into().unwrap()) as usize;
        assert_eq!(bytes[pos + 16], 2, "magic of the batch at {pos}");
        let attributes = i16::from_be_bytes(bytes[pos + 21..pos + 23].try_into().unwrap());
        codecs.push(match attributes & 7 {
            0 => "none",
            1 => "gzip",
            2 => "snappy",
            3 => "lz4",
            4 => "zstd",
            other => panic!("codec {other} in the batch at {pos}"),
        });
        pos += 12 + batch_length;
    }
    assert_eq!(pos, bytes.len(), "{} ends inside a batch", path.display());
    codecs
}

/// CreateTopics (and its errors), CreatePartitions and DeleteTopics from the admin client.
#[test]
fn test_admin_create_partitions_and_delete_topics() {
    let broker = BrokerProcess::start();
    let bootstrap = broker.bootstrap();
    let admin = admin(&bootstrap);
    let opts = admin_options();

    let a = NewTopic::new("admin-a", 3, TopicReplication::Fixed(1));
    let b = NewTopic::new("admin-b", 1, TopicReplication::Fixed(1)).set("retention.ms", "3600000");
    let created = wait("CreateTopics", admin.create_topics([&a, &b], &opts)).unwrap();
    assert_eq!(
        created,
        vec![Ok("admin-a".to_string()), Ok("admin-b".to_string())]
    );

    let again = wait("CreateTopics", admin.create_topics([&a], &opts)).unwrap();
    assert_eq!(
        again,
        vec![Err((
            "admin-a".to_string(),
            RDKafkaErrorCode::TopicAlreadyExists
        ))]
    );

    let (code, message) = create_topic_error(&admin, "admin-rf2", 1, 2);
    assert_eq!(code, RDKafkaErrorCode::InvalidReplicationFactor);
    assert_eq!(
        message,
        "Replication factor: 2 larger than available brokers: 1."
    );

    let grow = NewPartitions::new("admin-b", 4);
    let grown = wait("CreatePartitions", admin.create_partitions([&grow], &opts)).unwrap();
    assert_eq!(grown, vec![Ok("admin-b".to_string())]);
    let shrink = NewPartitions::new("admin-a", 2);
    let shrunk = wait(
        "CreatePartitions",
        admin.create_partitions([&shrink], &opts),
    )
    .unwrap();
    assert_eq!(
        shrunk,
        vec![Err((
            "admin-a".to_string(),
            RDKafkaErrorCode::InvalidPartitions
        ))]
    );

    let partition_counts = || -> BTreeMap<String, usize> {
        let metadata = admin
            .inner()
            .fetch_metadata(None, TIMEOUT)
            .expect("metadata");
        metadata
            .topics()
            .iter()
            .map(|t| (t.name().to_string(), t.partitions().len()))
            .collect()
    };
    let counts = partition_counts();
    assert_eq!(counts.get("admin-a"), Some(&3));
    assert_eq!(counts.get("admin-b"), Some(&4));

    // A new partition takes records at once.
    let producer: FutureProducer = config(&bootstrap).create().unwrap();
    let future = producer
        .send_result(
            FutureRecord::<[u8], _>::to("admin-b")
                .partition(3)
                .payload("new"),
        )
        .map_err(|(err, _)| err)
        .unwrap();
    assert_eq!(deliveries(vec![future]).pop().unwrap().unwrap(), (3, 0));

    let deleted = wait("DeleteTopics", admin.delete_topics(&["admin-a"], &opts)).unwrap();
    assert_eq!(deleted, vec![Ok("admin-a".to_string())]);
    let counts = partition_counts();
    assert!(
        !counts.contains_key("admin-a"),
        "admin-a still listed: {counts:?}"
    );
    assert_eq!(counts.get("admin-b"), Some(&4));
    let again = wait("DeleteTopics", admin.delete_topics(&["admin-a"], &opts)).unwrap();
    assert_eq!(
        again,
        vec![Err((
            "admin-a".to_string(),
            RDKafkaErrorCode::UnknownTopicOrPartition
        ))]
    );
}

/// ListOffsets as librdkafka uses it: watermarks, and the first offset at or after a
/// timestamp.
#[test]
fn test_fetch_watermarks_and_offsets_for_times() {
    const RECORDS: i64 = 100;
    const T0: i64 = 1_700_000_000_000;
    const STEP: i64 = 10;
    let broker = BrokerProcess::start();
    let bootstrap = broker.bootstrap();
    let topic = "times";
    create_topic(&bootstrap, topic, 2, &[]);

    let producer: FutureProducer = config(&bootstrap).set("linger.ms", "5").create().unwrap();
    let futures = (0..RECORDS)
        .map(|i| {
            let value = format!("at {i}");
            producer
                .send_result(
                    FutureRecord::<[u8], _>::to(topic)
                        .partition(0)
                        .timestamp(T0 + i * STEP)
                        .payload(&value),
                )
                .map_err(|(err, _)| err)
                .unwrap()
        })
        .collect();
    for report in deliveries(futures) {
        report.unwrap();
    }

    let consumer = consumer_from_beginning(&bootstrap, topic, 0);
    assert_eq!(
        consumer.fetch_watermarks(topic, 0, TIMEOUT).unwrap(),
        (0, RECORDS)
    );
    assert_eq!(
        consumer.fetch_watermarks(topic, 1, TIMEOUT).unwrap(),
        (0, 0)
    );

    // (timestamp asked, offset expected): exact hits, between records, before the first
    // and after the last (no such offset: librdkafka reports OFFSET_END, -1).
    let cases = [
        (T0, Offset::Offset(0)),
        (T0 + 42 * STEP, Offset::Offset(42)),
        (T0 + 42 * STEP + 1, Offset::Offset(43)),
        (T0 - 1_000, Offset::Offset(0)),
        (T0 + (RECORDS - 1) * STEP, Offset::Offset(RECORDS - 1)),
        (T0 + RECORDS * STEP, Offset::End),
    ];
    for (timestamp, expected) in cases {
        let mut query = TopicPartitionList::new();
        query
            .add_partition_offset(topic, 0, Offset::Offset(timestamp))
            .unwrap();
        let answer = consumer
            .offsets_for_times(query, TIMEOUT)
            .expect("offsets_for_times");
        let elem = answer.find_partition(topic, 0).unwrap();
        elem.error().unwrap();
        assert_eq!(elem.offset(), expected, "timestamp T0{:+}", timestamp - T0);
    }
    // The empty partition has no offset for any timestamp.
    let mut query = TopicPartitionList::new();
    query
        .add_partition_offset(topic, 1, Offset::Offset(T0))
        .unwrap();
    let answer = consumer.offsets_for_times(query, TIMEOUT).unwrap();
    assert_eq!(
        answer.find_partition(topic, 1).unwrap().offset(),
        Offset::End
    );
}

/// A producer and a consumer outlive a clean broker restart on the same ports and data:
/// records sent while the broker is down are delivered once it is back, the consumer
/// continues from its position, and nothing is lost or read twice.
#[test]
fn test_producer_and_consumer_continue_across_broker_restart() {
    const PHASE: usize = 300;
    let mut broker = BrokerProcess::start();
    let bootstrap = broker.bootstrap();
    let topic = "restart";
    create_topic(&bootstrap, topic, 2, &[]);

    // A short reconnect backoff only makes the test quicker; librdkafka reconnects by
    // itself either way.
    let mut client = config(&bootstrap);
    client
        .set("reconnect.backoff.ms", "50")
        .set("reconnect.backoff.max.ms", "500");
    let producer: FutureProducer = client
        .clone()
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("message.timeout.ms", TIMEOUT.as_millis().to_string())
        .create()
        .unwrap();
    let produce = |range: std::ops::Range<usize>| -> Vec<DeliveryFuture> {
        range
            .map(|i| {
                let key = format!("k{}", i % 7);
                let value = i.to_string();
                producer
                    .send_result(FutureRecord::to(topic).key(&key).payload(&value))
                    .map_err(|(err, _)| err)
                    .unwrap()
            })
            .collect()
    };
    let consumer: BaseConsumer = client
        .set("group.id", "fjord-tests-unused")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut assignment = TopicPartitionList::new();
    assignment.add_partition_range(topic, 0, 1);
    assignment.set_all_offsets(Offset::Beginning).unwrap();
    consumer.assign(&assignment).unwrap();

    for report in deliveries(produce(0..PHASE)) {
        report.unwrap();
    }
    let mut records = consume(&consumer, PHASE);

    let status = broker.stop();
    assert!(status.success(), "fjord exited with {status} on SIGTERM");
    // Queued by librdkafka while no broker is there.
    let while_down = produce(PHASE..2 * PHASE);
    std::thread::sleep(Duration::from_millis(300));
    broker.start_again();
    let after = produce(2 * PHASE..3 * PHASE);

    let mut reports = deliveries(while_down);
    reports.extend(deliveries(after));
    for (i, report) in reports.into_iter().enumerate() {
        report.unwrap_or_else(|err| panic!("record {} not delivered: {err}", PHASE + i));
    }
    records.extend(consume(&consumer, 2 * PHASE));
    assert_nothing_more(&consumer);

    // Every record exactly once, offsets dense per partition across the restart.
    let mut seen: Vec<usize> = records
        .iter()
        .map(|r| std::str::from_utf8(&r.value).unwrap().parse().unwrap())
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..3 * PHASE).collect::<Vec<_>>());
    let mut next_offset = [0i64; 2];
    for r in &records {
        assert_eq!(
            r.offset, next_offset[r.partition as usize],
            "partition {}",
            r.partition
        );
        next_offset[r.partition as usize] += 1;
    }
}

/// With `auto.create.topics.enable=false`, producing to a topic that does not exist
/// fails with UNKNOWN_TOPIC_OR_PARTITION, and does not create it.
#[test]
fn test_produce_to_unknown_topic_fails_without_auto_create() {
    let broker = BrokerProcess::start_with(&["auto.create.topics.enable=false"]);
    let bootstrap = broker.bootstrap();
    // librdkafka waits topic.metadata.propagation.max.ms (30 s by default) for a topic
    // the broker calls unknown to appear before failing its records; the test need not.
    let producer: FutureProducer = config(&bootstrap)
        .set("topic.metadata.propagation.max.ms", "1000")
        .set("message.timeout.ms", "20000")
        .create()
        .unwrap();
    let future = producer
        .send_result(FutureRecord::<[u8], _>::to("no-such-topic").payload("lost"))
        .map_err(|(err, _)| err)
        .unwrap();
    let report = deliveries(vec![future]).pop().unwrap();
    match report {
        Err(KafkaError::MessageProduction(RDKafkaErrorCode::UnknownTopicOrPartition)) => {}
        other => panic!("expected UnknownTopicOrPartition, got {other:?}"),
    }
    let metadata = producer.client().fetch_metadata(None, TIMEOUT).unwrap();
    assert!(metadata
        .topics()
        .iter()
        .all(|t| t.name() != "no-such-topic"));
}
