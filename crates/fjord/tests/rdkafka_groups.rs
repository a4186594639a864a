//! Consumer groups driven by Debian's librdkafka 2.0.2 through the `rdkafka` crate: an
//! older client than the Python tests' (JoinGroup v5, SyncGroup v3, OffsetCommit v7,
//! OffsetFetch v7), with the incremental `cooperative-sticky` assignor.

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::BrokerProcess;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::Message;

const TIMEOUT: Duration = Duration::from_secs(30);

fn create_topic(bootstrap: &str, name: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let created = runtime
        .block_on(admin.create_topics([&topic], &AdminOptions::new()))
        .expect("CreateTopics");
    assert_eq!(created, vec![Ok(name.to_owned())]);
}

fn produce(bootstrap: &str, topic: &str, count: usize) {
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("producer");
    for i in 0..count {
        let key = format!("k{i}");
        let value = format!("v{i}");
        producer
            .send(BaseRecord::to(topic).key(&key).payload(&value))
            .map_err(|(err, _)| err)
            .expect("queue a record");
        producer.poll(Duration::ZERO);
    }
    producer.flush(TIMEOUT).expect("flush");
}

fn member(bootstrap: &str, group: &str, topic: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("partition.assignment.strategy", "cooperative-sticky")
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    consumer
}

fn assigned(consumer: &BaseConsumer) -> BTreeSet<i32> {
    consumer
        .assignment()
        .expect("assignment")
        .elements()
        .iter()
        .map(|e| e.partition())
        .collect()
}

/// Polls all consumers until `done` holds, collecting (partition, offset) of records.
fn poll_until(
    consumers: &[&BaseConsumer],
    seen: &mut BTreeSet<(i32, i64)>,
    mut done: impl FnMut(&BTreeSet<(i32, i64)>) -> bool,
) {
    let deadline = Instant::now() + TIMEOUT;
    while !done(seen) {
        assert!(
            Instant::now() < deadline,
            "timed out; saw {} records",
            seen.len()
        );
        for consumer in consumers {
            if let Some(Ok(message)) = consumer.poll(Duration::from_millis(50)) {
                seen.insert((message.partition(), message.offset()));
            }
        }
    }
}

#[test]
fn test_cooperative_group_shares_partitions_commits_and_resumes_after_restart() {
    let mut broker = BrokerProcess::start_with(&["group.initial.rebalance.delay.ms=0"]);
    let bootstrap = broker.bootstrap();
    let (topic, group) = ("orders", "order-processors");
    create_topic(&bootstrap, topic, 4);
    produce(&bootstrap, topic, 80);

    let first = member(&bootstrap, group, topic);
    let mut seen = BTreeSet::new();
    poll_until(&[&first], &mut seen, |_| assigned(&first).len() == 4);
    let second = member(&bootstrap, group, topic);
    poll_until(&[&first, &second], &mut seen, |seen| {
        let (a, b) = (assigned(&first), assigned(&second));
        a.len() == 2 && b.len() == 2 && a.is_disjoint(&b) && seen.len() == 80
    });
    assert_eq!(seen.len(), 80, "every record once across the group");
    first
        .commit_consumer_state(CommitMode::Sync)
        .expect("commit");
    second
        .commit_consumer_state(CommitMode::Sync)
        .expect("commit");
    drop((first, second));

    broker.restart();
    produce(&bootstrap, topic, 20);
    let again = member(&bootstrap, group, topic);
    let mut resumed = BTreeSet::new();
    poll_until(&[&again], &mut resumed, |r| r.len() >= 20);
    // A short extra poll: anything more would be a record read twice.
    let settle = Instant::now() + Duration::from_secs(2);
    while Instant::now() < settle {
        if let Some(Ok(message)) = again.poll(Duration::from_millis(100)) {
            resumed.insert((message.partition(), message.offset()));
        }
    }
    assert_eq!(
        resumed.len(),
        20,
        "only the records produced after the commit"
    );
    assert!(resumed.is_disjoint(&seen));
}
