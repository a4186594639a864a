"""A single-node Fjord broker driven by unmodified Kafka clients."""

import subprocess
import time
import uuid

import pytest
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic


def topic_name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def create_topic(bootstrap, name, partitions=1, config=None):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1, config=config or {})])
    futures[name].result(timeout=15)
    return admin


def produce(bootstrap, topic, messages, **config):
    """Produces (key, value[, partition]) tuples; returns the delivery reports."""
    reports = []
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, **config})
    for message in messages:
        key, value = message[0], message[1]
        kwargs = {"partition": message[2]} if len(message) > 2 else {}
        producer.produce(topic, key=key, value=value, on_delivery=lambda err, msg: reports.append((err, msg)), **kwargs)
    assert producer.flush(30) == 0
    return reports


def consume_all(bootstrap, topic, partitions, expected, timeout=30, **config):
    """Reads `expected` messages from the start of every partition, without a group."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False, **config})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    messages = []
    deadline = time.time() + timeout
    while len(messages) < expected and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        messages.append(msg)
    consumer.close()
    return messages


def consume_to_end(bootstrap, topic, partitions, timeout=60):
    """Reads every partition from its start to its high watermark, without a group."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "unused", "enable.auto.commit": False})
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(partitions)}
    consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    messages, positions = [], {p: 0 for p in range(partitions)}
    deadline = time.time() + timeout
    while any(positions[p] < ends[p] for p in ends) and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        messages.append(msg)
        positions[msg.partition()] = msg.offset() + 1
    consumer.close()
    assert all(positions[p] >= ends[p] for p in ends), f"read {positions}, expected {ends}"
    return messages


def test_kcat_lists_metadata_and_auto_creates(fjord):
    name = topic_name("kcat")
    out = subprocess.run(["kcat", "-b", fjord.bootstrap, "-L", "-t", name], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "1 brokers:" in out.stdout
    assert f'topic "{name}" with 1 partitions' in out.stdout


def test_kcat_produces_and_consumes(fjord):
    name = topic_name("kcat-pc")
    lines = "\n".join(f"k{i}:v{i}" for i in range(20)) + "\n"
    out = subprocess.run(["kcat", "-b", fjord.bootstrap, "-P", "-t", name, "-K:"], input=lines, text=True, capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    out = subprocess.run(
        ["kcat", "-b", fjord.bootstrap, "-C", "-t", name, "-o", "beginning", "-e", "-f", "%k=%s\\n"],
        capture_output=True, text=True, timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"k{i}=v{i}" for i in range(20)]


def test_same_key_same_partition_and_order_kept(fjord):
    name = topic_name("keys")
    create_topic(fjord.bootstrap, name, partitions=3)
    messages = [(f"user-{i % 5}".encode(), f"event-{i}".encode()) for i in range(200)]
    reports = produce(fjord.bootstrap, name, messages, acks="all")
    assert all(err is None for err, _ in reports)
    partition_of = {}
    for _, msg in reports:
        assert partition_of.setdefault(msg.key(), msg.partition()) == msg.partition()
    consumed = consume_all(fjord.bootstrap, name, 3, len(messages))
    assert len(consumed) == len(messages)
    for key in {k for k, _ in messages}:
        sent = [v for k, v in messages if k == key]
        got = [m.value() for m in consumed if m.key() == key]
        assert got == sent
    # Offsets in each partition are dense from 0.
    for p in range(3):
        offsets = [m.offset() for m in consumed if m.partition() == p]
        assert offsets == list(range(len(offsets)))


def test_messages_without_keys_spread_and_come_back(fjord):
    name = topic_name("nokeys")
    create_topic(fjord.bootstrap, name, partitions=2)
    messages = [(None, f"v{i}".encode(), i % 2) for i in range(50)]
    produce(fjord.bootstrap, name, messages)
    consumed = consume_all(fjord.bootstrap, name, 2, 50)
    assert sorted(m.value() for m in consumed) == sorted(v for _, v, _ in messages)
    assert {m.partition() for m in consumed} == {0, 1}


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_compressed_batches_round_trip(fjord, codec):
    name = topic_name(codec)
    create_topic(fjord.bootstrap, name)
    messages = [(f"k{i}".encode(), (f"value-{i}-" * 20).encode()) for i in range(300)]
    produce(fjord.bootstrap, name, messages, **{"compression.type": codec, "linger.ms": 50})
    consumed = consume_all(fjord.bootstrap, name, 1, 300)
    assert [(m.key(), m.value()) for m in consumed] == messages


@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_acks_levels(fjord, acks):
    name = topic_name(f"acks{acks}")
    create_topic(fjord.bootstrap, name)
    messages = [(None, f"m{i}".encode()) for i in range(100)]
    reports = produce(fjord.bootstrap, name, messages, acks=acks)
    assert all(err is None for err, _ in reports)
    if acks != "0":
        assert [msg.offset() for _, msg in reports] == list(range(100))
    consumed = consume_all(fjord.bootstrap, name, 1, 100)
    assert [m.value() for m in consumed] == [v for _, v in messages]


def test_list_offsets_by_timestamp(fjord):
    name = topic_name("times")
    create_topic(fjord.bootstrap, name)
    producer = Producer({"bootstrap.servers": fjord.bootstrap})
    for i in range(10):
        producer.produce(name, value=f"v{i}".encode(), timestamp=1_700_000_000_000 + i * 1000)
    producer.flush(10)
    consumer = Consumer({"bootstrap.servers": fjord.bootstrap, "group.id": "x"})
    found = consumer.offsets_for_times([TopicPartition(name, 0, 1_700_000_004_500)], timeout=10)
    assert found[0].offset == 5
    found = consumer.offsets_for_times([TopicPartition(name, 0, 1_800_000_000_000)], timeout=10)
    assert found[0].offset == -1
    low, high = consumer.get_watermark_offsets(TopicPartition(name, 0), timeout=10)
    assert (low, high) == (0, 10)
    consumer.close()


def test_admin_create_describe_partitions_delete(fjord):
    name = topic_name("admin")
    admin = create_topic(fjord.bootstrap, name, partitions=2, config={"cleanup.policy": "compact"})
    meta = admin.list_topics(name, timeout=10)
    assert len(meta.topics[name].partitions) == 2
    # Creating it again fails as Kafka does.
    again = admin.create_topics([NewTopic(name, 1, 1)])[name]
    with pytest.raises(KafkaException) as err:
        again.result(timeout=10)
    assert err.value.args[0].name() == "TOPIC_ALREADY_EXISTS"
    too_many = admin.create_topics([NewTopic(topic_name("rf"), 1, 2)])
    with pytest.raises(KafkaException) as err:
        list(too_many.values())[0].result(timeout=10)
    assert "Replication factor: 2 larger than available brokers: 1." in str(err.value)
    admin.create_partitions([NewPartitions(name, 4)])[name].result(timeout=10)
    assert len(admin.list_topics(name, timeout=10).topics[name].partitions) == 4
    admin.delete_topics([name])[name].result(timeout=10)
    assert name not in admin.list_topics(timeout=10).topics


def test_kafka_python_produces_and_consumes(fjord):
    from kafka import KafkaConsumer, KafkaProducer
    from kafka import TopicPartition as KTopicPartition

    name = topic_name("kpy")
    create_topic(fjord.bootstrap, name)
    producer = KafkaProducer(bootstrap_servers=fjord.bootstrap, acks="all")
    for i in range(30):
        producer.send(name, key=b"k", value=f"v{i}".encode())
    producer.flush(10)
    producer.close()
    consumer = KafkaConsumer(bootstrap_servers=fjord.bootstrap, enable_auto_commit=False, consumer_timeout_ms=5000)
    consumer.assign([KTopicPartition(name, 0)])
    consumer.seek_to_beginning()
    values = [m.value for m in consumer]
    consumer.close()
    assert values == [f"v{i}".encode() for i in range(30)]


def test_records_survive_a_restart(fresh_fjord):
    server = fresh_fjord().start()
    name = topic_name("restart")
    create_topic(server.bootstrap, name, partitions=2)
    messages = [(f"k{i}".encode(), f"v{i}".encode()) for i in range(100)]
    produce(server.bootstrap, name, messages, acks="all")
    assert server.stop() == 0
    server.start()
    consumed = consume_all(server.bootstrap, name, 2, 100)
    assert sorted(m.value() for m in consumed) == sorted(v for _, v in messages)


def test_idempotent_producer_writes_each_record_once(fjord):
    name = topic_name("idem")
    create_topic(fjord.bootstrap, name, partitions=3)
    messages = [(f"k{i % 7}".encode(), f"v{i}".encode()) for i in range(2000)]
    reports = produce(fjord.bootstrap, name, messages, **{"enable.idempotence": True, "acks": "all", "linger.ms": 2})
    assert all(err is None for err, _ in reports)
    consumed = consume_all(fjord.bootstrap, name, 3, len(messages))
    assert sorted(m.value() for m in consumed) == sorted(v for _, v in messages)
    for key in {k for k, _ in messages}:
        assert [m.value() for m in consumed if m.key() == key] == [v for k, v in messages if k == key]


def test_topic_compression_type_recompresses_batches(fjord):
    from conftest import FJORD

    name = topic_name("zstd-topic")
    create_topic(fjord.bootstrap, name, config={"compression.type": "zstd"})
    messages = [(f"k{i}".encode(), (f"payload-{i}-" * 10).encode()) for i in range(200)]
    produce(fjord.bootstrap, name, messages, **{"compression.type": "none", "linger.ms": 20})
    consumed = consume_all(fjord.bootstrap, name, 1, 200)
    assert [(m.key(), m.value()) for m in consumed] == messages
    segment = fjord.data_dir / f"{name}-0" / "00000000000000000000.log"
    dump = subprocess.run([str(FJORD), "dump-log", "--files", str(segment)], capture_output=True, text=True, timeout=30)
    assert dump.returncode == 0, dump.stderr
    codecs = {line.split("compresscodec: ")[1].split()[0] for line in dump.stdout.splitlines() if "compresscodec:" in line}
    assert codecs == {"zstd"}


def test_admin_configs_and_delete_records(fjord):
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry

    name = topic_name("configs")
    admin = create_topic(fjord.bootstrap, name, config={"retention.ms": "3600000"})
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    configs = admin.describe_configs([resource])[resource].result(timeout=10)
    assert configs["retention.ms"].value == "3600000"
    assert configs["retention.ms"].source == 1  # DYNAMIC_TOPIC_CONFIG
    assert configs["cleanup.policy"].value == "delete"
    assert configs["cleanup.policy"].is_default

    change = ConfigResource(ConfigResource.Type.TOPIC, name, incremental_configs=[
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SET),
        ConfigEntry("retention.ms", None, incremental_operation=AlterConfigOpType.DELETE),
    ])
    admin.incremental_alter_configs([change])[change].result(timeout=10)
    configs = admin.describe_configs([resource])[resource].result(timeout=10)
    assert configs["cleanup.policy"].value == "compact"
    assert configs["retention.ms"].is_default

    bad = ConfigResource(ConfigResource.Type.TOPIC, name, incremental_configs=[
        ConfigEntry("retention.ms", "soon", incremental_operation=AlterConfigOpType.SET),
    ])
    with pytest.raises(KafkaException) as err:
        admin.incremental_alter_configs([bad])[bad].result(timeout=10)
    assert err.value.args[0].name() == "INVALID_CONFIG"

    other = topic_name("records")
    create_topic(fjord.bootstrap, other)
    produce(fjord.bootstrap, other, [(None, f"v{i}".encode()) for i in range(10)])
    deleted = admin.delete_records([TopicPartition(other, 0, 4)])
    assert deleted[TopicPartition(other, 0, 4)].result(timeout=10).low_watermark == 4
    consumer = Consumer({"bootstrap.servers": fjord.bootstrap, "group.id": "x"})
    assert consumer.get_watermark_offsets(TopicPartition(other, 0), timeout=10) == (4, 10)
    consumer.close()


def test_acks_all_needs_min_insync_replicas(fjord):
    name = topic_name("minisr")
    create_topic(fjord.bootstrap, name, config={"min.insync.replicas": "2"})
    reports = produce(fjord.bootstrap, name, [(None, b"x")], acks="all", retries=0, **{"message.timeout.ms": 3000})
    assert reports[0][0] is not None and reports[0][0].name() == "NOT_ENOUGH_REPLICAS"
    reports = produce(fjord.bootstrap, name, [(None, b"y")], acks="1")
    assert reports[0][0] is None


def test_aiokafka_produces_and_consumes(fjord):
    import asyncio

    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
    from aiokafka.structs import TopicPartition as ATopicPartition

    name = topic_name("aio")
    create_topic(fjord.bootstrap, name, partitions=2)

    async def run():
        producer = AIOKafkaProducer(bootstrap_servers=fjord.bootstrap, acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for i in range(40):
                await producer.send_and_wait(name, key=b"k%d" % (i % 2), value=b"v%d" % i, partition=i % 2)
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=fjord.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            partitions = [ATopicPartition(name, 0), ATopicPartition(name, 1)]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            values = []
            while len(values) < 40:
                batch = await asyncio.wait_for(consumer.getmany(timeout_ms=1000), 20)
                for records in batch.values():
                    values.extend(r.value for r in records)
            return values
        finally:
            await consumer.stop()

    values = asyncio.run(run())
    assert sorted(values) == sorted(b"v%d" % i for i in range(40))


@pytest.mark.parametrize("codec", ["gzip", "lz4"])
def test_kafka_python_compressed_batches_are_stored_as_sent(fjord, codec):
    from conftest import FJORD
    from kafka import KafkaProducer

    name = topic_name(f"kpy-{codec}")
    create_topic(fjord.bootstrap, name)
    producer = KafkaProducer(bootstrap_servers=fjord.bootstrap, acks="all", compression_type=codec, linger_ms=20)
    for i in range(100):
        producer.send(name, key=b"k%d" % i, value=b"value-%d-" % i * 10)
    producer.flush(10)
    producer.close()
    consumed = consume_all(fjord.bootstrap, name, 1, 100)
    assert [m.value() for m in consumed] == [b"value-%d-" % i * 10 for i in range(100)]
    segment = fjord.data_dir / f"{name}-0" / "00000000000000000000.log"
    dump = subprocess.run([str(FJORD), "dump-log", "--files", str(segment)], capture_output=True, text=True, timeout=30)
    codecs = {line.split("compresscodec: ")[1].split()[0] for line in dump.stdout.splitlines() if "compresscodec:" in line}
    assert codecs == {codec}


def test_admin_manual_replica_assignment(fjord):
    name = topic_name("assigned")
    admin = AdminClient({"bootstrap.servers": fjord.bootstrap})
    admin.create_topics([NewTopic(name, 2, replica_assignment=[[1], [1]])])[name].result(timeout=10)
    partitions = admin.list_topics(name, timeout=10).topics[name].partitions
    assert sorted(partitions) == [0, 1] and all(p.leader == 1 for p in partitions.values())
    admin.create_partitions([NewPartitions(name, 3, replica_assignment=[[1]])])[name].result(timeout=10)
    assert len(admin.list_topics(name, timeout=10).topics[name].partitions) == 3
    bad = topic_name("bad-assign")
    with pytest.raises(KafkaException) as err:
        admin.create_topics([NewTopic(bad, 1, replica_assignment=[[7]])])[bad].result(timeout=10)
    assert err.value.args[0].name() == "INVALID_REPLICA_ASSIGNMENT"
    with pytest.raises(KafkaException) as err:
        admin.create_partitions([NewPartitions(name, 5, replica_assignment=[[1]])])[name].result(timeout=10)
    assert err.value.args[0].name() == "INVALID_REPLICA_ASSIGNMENT"


def test_metadata_answers_with_the_listener_the_client_used(fresh_fjord):
    from conftest import free_port

    server = fresh_fjord()
    internal = free_port()
    server.overrides = [
        f"listeners=PLAINTEXT://127.0.0.1:{server.port},INTERNAL://127.0.0.1:{internal},CONTROLLER://127.0.0.1:{server.controller_port}",
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{server.port},INTERNAL://localhost:{internal}",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "inter.broker.listener.name=INTERNAL",
    ]
    server.start()
    for port, expected in [(server.port, f"127.0.0.1:{server.port}"), (internal, f"localhost:{internal}")]:
        out = subprocess.run(["kcat", "-b", f"127.0.0.1:{port}", "-L"], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert f"broker 1 at {expected}" in out.stdout, out.stdout
