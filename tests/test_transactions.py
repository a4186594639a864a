"""Exactly-once with unmodified confluent-kafka clients: transactional producers,
read_committed consumers, consume-transform-produce, fencing, crashes and timeouts."""

import json
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from test_broker_basics import create_topic, produce, topic_name

OVERRIDES = ["transaction.abort.timed.out.transaction.cleanup.interval.ms=500"]


def txn_producer(bootstrap, transactional_id, **config):
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": transactional_id, **config})
    p.init_transactions(30)
    return p


def read_all(bootstrap, topic, partitions, isolation, timeout=5, expect=None):
    """Every record of the topic from offset 0, as (partition, offset, value)."""
    c = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"reader-{isolation}",
        "isolation.level": isolation,
        "enable.auto.commit": False,
    })
    c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    got = []
    deadline = time.time() + timeout
    while time.time() < deadline and (expect is None or len(got) < expect):
        m = c.poll(0.2)
        if m is not None and not m.error():
            got.append((m.partition(), m.offset(), m.value().decode()))
    c.close()
    return got


@pytest.fixture(scope="module")
def txn_server(tmp_path_factory):
    from conftest import FjordServer
    server = FjordServer(tmp_path_factory.mktemp("txn") / "data", OVERRIDES).start()
    yield server
    server.stop()


def test_committed_and_aborted_transactions_across_partitions(txn_server):
    bs = txn_server.bootstrap
    topic = topic_name("txn-mixed")
    create_topic(bs, topic, partitions=3)
    p = txn_producer(bs, f"mixed-{topic}")
    committed = []
    for round_ in range(4):
        p.begin_transaction()
        values = [f"r{round_}-{i}" for i in range(6)]
        for i, v in enumerate(values):
            p.produce(topic, value=v, partition=i % 3)
        p.flush()
        if round_ % 2 == 0:
            p.commit_transaction(30)
            committed += values
        else:
            p.abort_transaction(30)
    seen = read_all(bs, topic, 3, "read_committed", expect=len(committed))
    assert sorted(v for _, _, v in seen) == sorted(committed)
    for part in range(3):
        in_order = [v for p_, _, v in sorted(seen) if p_ == part]
        assert in_order == [v for v in committed if int(v.split("-")[1]) % 3 == part]
    everything = read_all(bs, topic, 3, "read_uncommitted", expect=24)
    assert len(everything) == 24, "all data records, and no control records, reach the app"
    # Each transaction wrote 2 records and then a marker to every partition: the
    # markers take the offsets in between, and never reach the application.
    for part in range(3):
        data_offsets = sorted(o for p_, o, _ in everything if p_ == part)
        assert data_offsets == [0, 1, 3, 4, 6, 7, 9, 10]


CTP_LOOP = textwrap.dedent("""
    import sys
    from confluent_kafka import Consumer, Producer, TopicPartition
    bootstrap, source, sink, group, txn_id = sys.argv[1:6]
    # A short session: a killed loop's member leaves the group in seconds.
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id})
    p.init_transactions(30)
    c.subscribe([source])
    while True:
        batch = c.consume(num_messages=7, timeout=0.5)
        batch = [m for m in batch if not m.error()]
        if not batch:
            continue
        p.begin_transaction()
        for m in batch:
            p.produce(sink, key=m.key(), value=m.value().upper(), partition=m.partition())
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        p.commit_transaction(30)
        print("committed", len(batch), flush=True)
""")


def test_consume_transform_produce_survives_kill_9_exactly_once(txn_server, tmp_path):
    bs = txn_server.bootstrap
    source, sink = topic_name("ctp-in"), topic_name("ctp-out")
    create_topic(bs, source, partitions=2)
    create_topic(bs, sink, partitions=2)
    total = 400
    produce(bs, source, [(f"k{i}", f"v{i}", i % 2) for i in range(total)])
    script = tmp_path / "ctp.py"
    script.write_text(CTP_LOOP)
    args = [sys.executable, str(script), bs, source, sink, f"ctp-{source}", f"ctp-{source}"]
    for _ in range(3):
        loop = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        # Let it commit a few transactions, then kill it mid-flight.
        deadline = time.time() + 20
        commits = 0
        while commits < 3 and time.time() < deadline:
            line = loop.stdout.readline()
            commits += line.startswith("committed")
        loop.send_signal(signal.SIGKILL)
        loop.wait()
    loop = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        out = []
        while time.time() < deadline:
            out = read_all(bs, sink, 2, "read_committed", timeout=2, expect=total)
            if len(out) >= total:
                break
    finally:
        loop.send_signal(signal.SIGKILL)
        loop.wait()
    values = [v for _, _, v in out]
    assert len(values) == total, f"{len(values)} records in the output for {total} in the input"
    assert sorted(values) == sorted(f"V{i}" for i in range(total)), "each input record exactly once"


def test_second_producer_with_the_same_id_fences_the_first(txn_server):
    bs = txn_server.bootstrap
    topic = topic_name("txn-fence")
    create_topic(bs, topic, partitions=1)
    txn_id = f"fence-{topic}"
    old = txn_producer(bs, txn_id)
    old.begin_transaction()
    old.produce(topic, value="zombie")
    old.flush()
    new = txn_producer(bs, txn_id)  # aborts the old one's open transaction
    with pytest.raises(KafkaException) as raised:
        old.commit_transaction(10)
    err = raised.value.args[0]
    assert err.fatal() or err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED, KafkaError.INVALID_PRODUCER_EPOCH), err
    new.begin_transaction()
    new.produce(topic, value="fresh")
    new.commit_transaction(30)
    assert [v for _, _, v in read_all(bs, topic, 1, "read_committed", expect=1)] == ["fresh"]


def test_broker_kill_9_mid_transaction_never_exposes_part_of_it(fresh_fjord):
    server = fresh_fjord(OVERRIDES).start()
    bs = server.bootstrap
    topic = topic_name("txn-crash")
    create_topic(bs, topic, partitions=3)
    txn_id = f"crash-{topic}"
    p = txn_producer(bs, txn_id)
    p.begin_transaction()
    for i in range(9):
        p.produce(topic, value=f"done{i}", partition=i % 3)
    p.commit_transaction(30)
    p.begin_transaction()
    for i in range(9):
        p.produce(topic, value=f"open{i}", partition=i % 3)
    p.flush()
    server.kill()
    server.start()
    # A new incarnation (the restarted application) aborts what was left open.
    again = txn_producer(bs, txn_id)
    again.begin_transaction()
    again.produce(topic, value="after", partition=0)
    again.commit_transaction(30)
    seen = [v for _, _, v in read_all(bs, topic, 3, "read_committed", expect=10)]
    assert sorted(seen) == sorted([f"done{i}" for i in range(9)] + ["after"])


def test_transaction_left_open_is_aborted_at_its_timeout(txn_server):
    bs = txn_server.bootstrap
    topic = topic_name("txn-timeout")
    create_topic(bs, topic, partitions=1)
    p = txn_producer(bs, f"slow-{topic}", **{"transaction.timeout.ms": 2000})
    p.begin_transaction()
    p.produce(topic, value="forgotten")
    p.flush()
    time.sleep(4)
    # The coordinator aborted it: read_committed consumers are not held back, and
    # later committed data is readable past it.
    other = txn_producer(bs, f"other-{topic}")
    other.begin_transaction()
    other.produce(topic, value="later")
    other.commit_transaction(30)
    seen = [v for _, _, v in read_all(bs, topic, 1, "read_committed", expect=1)]
    assert seen == ["later"]
    with pytest.raises(KafkaException):
        p.commit_transaction(10)
