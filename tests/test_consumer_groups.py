"""Consumer groups (classic JoinGroup/SyncGroup protocol, offsets in __consumer_offsets)
driven by unmodified Kafka clients: confluent-kafka (librdkafka) and kafka-python.

The module's server runs with `group.initial.rebalance.delay.ms=0` (conftest), as the seeds'
docker compose does; tests that expire members use the broker's minimum session timeout
(6 s) and a 500 ms heartbeat.
"""

import threading
import time
import uuid
from collections import Counter

import pytest
from confluent_kafka import (
    OFFSET_INVALID,
    Consumer,
    ConsumerGroupState,
    ConsumerGroupTopicPartitions,
    KafkaException,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient

from group_helpers import (
    MemberProcess,
    ThreadedConsumer,
    committed_offsets,
    describe_group,
    member_assignments,
    stable_assignment,
    wait_until,
)
from test_broker_basics import create_topic, produce, topic_name

SESSION_MS = 6000  # the broker's group.min.session.timeout.ms
HEARTBEAT_MS = 500


def group_name(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def group_config(bootstrap, group, **extra):
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": SESSION_MS,
        "heartbeat.interval.ms": HEARTBEAT_MS,
        **extra,
    }


def produce_keyed(bootstrap, topic, count, prefix="value"):
    """`count` keyed records; returns {(partition, offset): (key, value)} from the delivery reports."""
    messages = [(f"key-{i % 17}".encode(), f"{prefix}-{i}".encode()) for i in range(count)]
    reports = produce(bootstrap, topic, messages, acks="all")
    assert all(err is None for err, _ in reports), [err for err, _ in reports if err]
    return {(m.partition(), m.offset()): (m.key(), m.value()) for _, m in reports}


def produce_to(bootstrap, topic, per_partition, partitions, prefix="v"):
    """`per_partition` records into each partition; returns {(partition, offset): (key, value)}."""
    messages = [(f"k{p}".encode(), f"{prefix}-{p}-{i}".encode(), p) for i in range(per_partition) for p in range(partitions)]
    reports = produce(bootstrap, topic, messages, acks="all")
    assert all(err is None for err, _ in reports)
    return {(m.partition(), m.offset()): (m.key(), m.value()) for _, m in reports}


def poll_records(consumer, count, timeout=30, linger=0.5):
    """Polls a confluent-kafka consumer until `count` records came, then `linger` seconds more
    (so that a record too many is seen); returns [(partition, offset, key, value)]."""
    records = []
    deadline = time.time() + timeout
    while len(records) < count and time.time() < deadline:
        msg = consumer.poll(0.2)
        if msg is None:
            continue
        if msg.error():
            raise KafkaException(msg.error())
        records.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
    end = time.time() + linger
    while len(records) >= count and time.time() < end:
        msg = consumer.poll(0.1)
        if msg is not None and not msg.error():
            records.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
    return records


def kpy_poll_records(consumer, count, timeout=30, linger=0.5):
    """The same for a kafka-python KafkaConsumer (taking at most `count` records)."""
    records = []
    deadline = time.time() + timeout
    while len(records) < count and time.time() < deadline:
        for recs in consumer.poll(timeout_ms=200, max_records=count - len(records)).values():
            records.extend((r.partition, r.offset, r.key, r.value) for r in recs)
    end = time.time() + linger
    while time.time() < end:
        for recs in consumer.poll(timeout_ms=100).values():
            records.extend((r.partition, r.offset, r.key, r.value) for r in recs)
    return records


def as_expected(records):
    """[(partition, offset, key, value)] -> sorted list, to compare with a produced map."""
    return sorted(records)


def expected_from(produced, start=None):
    """Sorted [(p, o, k, v)] of produced records at or after start[p] (default: all)."""
    start = start or {}
    return sorted((p, o, k, v) for (p, o), (k, v) in produced.items() if o >= start.get(p, 0))


def positions_after(records):
    """{partition: last offset + 1} of consumed records."""
    pos = {}
    for p, o, *_ in records:
        pos[p] = max(pos.get(p, 0), o + 1)
    return pos


# 1. Seed 000: every group gets every record.


def test_seed_000_each_group_receives_every_record(fjord):
    topic = topic_name("seed000")
    create_topic(fjord.bootstrap, topic, partitions=3)
    produced = produce_keyed(fjord.bootstrap, topic, 200)
    assert len(produced) == 200
    assert {p for p, _ in produced} == {0, 1, 2}
    ends = Counter(p for p, _ in produced)

    groups = [group_name(f"seed000-{n}") for n in range(3)]
    consumers = [ThreadedConsumer(group_config(fjord.bootstrap, g), [topic], name=g) for g in groups]
    try:
        wait_until(lambda: all(len(c.got()) >= 200 for c in consumers), 30,
                   message=lambda: [len(c.got()) for c in consumers])
        time.sleep(0.5)  # a record too many would show up now
        for c in consumers:
            assert c.assigned == {0, 1, 2}
            assert as_expected(c.got()) == expected_from(produced)
            assert not c.errors
    finally:
        for c in consumers:
            c.close()  # auto commit: close commits the positions
    for g in groups:
        assert committed_offsets(fjord.bootstrap, g) == {(topic, p): (ends[p], "") for p in range(3)}
        assert describe_group(fjord.bootstrap, g).state == ConsumerGroupState.EMPTY


def test_seed_000_kafka_python_group_receives_every_record(fjord):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTopicPartition

    topic = topic_name("seed000-kpy")
    create_topic(fjord.bootstrap, topic, partitions=3)
    produced = produce_keyed(fjord.bootstrap, topic, 200)
    group = group_name("seed000-kpy")
    consumer = KafkaConsumer(topic, bootstrap_servers=fjord.bootstrap, group_id=group, auto_offset_reset="earliest",
                             session_timeout_ms=SESSION_MS, heartbeat_interval_ms=HEARTBEAT_MS)
    try:
        records = kpy_poll_records(consumer, 200)
        assert {tp.partition for tp in consumer.assignment()} == {0, 1, 2}
    finally:
        consumer.close()  # autocommit=True
    assert as_expected(records) == expected_from(produced)
    ends = Counter(p for p, _ in produced)
    assert committed_offsets(fjord.bootstrap, group) == {(topic, p): (ends[p], "") for p in range(3)}
    # kafka-python's own view of the commits, metadata included.
    consumer = KafkaConsumer(bootstrap_servers=fjord.bootstrap, group_id=group, enable_auto_commit=False)
    try:
        for p in range(3):
            om = consumer.committed(KTopicPartition(topic, p), metadata=True)
            assert (om.offset, om.metadata) == (ends[p], "")
    finally:
        consumer.close(autocommit=False)


# 2. More consumers than partitions.


def test_more_consumers_than_partitions_leaves_one_idle_member(fjord):
    topic = topic_name("idle")
    create_topic(fjord.bootstrap, topic, partitions=2)
    group_a, group_b = group_name("idle-a"), group_name("idle-b")
    a = ThreadedConsumer(group_config(fjord.bootstrap, group_a), [topic], name="a")
    bs = [ThreadedConsumer(group_config(fjord.bootstrap, group_b), [topic], name=f"b{i}") for i in range(3)]
    admin = AdminClient({"bootstrap.servers": fjord.bootstrap})
    try:
        def assignment(c):
            return frozenset(tp.partition for tp in c.call(lambda k: k.assignment()))

        wait_until(lambda: a.assigned == {0, 1} and assignment(a) == {0, 1}, 30)
        wait_until(lambda: stable_assignment(bs, [0, 1]) and all(assignment(c) == c.assigned for c in bs), 30,
                   message=lambda: [c.rebalance_events() for c in bs])
        assert sorted(len(c.assigned) for c in bs) == [0, 1, 1]
        idle = next(c for c in bs if not c.assigned)

        description = describe_group(fjord.bootstrap, group_b, admin)
        assert description.state == ConsumerGroupState.STABLE
        assert description.partition_assignor == "range"
        member_ids = {c.call(lambda k: k.memberid()): c for c in bs}
        by_member = member_assignments(description)
        assert set(by_member) == set(member_ids)
        for member_id, owned in by_member.items():
            assert owned == {(topic, p) for p in member_ids[member_id].assigned}

        # Records produced now reach group A once and group B once; the idle member gets none.
        produced = produce_keyed(fjord.bootstrap, topic, 100)
        assert {p for p, _ in produced} == {0, 1}
        wait_until(lambda: len(a.got()) >= 100 and sum(len(c.got()) for c in bs) >= 100, 30)
        # Longer than a session timeout: the idle member keeps its membership by heartbeating,
        # and nobody rebalances.
        counts = [c.assign_count() for c in bs]
        deadline = time.time() + SESSION_MS / 1000 + 1.5
        while time.time() < deadline:
            time.sleep(0.5)
            assert [c.assign_count() for c in bs] == counts
        description = describe_group(fjord.bootstrap, group_b, admin)
        assert description.state == ConsumerGroupState.STABLE
        assert member_assignments(description) == by_member
        assert idle.call(lambda k: k.assignment()) == []
        assert idle.got() == []
        assert as_expected(a.got()) == expected_from(produced)
        assert as_expected(r for c in bs for r in c.got()) == expected_from(produced)
    finally:
        a.close()
        for c in bs:
            c.close()


# 3. Seed 004: members join one by one; a member killed with SIGKILL loses nothing.


def test_seed_004_joins_rebalance_and_a_killed_member_loses_nothing(fjord):
    topic = topic_name("seed004")
    create_topic(fjord.bootstrap, topic, partitions=3)
    group = group_name("seed004")

    acked, produce_errors = {}, []
    stop_producing = threading.Event()

    def on_delivery(err, msg):
        if err is None:
            acked[(msg.partition(), msg.offset())] = msg.value().decode()
        else:
            produce_errors.append(err)

    def produce_continuously():
        producer = Producer({"bootstrap.servers": fjord.bootstrap, "acks": "all", "linger.ms": 5})
        i = 0
        while not stop_producing.is_set():
            producer.produce(topic, key=f"k{i % 11}".encode(), value=f"r{i}".encode(), on_delivery=on_delivery)
            i += 1
            producer.poll(0.01)  # ~100 records/s
        assert producer.flush(30) == 0

    producer_thread = threading.Thread(target=produce_continuously, daemon=True)
    producer_thread.start()
    members = []
    try:
        def stable(live, nonempty):
            owned = [m.assigned for m in live]
            if any(o is None for o in owned):
                return False
            return sorted(p for o in owned for p in o) == [0, 1, 2] and sum(1 for o in owned if o) == nonempty

        history = []
        for n in range(1, 5):
            before = [m.assign_count() for m in members]
            members.append(MemberProcess(fjord.bootstrap, group, topic, f"m{n}", SESSION_MS, HEARTBEAT_MS))
            # Each join is a rebalance: every member already there is assigned again (a new
            # generation), and together they own every partition exactly once.
            wait_until(
                lambda: stable(members, min(n, 3))
                and all(m.assign_count() > count for m, count in zip(members, before)),
                30, message=lambda: [(m.name, m.assigned, m.assign_count(), m.stderr()) for m in members],
            )
            history.append([m.assigned for m in members])
        assert sorted(map(len, history[0])) == [3]
        assert sorted(map(len, history[1])) == [1, 2]
        assert sorted(map(len, history[2])) == [1, 1, 1]
        assert sorted(map(len, history[3])) == [0, 1, 1, 1]
        assert history[1][0] != history[0][0]  # the first member gave partitions away
        assert all(len(m.of_kind("assign")) >= 4 - i for i, m in enumerate(members))

        # SIGKILL (no LeaveGroup) a member that owns a partition: its partitions move to the
        # others once its session expires.
        victim = next(m for m in members if m.assigned)
        lost = victim.assigned
        survivors = [m for m in members if m is not victim]
        counts = [m.assign_count() for m in survivors]
        time.sleep(1)  # some records consumed (and committed) by the victim first
        killed_at = time.time()
        victim.kill()
        wait_until(
            lambda: stable(survivors, 3) and all(m.assign_count() > c for m, c in zip(survivors, counts)),
            SESSION_MS / 1000 + 10, interval=0.05,
            message=lambda: [(m.name, m.assigned) for m in survivors],
        )
        moved_after = time.time() - killed_at
        assert moved_after < SESSION_MS / 1000 + 4, moved_after
        # Not before the session could have expired (a LeaveGroup would be immediate).
        assert moved_after > SESSION_MS / 1000 - 2 * HEARTBEAT_MS / 1000 - 0.5, moved_after
        assert any(lost & m.assigned for m in survivors)

        time.sleep(1)
        stop_producing.set()
        producer_thread.join(timeout=60)
        assert not produce_errors
        assert len(acked) > 500

        def consumed():
            return {(p, o) for m in members for p, o, _ in m.records()}

        wait_until(lambda: consumed() >= set(acked), 30,
                   message=lambda: f"missing {sorted(set(acked) - consumed())[:20]}")
    finally:
        stop_producing.set()
        for m in members:
            m.stop()

    for m in survivors:
        assert not m.of_kind("commit_error"), m.of_kind("commit_error")
        assert not m.of_kind("error"), m.of_kind("error")
    every = [(p, o, v) for m in members for p, o, v in m.records()]
    assert {(p, o) for p, o, _ in every} == set(acked)
    assert all(acked[(p, o)] == v for p, o, v in every)
    # Records read twice: only the victim's partitions, from its last commit on.
    last_commit = victim.last_commits()
    twice = [po for po, n in Counter((p, o) for p, o, _ in every).items() if n > 1]
    for p, o in twice:
        assert p in lost and o >= last_commit.get(p, 0), (p, o, last_commit)
    survivors_read = Counter((p, o) for m in survivors for p, o, _ in m.records())
    assert max(survivors_read.values()) == 1


# 4. Commits (manual sync / async, kafka-python, auto) survive a broker restart.


def test_committed_offsets_and_metadata_survive_a_restart(fresh_fjord):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTopicPartition
    from kafka.structs import OffsetAndMetadata

    server = fresh_fjord().start()
    bootstrap = server.bootstrap
    topic = topic_name("commits")
    create_topic(bootstrap, topic, partitions=2)
    produced = produce_to(bootstrap, topic, 100, 2)
    tps = [TopicPartition(topic, p) for p in range(2)]
    committed = {}  # group -> {partition: offset}
    metadata = {}  # group -> {partition: metadata}

    def committed_by(consumer):
        return {tp.partition: (tp.offset, tp.metadata) for tp in consumer.committed(tps, timeout=10)}

    # confluent-kafka, enable.auto.commit=false, synchronous commits.
    g_sync = group_name("sync")
    c = Consumer(group_config(bootstrap, g_sync, **{"enable.auto.commit": False}))
    c.subscribe([topic])
    got = poll_records(c, 30, linger=0)
    assert len(got) == 30
    c.commit(asynchronous=False)
    pos = positions_after(got)
    assert {p: o for p, (o, _) in committed_by(c).items()} == {p: pos.get(p, OFFSET_INVALID) for p in range(2)}
    got += poll_records(c, 25, linger=0)
    pos = positions_after(got)
    c.commit(offsets=[TopicPartition(topic, p, pos.get(p, 0), metadata=f"sync-{p}") for p in range(2)], asynchronous=False)
    committed[g_sync] = {p: pos.get(p, 0) for p in range(2)}
    metadata[g_sync] = {p: f"sync-{p}" for p in range(2)}
    assert committed_by(c) == {p: (committed[g_sync][p], metadata[g_sync][p]) for p in range(2)}
    c.close()

    # confluent-kafka, asynchronous commit reported to on_commit.
    g_async = group_name("async")
    reports = []
    c = Consumer(group_config(bootstrap, g_async, **{
        "enable.auto.commit": False,
        "on_commit": lambda err, parts: reports.append((err, [(tp.partition, tp.offset, tp.error) for tp in parts])),
    }))
    c.subscribe([topic])
    got = poll_records(c, 40, linger=0)
    assert len(got) == 40
    pos = positions_after(got)
    # Paused, so that polling for the callback stores no further offsets before the
    # commit (which takes the stored offsets when librdkafka's thread gets to it) is sent.
    c.pause(c.assignment())
    c.commit(asynchronous=True)
    deadline = time.time() + 15
    while not reports and time.time() < deadline:
        msg = c.poll(0.1)
        assert msg is None, (msg.partition(), msg.offset())
    assert len(reports) == 1, reports
    err, parts = reports[0]
    assert err is None, err
    # librdkafka lists every assigned partition; one it had nothing to commit for has offset -1001.
    assert all(e is None for _, _, e in parts)
    assert sorted((p, o) for p, o, _ in parts if o != OFFSET_INVALID) == sorted(pos.items())
    committed[g_async] = pos
    assert {p: o for p, (o, _) in committed_by(c).items() if o >= 0} == pos
    c.close()

    # kafka-python, enable_auto_commit=False, commit() then commit with metadata.
    g_kpy = group_name("kpy")
    kc = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=g_kpy, enable_auto_commit=False,
                       auto_offset_reset="earliest", session_timeout_ms=SESSION_MS, heartbeat_interval_ms=HEARTBEAT_MS)
    got = kpy_poll_records(kc, 50, linger=0)
    assert len(got) == 50
    kc.commit()
    pos = positions_after(got)
    # kafka-python commits the position of every assigned partition, 0 for one not read yet.
    for p in range(2):
        assert kc.committed(KTopicPartition(topic, p)) == pos.get(p, 0)
    got += kpy_poll_records(kc, 20, linger=0)
    pos = positions_after(got)
    kc.commit({KTopicPartition(topic, p): OffsetAndMetadata(pos.get(p, 0), f"kpy-{p}", -1) for p in range(2)})
    committed[g_kpy] = {p: pos.get(p, 0) for p in range(2)}
    metadata[g_kpy] = {p: f"kpy-{p}" for p in range(2)}
    for p in range(2):
        om = kc.committed(KTopicPartition(topic, p), metadata=True)
        assert (om.offset, om.metadata) == (committed[g_kpy][p], metadata[g_kpy][p])
    kc.close(autocommit=False)

    # confluent-kafka, enable.auto.commit=true: the timer commits without a poll or a close.
    g_auto = group_name("auto")
    c = Consumer(group_config(bootstrap, g_auto, **{"enable.auto.commit": True, "auto.commit.interval.ms": 200}))
    c.subscribe([topic])
    got = poll_records(c, 35, linger=0)
    assert len(got) == 35
    pos = positions_after(got)
    wait_until(lambda: {p: o for p, (o, _) in committed_by(c).items() if o >= 0} == pos, 10)
    committed[g_auto] = pos
    c.close()

    assert server.stop() == 0
    server.start()

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for group, offsets in committed.items():
        stored = committed_offsets(bootstrap, group, admin)
        assert {p: o for (_, p), (o, _) in stored.items()} == offsets, group
    # Metadata is read back with the client that wrote it: confluent-kafka-python sends its
    # metadata with a trailing NUL (metadata_size = strlen + 1) and reads it as a C string,
    # so a string another client wrote comes back with whatever follows in memory
    # (librdkafka#4649). The broker keeps the bytes as sent, as kafka-python shows.
    stored = committed_offsets(bootstrap, g_sync, admin)
    assert {p: m for (_, p), (_, m) in stored.items()} == metadata[g_sync]
    from kafka import KafkaAdminClient

    kadmin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        for group in (g_sync, g_kpy):
            stored = kadmin.list_group_offsets({group: None})[group]
            suffix = "\x00" if group == g_sync else ""
            assert {tp.partition: (om.offset, om.metadata) for tp, om in stored.items()} == {
                p: (committed[group][p], metadata[group][p] + suffix) for p in range(2)}, group
    finally:
        kadmin.close()

    # A new member of each group resumes exactly at the committed offsets.
    for group in (g_sync, g_async, g_auto):
        c = Consumer(group_config(bootstrap, group, **{"enable.auto.commit": False}))
        c.subscribe([topic])
        expected = expected_from(produced, committed[group])
        got = poll_records(c, len(expected))
        c.close()
        assert as_expected(got) == expected, group
    kc = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=g_kpy, enable_auto_commit=False,
                       auto_offset_reset="earliest", session_timeout_ms=SESSION_MS, heartbeat_interval_ms=HEARTBEAT_MS)
    expected = expected_from(produced, committed[g_kpy])
    got = kpy_poll_records(kc, len(expected))
    kc.close(autocommit=False)
    assert as_expected(got) == expected


# 5. Seed 001: read strategies.


def test_seed_001_earliest_and_latest(fjord):
    topic = topic_name("seed001")
    create_topic(fjord.bootstrap, topic, partitions=2)
    early = produce_to(fjord.bootstrap, topic, 25, 2, prefix="early")

    c = Consumer(group_config(fjord.bootstrap, group_name("earliest")))
    c.subscribe([topic])
    got = poll_records(c, 50)
    c.close()
    assert as_expected(got) == expected_from(early)

    assigned = threading.Event()
    c = Consumer(group_config(fjord.bootstrap, group_name("latest"), **{"auto.offset.reset": "latest"}))
    c.subscribe([topic], on_assign=lambda consumer, parts: assigned.set())
    got = []
    deadline = time.time() + 30
    while not assigned.is_set() and time.time() < deadline:
        msg = c.poll(0.1)
        assert msg is None or msg.error()
    assert assigned.is_set()
    # Once assigned, the consumer's start is the log end as the broker answers ListOffsets,
    # which happens shortly after: produce one record at a time until one is seen in each
    # partition; from then on it reads every later record.
    late = {}
    i = 0
    while {p for p, *_ in got} != {0, 1} and time.time() < deadline:
        late.update(produce_to(fjord.bootstrap, topic, 1, 2, prefix=f"late{i}"))
        i += 1
        msg = c.poll(0.2)
        if msg is not None and not msg.error():
            got.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
    assert {p for p, *_ in got} == {0, 1}
    final = produce_to(fjord.bootstrap, topic, 10, 2, prefix="final")
    late.update(final)
    deadline = time.time() + 15
    while not set(final) <= {(p, o) for p, o, *_ in got} and time.time() < deadline:
        msg = c.poll(0.2)
        if msg is not None and not msg.error():
            got.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
    got += poll_records(c, 0, linger=0.5)  # nothing more comes
    c.close()
    assert not any(value.startswith(b"early") for *_, value in got)
    first = {p: min(o for q, o, *_ in got if q == p) for p in (0, 1)}
    assert all(o >= 25 for o in first.values())
    assert as_expected(got) == expected_from(late, first)
    assert set(final.items()) <= {((p, o), (k, v)) for p, o, k, v in got}


def test_seed_001_seek_and_assign_without_group(fjord):
    from kafka import KafkaConsumer
    from kafka import TopicPartition as KTopicPartition

    topic = topic_name("seed001-seek")
    create_topic(fjord.bootstrap, topic, partitions=3)
    produced = produce_to(fjord.bootstrap, topic, 30, 3)
    group = group_name("seek")

    # confluent-kafka: assign with explicit offsets.
    c = Consumer(group_config(fjord.bootstrap, group, **{"enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 0, 10), TopicPartition(topic, 2, 27)])
    expected = [r for r in expected_from(produced, {0: 10, 1: 99, 2: 27}) if r[0] != 1]
    got = poll_records(c, len(expected))
    assert as_expected(got) == expected
    # ...and seek inside the assignment.
    c.seek(TopicPartition(topic, 0, 5))
    got = poll_records(c, 25)
    assert as_expected(got) == [r for r in expected_from(produced, {0: 5}) if r[0] == 0]
    c.close()
    # Assigning (no subscribe) joins no group and, without commits, stores nothing.
    assert committed_offsets(fjord.bootstrap, group) == {}

    # kafka-python: assign + seek.
    kc = KafkaConsumer(bootstrap_servers=fjord.bootstrap, group_id=None, enable_auto_commit=False)
    kc.assign([KTopicPartition(topic, 1)])
    kc.seek(KTopicPartition(topic, 1), 7)
    got = kpy_poll_records(kc, 23)
    assert as_expected(got) == [r for r in expected_from(produced, {1: 7}) if r[0] == 1]
    # kafka-python without a group: assign exactly two partitions, from the start.
    kc.assign([KTopicPartition(topic, 0), KTopicPartition(topic, 2)])
    kc.seek_to_beginning()
    got = kpy_poll_records(kc, 60)
    kc.close()
    assert as_expected(got) == [r for r in expected_from(produced) if r[0] in (0, 2)]
    # confluent-kafka: assign exactly one partition, reset to earliest, no commits.
    c = Consumer(group_config(fjord.bootstrap, group, **{"enable.auto.commit": False}))
    c.assign([TopicPartition(topic, 1)])
    got = poll_records(c, 30)
    c.close()
    assert as_expected(got) == [r for r in expected_from(produced) if r[0] == 1]
    assert committed_offsets(fjord.bootstrap, group) == {}


# 6. Static membership (KIP-345).


def test_static_member_restart_gets_its_partitions_back_without_a_rebalance(fjord):
    topic = topic_name("static")
    create_topic(fjord.bootstrap, topic, partitions=2)
    group = group_name("static")
    admin = AdminClient({"bootstrap.servers": fjord.bootstrap})

    def config(instance):
        return group_config(fjord.bootstrap, group, **{"group.instance.id": instance, "session.timeout.ms": 10000})

    members = {i: ThreadedConsumer(config(i), [topic], name=i) for i in ("static-a", "static-b")}
    try:
        wait_until(lambda: stable_assignment(list(members.values()), [0, 1]), 30)
        owned = {i: c.assigned for i, c in members.items()}
        first = describe_group(fjord.bootstrap, group, admin)
        assert first.state == ConsumerGroupState.STABLE
        assert {m.group_instance_id for m in first.members} == set(members)

        # Restart each member in turn (so the group's leader is among them).
        for instance in list(members):
            other = next(c for i, c in members.items() if i != instance)
            other_events = other.rebalance_events()
            old_id = members[instance].call(lambda k: k.memberid())
            members[instance].close()  # a static member sends no LeaveGroup
            during = describe_group(fjord.bootstrap, group, admin)
            assert during.state == ConsumerGroupState.STABLE
            assert {m.group_instance_id for m in during.members} == set(members)
            members[instance] = ThreadedConsumer(config(instance), [topic], name=instance)
            wait_until(lambda: members[instance].assigned is not None, 15)
            assert members[instance].assigned == owned[instance]
            time.sleep(2 * HEARTBEAT_MS / 1000 + 0.5)  # a rebalance would reach the other by now
            assert other.rebalance_events() == other_events
            after = describe_group(fjord.bootstrap, group, admin)
            assert after.state == ConsumerGroupState.STABLE
            assert len(after.members) == 2
            instance_owns = {m.group_instance_id: {tp.partition for tp in m.assignment.topic_partitions}
                             for m in after.members}
            assert instance_owns == owned
            # The restarted instance got a new member id, which replaced the old one.
            new_id = members[instance].call(lambda k: k.memberid())
            assert new_id != old_id
            assert {m.group_instance_id: m.member_id for m in after.members}[instance] == new_id

        # Both still consume their own partitions.
        produced = produce_to(fjord.bootstrap, topic, 10, 2)
        wait_until(lambda: sum(len(c.got()) for c in members.values()) >= 20, 15)
        for i, c in members.items():
            assert {p for p, *_ in c.got()} == owned[i]
        assert as_expected(r for c in members.values() for r in c.got()) == expected_from(produced)
    finally:
        for c in members.values():
            c.close()


# 7. Group state and offsets survive kill -9 of the broker.


def test_group_and_offsets_survive_broker_kill_9(fresh_fjord):
    server = fresh_fjord().start()
    bootstrap = server.bootstrap
    topic = topic_name("kill9")
    create_topic(bootstrap, topic, partitions=3)
    produced = produce_keyed(bootstrap, topic, 150)
    group = group_name("kill9")
    c = Consumer(group_config(bootstrap, group, **{"enable.auto.commit": False}))
    c.subscribe([topic])
    got = poll_records(c, 70, linger=0)
    assert len(got) == 70
    pos = positions_after(got)
    c.commit(offsets=[TopicPartition(topic, p, pos.get(p, 0), metadata="before-kill") for p in range(3)],
             asynchronous=False)
    offsets = {p: pos.get(p, 0) for p in range(3)}
    c.close()

    server.kill()
    server.start()

    admin = AdminClient({"bootstrap.servers": bootstrap})
    listed = admin.list_consumer_groups(request_timeout=10).result(timeout=15)
    assert not listed.errors
    states = {g.group_id: g.state for g in listed.valid}
    assert states.get(group) == ConsumerGroupState.EMPTY, states
    assert committed_offsets(bootstrap, group, admin) == {(topic, p): (o, "before-kill") for p, o in offsets.items()}

    c = Consumer(group_config(bootstrap, group, **{"enable.auto.commit": False}))
    c.subscribe([topic])
    expected = expected_from(produced, offsets)
    got = poll_records(c, len(expected))
    c.close()
    assert as_expected(got) == expected


def test_live_member_carries_on_across_broker_kill_9(fresh_fjord):
    server = fresh_fjord().start()
    bootstrap = server.bootstrap
    topic = topic_name("kill9-live")
    create_topic(bootstrap, topic, partitions=2)
    first = produce_to(bootstrap, topic, 20, 2, prefix="first")
    group = group_name("kill9-live")
    member = ThreadedConsumer(group_config(bootstrap, group, **{"enable.auto.commit": False}), [topic], name="live")
    try:
        wait_until(lambda: len(member.got()) >= 40, 30)
        member.call(lambda k: k.commit(asynchronous=False))
        server.kill()
        server.start()
        second = produce_to(bootstrap, topic, 20, 2, prefix="second")
        wait_until(lambda: len(member.got()) >= 80, 60, message=lambda: (len(member.got()), member.rebalance_events()))
        time.sleep(0.5)
        assert as_expected(member.got()) == expected_from({**first, **second})
        wait_until(lambda: _try_commit(member), 30)
        assert committed_offsets(bootstrap, group) == {(topic, p): (40, "") for p in range(2)}
    finally:
        member.close()


def _try_commit(member):
    try:
        member.call(lambda k: k.commit(asynchronous=False))
        return True
    except KafkaException:
        return False


# Admin: list, describe, delete groups; alter and delete offsets.


def test_admin_lists_describes_and_deletes_groups(fjord):
    from kafka import KafkaAdminClient
    from kafka import TopicPartition as KTopicPartition

    topic = topic_name("admin-groups")
    create_topic(fjord.bootstrap, topic, partitions=2)
    produce_to(fjord.bootstrap, topic, 5, 2)
    admin = AdminClient({"bootstrap.servers": fjord.bootstrap})
    active, empty = group_name("active"), group_name("empty")

    member = ThreadedConsumer(group_config(fjord.bootstrap, active, **{"client.id": "admin-test"}), [topic], name="m")
    try:
        wait_until(lambda: member.assigned == {0, 1} and len(member.got()) == 10, 30)
        member.call(lambda k: k.commit(asynchronous=False))
        c = Consumer(group_config(fjord.bootstrap, empty, **{"enable.auto.commit": False}))
        c.commit(offsets=[TopicPartition(topic, 0, 3), TopicPartition(topic, 1, 4)], asynchronous=False)
        c.close()

        listed = admin.list_consumer_groups(request_timeout=10).result(timeout=15)
        states = {g.group_id: g.state for g in listed.valid}
        assert states[active] == ConsumerGroupState.STABLE
        assert states[empty] == ConsumerGroupState.EMPTY
        only_stable = admin.list_consumer_groups(states={ConsumerGroupState.STABLE}, request_timeout=10).result(timeout=15)
        assert active in {g.group_id for g in only_stable.valid}
        assert empty not in {g.group_id for g in only_stable.valid}

        description = describe_group(fjord.bootstrap, active, admin)
        assert description.state == ConsumerGroupState.STABLE
        assert not description.is_simple_consumer_group
        assert description.partition_assignor == "range"
        assert description.coordinator.id == 1
        [m] = description.members
        assert m.member_id == member.call(lambda k: k.memberid())
        assert m.client_id == "admin-test"
        assert {(tp.topic, tp.partition) for tp in m.assignment.topic_partitions} == {(topic, 0), (topic, 1)}
        description = describe_group(fjord.bootstrap, empty, admin)
        assert description.state == ConsumerGroupState.EMPTY
        assert description.members == []

        # A group with a member cannot be deleted.
        with pytest.raises(KafkaException) as err:
            admin.delete_consumer_groups([active], request_timeout=10)[active].result(timeout=15)
        assert err.value.args[0].name() == "NON_EMPTY_GROUP"

        # Offsets of an empty group can be altered.
        request = ConsumerGroupTopicPartitions(empty, [TopicPartition(topic, 0, 1), TopicPartition(topic, 1, 2)])
        altered = admin.alter_consumer_group_offsets([request], request_timeout=10)[empty].result(timeout=15)
        assert all(tp.error is None for tp in altered.topic_partitions)
        assert committed_offsets(fjord.bootstrap, empty, admin) == {(topic, 0): (1, ""), (topic, 1): (2, "")}
        # ... but not those of a group with members.
        request = ConsumerGroupTopicPartitions(active, [TopicPartition(topic, 0, 1)])
        refused = admin.alter_consumer_group_offsets([request], request_timeout=10)[active].result(timeout=15)
        assert [tp.error.name() for tp in refused.topic_partitions] == ["UNKNOWN_MEMBER_ID"]

        # OffsetDelete (kafka-python; confluent-kafka has no delete_consumer_group_offsets).
        kadmin = KafkaAdminClient(bootstrap_servers=fjord.bootstrap)
        try:
            result = kadmin.delete_group_offsets(empty, [KTopicPartition(topic, 0)])
            assert {tp: e.__name__ for tp, e in result.items()} == {KTopicPartition(topic, 0): "NoError"}
            assert committed_offsets(fjord.bootstrap, empty, admin) == {(topic, 1): (2, "")}
            result = kadmin.delete_group_offsets(active, [KTopicPartition(topic, 0)])
            assert {tp: e.__name__ for tp, e in result.items()} == {KTopicPartition(topic, 0): "GroupSubscribedToTopicError"}
        finally:
            kadmin.close()
        assert committed_offsets(fjord.bootstrap, active, admin) == {(topic, 0): (5, ""), (topic, 1): (5, "")}
    finally:
        member.close()

    # Delete both groups now that they are empty; they are gone from the listing.
    assert describe_group(fjord.bootstrap, active, admin).state == ConsumerGroupState.EMPTY
    futures = admin.delete_consumer_groups([active, empty], request_timeout=10)
    for f in futures.values():
        f.result(timeout=15)
    listed = admin.list_consumer_groups(request_timeout=10).result(timeout=15)
    assert not {active, empty} & {g.group_id for g in listed.valid}
    assert committed_offsets(fjord.bootstrap, empty, admin) == {}
    assert describe_group(fjord.bootstrap, empty, admin).state == ConsumerGroupState.DEAD
