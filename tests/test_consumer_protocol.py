"""Consumer groups on KIP-848's consumer protocol (`group.protocol=consumer`), driven by
confluent-kafka (librdkafka 2.16), the client that speaks it: server-side assignment,
member epochs and incremental revocation, with the seeds' scenarios.

The server runs with a short heartbeat interval and session timeout (both broker-side
settings under this protocol) so rebalances and expiries take seconds.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from conftest import FjordServer
from test_broker_basics import create_topic, produce, topic_name

SESSION_MS = 6000
OVERRIDES = [
    "group.consumer.heartbeat.interval.ms=500",
    f"group.consumer.session.timeout.ms={SESSION_MS}",
]


@pytest.fixture(scope="module")
def kip848(tmp_path_factory):
    server = FjordServer(tmp_path_factory.mktemp("kip848") / "data", OVERRIDES).start()
    yield server
    server.stop()


def consumer(bootstrap, group, **config):
    return Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "group.protocol": "consumer",
        "auto.offset.reset": "earliest",
        **config,
    })


def poll_until(consumers, done, timeout=30, on_message=None):
    """Polls every consumer until `done()`; returns whether it came true."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for c in consumers:
            msg = c.poll(0.1)
            if msg is not None and not msg.error() and on_message:
                on_message(c, msg)
        if done():
            return True
    return False


def partitions_of(c):
    return sorted(tp.partition for tp in c.assignment())


def keyed(n, prefix="k"):
    return [(f"{prefix}{i}", f"v{i}") for i in range(n)]


def test_three_groups_each_receive_every_record(kip848):
    topic = topic_name("kip848-fanout")
    create_topic(kip848.bootstrap, topic, partitions=3)
    produce(kip848.bootstrap, topic, keyed(150))
    for group in ("inventory", "analytics", "audit"):
        c = consumer(kip848.bootstrap, f"{group}-{topic}")
        c.subscribe([topic])
        seen = set()
        poll_until([c], lambda: len(seen) == 150, on_message=lambda _, m: seen.add((m.partition(), m.offset())))
        c.close()
        assert len(seen) == 150, f"group {group} saw {len(seen)} of 150"


def test_more_consumers_than_partitions_leaves_one_idle(kip848):
    topic = topic_name("kip848-idle")
    create_topic(kip848.bootstrap, topic, partitions=2)
    solo = consumer(kip848.bootstrap, f"a-{topic}")
    solo.subscribe([topic])
    assert poll_until([solo], lambda: partitions_of(solo) == [0, 1])
    solo.close()

    group = f"b-{topic}"
    members = [consumer(kip848.bootstrap, group, **{"client.id": f"m{i}"}) for i in range(3)]
    for c in members:
        c.subscribe([topic])

    def settled():
        counts = sorted(len(partitions_of(c)) for c in members)
        return counts == [0, 1, 1]

    assert poll_until(members, settled), [partitions_of(c) for c in members]
    admin = AdminClient({"bootstrap.servers": kip848.bootstrap})  # kept alive until the result
    described = admin.describe_consumer_groups([group])[group].result(timeout=15)
    assert len(described.members) == 3, "the idle member stays in the group"
    assignments = sorted(len(m.assignment.topic_partitions) for m in described.members)
    assert assignments == [0, 1, 1]
    assert str(described.state).endswith("STABLE")
    for c in members:
        c.close()


CONSOLE_CONSUMER = textwrap.dedent("""
    import json, sys
    from confluent_kafka import Consumer
    bootstrap, group, topic = sys.argv[1:4]
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "group.protocol": "consumer",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    last = None
    while True:
        msg = c.poll(0.2)
        parts = sorted(tp.partition for tp in c.assignment())
        if parts != last:
            print(json.dumps({"assigned": parts}), flush=True)
            last = parts
        if msg is not None and not msg.error():
            print(json.dumps({"record": [msg.partition(), msg.offset()]}), flush=True)
            c.commit(msg, asynchronous=False)
""")


class ConsoleConsumer:
    """A consumer in its own process, so it can be killed without leaving the group."""

    def __init__(self, bootstrap, group, topic, script):
        self.proc = subprocess.Popen(
            [sys.executable, str(script), bootstrap, group, topic],
            stdout=subprocess.PIPE, text=True, bufsize=1,
        )
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.assigned, self.records = [], []

    def drain(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return
            event = json.loads(line)
            if "assigned" in event:
                self.assigned = event["assigned"]
            else:
                self.records.append(tuple(event["record"]))

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=15)


def test_console_consumers_join_one_by_one_and_survive_a_kill(kip848, tmp_path):
    topic = topic_name("kip848-console")
    group = f"console-{topic}"
    create_topic(kip848.bootstrap, topic, partitions=3)
    script = tmp_path / "console_consumer.py"
    script.write_text(CONSOLE_CONSUMER)
    produced = produce(kip848.bootstrap, topic, keyed(60))
    expected = {(m.partition(), m.offset()) for _, m in produced}
    members = []
    try:
        for n in range(1, 5):
            members.append(ConsoleConsumer(kip848.bootstrap, group, topic, script))

            def balanced():
                for m in members:
                    m.drain()
                owned = [p for m in members for p in m.assigned]
                fair_share = -(-3 // len(members))
                return sorted(owned) == [0, 1, 2] and max(len(m.assigned) for m in members) <= fair_share

            deadline = time.time() + 30
            while not balanced() and time.time() < deadline:
                time.sleep(0.2)
            assert balanced(), f"after {n} joined: {[m.assigned for m in members]}"
        victim = next(m for m in members if m.assigned)
        moved = set(victim.assigned)
        victim.stop(signal.SIGKILL)
        more = produce(kip848.bootstrap, topic, keyed(60, "after"))
        expected |= {(m.partition(), m.offset()) for _, m in more}
        survivors = [m for m in members if m is not victim]
        deadline = time.time() + SESSION_MS / 1000 + 15
        while time.time() < deadline:
            for m in survivors:
                m.drain()
            owned = sorted(p for m in survivors for p in m.assigned)
            consumed = {r for m in members for r in m.records}
            if owned == [0, 1, 2] and expected <= consumed:
                break
            time.sleep(0.2)
        owned = sorted(p for m in survivors for p in m.assigned)
        assert owned == [0, 1, 2], f"partitions {moved} did not move: {[m.assigned for m in survivors]}"
        consumed = {r for m in members for r in m.records}
        assert expected <= consumed, f"lost {sorted(expected - consumed)[:10]}"
    finally:
        for m in members:
            m.stop()


def test_commits_resume_after_consumer_and_broker_restart(fresh_fjord):
    server = fresh_fjord(OVERRIDES).start()
    topic = topic_name("kip848-commit")
    group = f"g-{topic}"
    create_topic(server.bootstrap, topic, partitions=1)
    produce(server.bootstrap, topic, keyed(30))
    committed_callbacks = []
    c = consumer(server.bootstrap, group, **{
        "enable.auto.commit": False,
        "on_commit": lambda err, parts: committed_callbacks.append((err, parts)),
    })
    c.subscribe([topic])
    got = []
    poll_until([c], lambda: len(got) == 20, on_message=lambda _, m: got.append(m) if len(got) < 20 else None)
    assert len(got) == 20
    c.commit(message=got[9], asynchronous=False)  # offset 10 committed synchronously
    c.commit(message=got[14], asynchronous=True)  # offset 15 asynchronously
    assert poll_until([c], lambda: committed_callbacks, timeout=10)
    err, parts = committed_callbacks[0]
    assert err is None and parts[0].offset == 15
    c.close()

    server.stop()
    server.start()

    c = consumer(server.bootstrap, group, **{"enable.auto.commit": False})
    c.subscribe([topic])
    resumed = []
    poll_until([c], lambda: len(resumed) == 15, on_message=lambda _, m: resumed.append(m.offset()))
    c.close()
    assert resumed == list(range(15, 30))


def test_static_member_gets_its_partitions_back_without_a_rebalance(kip848):
    topic = topic_name("kip848-static")
    group = f"static-{topic}"
    create_topic(kip848.bootstrap, topic, partitions=4)
    events = []
    stay = consumer(kip848.bootstrap, group, **{"group.instance.id": "stay"})
    stay.subscribe([topic], on_assign=lambda c, p: events.append("assign"), on_revoke=lambda c, p: events.append("revoke"))
    away = consumer(kip848.bootstrap, group, **{"group.instance.id": "away"})
    away.subscribe([topic])
    assert poll_until([stay, away], lambda: len(partitions_of(stay)) == 2 and len(partitions_of(away)) == 2)
    before = partitions_of(away)
    stay_before = partitions_of(stay)
    events.clear()
    away.close()  # a static member leaves "for now" (member epoch -2)
    # While it is away its partitions stay reserved for it: nobody else gets them.
    poll_until([stay], lambda: False, timeout=2)
    assert partitions_of(stay) == stay_before
    assert events == [], f"the staying member was rebalanced while the static one was away: {events}"
    back = consumer(kip848.bootstrap, group, **{"group.instance.id": "away"})
    back.subscribe([topic])
    assert poll_until([stay, back], lambda: partitions_of(back) == before, timeout=20)
    poll_until([stay, back], lambda: False, timeout=2)
    assert partitions_of(stay) == stay_before
    assert "revoke" not in events, f"the staying member was rebalanced: {events}"
    stay.close()
    back.close()


def test_group_and_offsets_survive_a_broker_kill(fresh_fjord):
    server = fresh_fjord(OVERRIDES).start()
    topic = topic_name("kip848-kill")
    group = f"g-{topic}"
    create_topic(server.bootstrap, topic, partitions=2)
    produce(server.bootstrap, topic, [("a", "1", 0), ("b", "2", 0), ("c", "3", 1)])
    c = consumer(server.bootstrap, group, **{"enable.auto.commit": False})
    c.subscribe([topic])
    got = []
    poll_until([c], lambda: len(got) == 3, on_message=lambda _, m: got.append(m))
    c.commit(asynchronous=False)
    c.close()

    server.kill()
    server.start()

    admin = AdminClient({"bootstrap.servers": server.bootstrap})
    deadline = time.time() + 20
    listed = []
    while time.time() < deadline:
        try:
            listed = [g.group_id for g in admin.list_consumer_groups().result().valid]
        except KafkaException:
            listed = []
        if group in listed:
            break
        time.sleep(0.5)
    assert group in listed
    from confluent_kafka import ConsumerGroupTopicPartitions
    offsets = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result()
    assert sorted((tp.partition, tp.offset) for tp in offsets.topic_partitions) == [(0, 2), (1, 1)]


def test_latest_and_seek_read_strategies(kip848):
    topic = topic_name("kip848-read")
    create_topic(kip848.bootstrap, topic, partitions=1)
    produce(kip848.bootstrap, topic, keyed(10, "old"))
    latest = consumer(kip848.bootstrap, f"latest-{topic}", **{"auto.offset.reset": "latest"})
    latest.subscribe([topic])
    assert poll_until([latest], lambda: partitions_of(latest) == [0])
    # Give the consumer time to resolve "latest" to the end before anything new is written.
    poll_until([latest], lambda: False, timeout=2)
    produce(kip848.bootstrap, topic, keyed(5, "new"))
    got = []
    poll_until([latest], lambda: len(got) == 5, on_message=lambda _, m: got.append(m.key().decode()))
    latest.close()
    assert got == [f"new{i}" for i in range(5)]

    seeker = consumer(kip848.bootstrap, f"seek-{topic}")
    seeker.subscribe([topic])
    assert poll_until([seeker], lambda: partitions_of(seeker) == [0])
    seeker.seek(TopicPartition(topic, 0, 7))
    seen = []
    poll_until([seeker], lambda: len(seen) >= 8, on_message=lambda _, m: seen.append(m.offset()))
    seeker.close()
    assert seen[:8] == list(range(7, 15))


def test_pattern_subscription_follows_new_topics(kip848):
    prefix = topic_name("kip848-rx")
    create_topic(kip848.bootstrap, f"{prefix}-eu", partitions=1)
    create_topic(kip848.bootstrap, f"{prefix}-us", partitions=1)
    create_topic(kip848.bootstrap, f"other-{prefix}", partitions=1)
    c = consumer(kip848.bootstrap, f"rx-{prefix}")
    c.subscribe([f"^{prefix}-.*"])  # librdkafka sends it as the KIP-848 regex

    def topics():
        return sorted({tp.topic for tp in c.assignment()})

    assert poll_until([c], lambda: topics() == [f"{prefix}-eu", f"{prefix}-us"]), topics()
    create_topic(kip848.bootstrap, f"{prefix}-ap", partitions=1)
    produce(kip848.bootstrap, f"{prefix}-ap", [("k", "v")])
    got = []
    poll_until([c], lambda: got, on_message=lambda _, m: got.append(m.topic()))
    c.close()
    assert got == [f"{prefix}-ap"]
