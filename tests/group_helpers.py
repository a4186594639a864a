"""Helpers for the consumer group tests (`test_consumer_groups.py`).

- `wait_until`: poll a condition with a deadline instead of sleeping.
- `ThreadedConsumer`: a confluent-kafka consumer in a group, polled by a thread of its own,
  that records the records it gets and its rebalance callbacks. Several of them can share a
  group in one test process (a consumer that is not polled holds up every rebalance).
- `MemberProcess`: a group member run as its own OS process (this file, run as a script:
  `python group_helpers.py member ...`), printing JSON lines, so that a test can `kill -9` it.
- `describe_group`, `committed_offsets`: AdminClient shortcuts.
"""

import argparse
import json
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient


def wait_until(predicate, timeout, interval=0.1, message=""):
    """Calls `predicate` until it returns something truthy (returned) or `timeout` seconds pass."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            detail = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout} s: {detail}")
        time.sleep(interval)


def describe_group(bootstrap, group, admin=None):
    admin = admin or AdminClient({"bootstrap.servers": bootstrap})
    return admin.describe_consumer_groups([group], request_timeout=10)[group].result(timeout=15)


def member_assignments(description):
    """{member_id: frozenset of (topic, partition)} from a ConsumerGroupDescription."""
    return {
        m.member_id: frozenset((tp.topic, tp.partition) for tp in m.assignment.topic_partitions)
        for m in description.members
    }


def committed_offsets(bootstrap, group, admin=None):
    """{(topic, partition): (offset, metadata)} of everything the group has committed.

    librdkafka reports an empty metadata string as None; it is given here as "" (what Kafka
    stores for a commit without metadata)."""
    admin = admin or AdminClient({"bootstrap.servers": bootstrap})
    result = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)], request_timeout=10)
    tps = result[group].result(timeout=15).topic_partitions
    for tp in tps:
        if tp.error is not None:
            raise KafkaException(tp.error)
    return {(tp.topic, tp.partition): (tp.offset, tp.metadata or "") for tp in tps}


class ThreadedConsumer:
    """A subscribed confluent-kafka consumer polled by its own thread.

    `records` holds (partition, offset, key, value) in arrival order; `events` holds
    ("assign" | "revoke" | "lost", frozenset of partitions, time). Calls that must run
    on the polling thread (commit, close) go through `call`.
    """

    def __init__(self, config, topics, name="consumer"):
        self.name = name
        self.lock = threading.Lock()
        self.records = []
        self.events = []
        self.errors = []
        self.consumer = Consumer(config)
        self.consumer.subscribe(topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost)
        self._calls = queue.Queue()
        self._stop = threading.Event()
        self._paused = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)
        self.thread.start()

    def _event(self, kind, partitions):
        with self.lock:
            self.events.append((kind, frozenset(tp.partition for tp in partitions), time.time()))

    def _on_assign(self, consumer, partitions):
        self._event("assign", partitions)

    def _on_revoke(self, consumer, partitions):
        self._event("revoke", partitions)

    def _on_lost(self, consumer, partitions):
        self._event("lost", partitions)

    def _run(self):
        try:
            while not self._stop.is_set():
                while not self._calls.empty():
                    fn, result = self._calls.get()
                    try:
                        result.put((True, fn(self.consumer)))
                    except Exception as e:  # handed back to the caller
                        result.put((False, e))
                msg = self.consumer.poll(0.05)
                if msg is None:
                    continue
                if msg.error():
                    with self.lock:
                        self.errors.append(msg.error())
                    continue
                with self.lock:
                    self.records.append((msg.partition(), msg.offset(), msg.key(), msg.value()))
        finally:
            self.consumer.close()

    def call(self, fn, timeout=30):
        """Runs fn(consumer) on the polling thread; returns its result or raises its exception."""
        result = queue.Queue()
        self._calls.put((fn, result))
        ok, value = result.get(timeout=timeout)
        if not ok:
            raise value
        return value

    @property
    def assigned(self):
        """The partitions of the last assign callback, or None while revoked / before one."""
        with self.lock:
            if not self.events or self.events[-1][0] != "assign":
                return None
            return self.events[-1][1]

    def assign_count(self):
        with self.lock:
            return sum(1 for kind, _, _ in self.events if kind == "assign")

    def rebalance_events(self):
        with self.lock:
            return list(self.events)

    def got(self):
        with self.lock:
            return list(self.records)

    def close(self):
        """Stops polling and closes the consumer (a clean close: LeaveGroup for dynamic members)."""
        if self.thread.is_alive():
            self._stop.set()
            self.thread.join(timeout=30)
            assert not self.thread.is_alive(), f"{self.name} did not close"


def stable_assignment(consumers, partitions):
    """True when every consumer's last callback is an assign and together they own each of
    `partitions` exactly once."""
    owned = [c.assigned for c in consumers]
    if any(o is None for o in owned):
        return False
    return sorted(p for o in owned for p in o) == sorted(partitions)


class MemberProcess:
    """`python group_helpers.py member ...` as a child process; parses its JSON lines."""

    def __init__(self, bootstrap, group, topic, name, session_timeout_ms=6000, heartbeat_ms=500, instance_id=None):
        self.name = name
        args = [
            sys.executable, str(Path(__file__).resolve()), "member",
            "--bootstrap", bootstrap, "--group", group, "--topic", topic, "--name", name,
            "--session-timeout-ms", str(session_timeout_ms), "--heartbeat-ms", str(heartbeat_ms),
        ]
        if instance_id:
            args += ["--instance-id", instance_id]
        self.lock = threading.Lock()
        self.events = []
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self._stderr = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.err_reader = threading.Thread(target=self._read_err, daemon=True)
        self.err_reader.start()

    def _read(self):
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            event["at"] = time.time()
            with self.lock:
                self.events.append(event)

    def _read_err(self):
        for line in self.process.stderr:
            self._stderr.append(line)

    def stderr(self):
        return "".join(self._stderr[-50:])

    def of_kind(self, kind):
        with self.lock:
            return [e for e in self.events if e["event"] == kind]

    @property
    def assigned(self):
        with self.lock:
            rebalances = [e for e in self.events if e["event"] in ("assign", "revoke", "lost")]
        if not rebalances or rebalances[-1]["event"] != "assign":
            return None
        return frozenset(rebalances[-1]["partitions"])

    def assign_count(self):
        return len(self.of_kind("assign"))

    def records(self):
        """[(partition, offset, value)] in arrival order."""
        return [(e["p"], e["o"], e["v"]) for e in self.of_kind("record")]

    def last_commits(self):
        """{partition: offset} of the last successful commit per partition."""
        last = {}
        for e in self.of_kind("commit"):
            for p, o in e["offsets"].items():
                last[int(p)] = o
        return last

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self, timeout=30):
        """SIGTERM: the member closes its consumer (commit, LeaveGroup) and exits."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(timeout=10)
        return self.process.returncode


def run_member(args):
    """A group member: subscribes, prints each assignment, record and successful commit as a
    JSON line, commits its position (synchronously) every 100 ms and before a revocation, and
    closes cleanly on SIGTERM."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = {
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "client.id": args.name,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": args.session_timeout_ms,
        "heartbeat.interval.ms": args.heartbeat_ms,
    }
    if args.instance_id:
        config["group.instance.id"] = args.instance_id
    consumer = Consumer(config)
    positions, committed = {}, {}
    owned = set()

    def emit(**event):
        print(json.dumps(event), flush=True)

    def commit():
        todo = {p: o for p, o in positions.items() if p in owned and committed.get(p) != o}
        if not todo:
            return
        try:
            consumer.commit(offsets=[TopicPartition(args.topic, p, o) for p, o in todo.items()], asynchronous=False)
        except KafkaException as e:
            emit(event="commit_error", error=str(e.args[0]), offsets=todo)
            return
        committed.update(todo)
        emit(event="commit", offsets=todo)

    def on_assign(c, partitions):
        owned.clear()
        owned.update(tp.partition for tp in partitions)
        emit(event="assign", partitions=sorted(owned))

    def on_revoke(c, partitions):
        commit()
        emit(event="revoke", partitions=sorted(tp.partition for tp in partitions))
        owned.clear()
        positions.clear()  # another member may move them on before they come back
        committed.clear()

    def on_lost(c, partitions):
        emit(event="lost", partitions=sorted(tp.partition for tp in partitions))
        owned.clear()
        positions.clear()
        committed.clear()

    consumer.subscribe([args.topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_lost)
    last_commit = time.time()
    while not stop.is_set():
        msg = consumer.poll(0.05)
        if msg is not None:
            if msg.error():
                emit(event="error", error=str(msg.error()))
            else:
                positions[msg.partition()] = msg.offset() + 1
                emit(event="record", p=msg.partition(), o=msg.offset(), v=msg.value().decode())
        if time.time() - last_commit >= 0.1:
            commit()
            last_commit = time.time()
    commit()
    consumer.close()
    emit(event="closed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    member = sub.add_parser("member")
    member.add_argument("--bootstrap", required=True)
    member.add_argument("--group", required=True)
    member.add_argument("--topic", required=True)
    member.add_argument("--name", default="member")
    member.add_argument("--session-timeout-ms", type=int, default=6000)
    member.add_argument("--heartbeat-ms", type=int, default=500)
    member.add_argument("--instance-id")
    run_member(parser.parse_args())
