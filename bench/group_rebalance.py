#!/usr/bin/env python3
"""How long a consumer group takes to settle, measured with confluent-kafka (librdkafka).

Starts no broker: point it at one with --bootstrap. On a fresh topic of 12 partitions
(--partitions) it times, --runs times each, in a new group each run:

  (a) from nothing: 6 consumers (--consumers) subscribe at once; the clock runs from
      creating the first of them until every consumer's last rebalance callback is an assignment,
      each has 2 partitions and together they own all 12;
  (b) a join: 5 consumers form a stable group, then a 6th subscribes; the clock runs from
      creating it until the same condition holds for all 6.

The broker's `group.initial.rebalance.delay.ms` delays (a), as Kafka's does (a new group
waits that long for more members), but not (b). In (b) the members already there hear of
the rebalance in a heartbeat response, so expect up to one `heartbeat.interval.ms` on top.
Pass the broker's delay as --broker-delay-ms: it is only printed, for reference.

    ~/.cache/fjord-venv/bin/python bench/group_rebalance.py --bootstrap 127.0.0.1:9092 --broker-delay-ms 3000

Prints one line per measurement and a summary (median, min, max), in seconds.
"""

import argparse
import statistics
import threading
import time
import uuid

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic


class Member:
    """A subscribed consumer polled by its own thread; keeps its current assignment."""

    def __init__(self, config, topic):
        self.incremental = config.get("group.protocol") == "consumer"
        self.lock = threading.Lock()
        self.assigned = None  # None: revoked, or not assigned yet
        self.consumer = Consumer(config)
        self.stop = threading.Event()
        self.consumer.subscribe([topic], on_assign=self._on_assign, on_revoke=self._on_revoke)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _on_assign(self, consumer, partitions):
        if self.incremental:
            return
        with self.lock:
            self.assigned = frozenset(tp.partition for tp in partitions)

    def _on_revoke(self, consumer, partitions):
        if self.incremental:
            return
        with self.lock:
            self.assigned = None

    def _run(self):
        while not self.stop.is_set():
            self.consumer.poll(0.05)
            if self.incremental:
                # Incremental protocols report deltas in the callbacks: read the whole set.
                owned = frozenset(tp.partition for tp in self.consumer.assignment())
                with self.lock:
                    self.assigned = owned
        self.consumer.close()

    def current(self):
        with self.lock:
            return self.assigned

    def close(self):
        self.stop.set()
        self.thread.join(timeout=60)


def settled(members, partitions):
    owned = [m.current() for m in members]
    if any(o is None for o in owned):
        return False
    per_member = partitions // len(members)
    return all(len(o) == per_member for o in owned) and sorted(p for o in owned for p in o) == list(range(partitions))


def wait_settled(members, partitions, timeout):
    deadline = time.monotonic() + timeout
    while not settled(members, partitions):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not settled in {timeout} s: {[m.current() for m in members]}")
        time.sleep(0.005)
    return time.monotonic()


def wait_stable(members, partitions, timeout):
    """Every member assigned and every partition owned once (any split)."""
    deadline = time.monotonic() + timeout
    while True:
        owned = [m.current() for m in members]
        if all(o is not None for o in owned) and sorted(p for o in owned for p in o) == list(range(partitions)):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"not stable in {timeout} s: {owned}")
        time.sleep(0.005)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--broker-delay-ms", type=int, required=True,
                        help="the broker's group.initial.rebalance.delay.ms (printed for reference)")
    parser.add_argument("--consumers", type=int, default=6)
    parser.add_argument("--partitions", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--session-timeout-ms", type=int, default=45000, help="librdkafka's default")
    parser.add_argument("--heartbeat-ms", type=int, default=3000, help="librdkafka's default")
    parser.add_argument("--group-protocol", choices=["classic", "consumer"], default="classic",
                        help="consumer = KIP-848 (session and heartbeat are then the broker's "
                             "group.consumer.* settings)")
    parser.add_argument("--timeout", type=float, default=120, help="give up on a measurement after this many s")
    args = parser.parse_args()
    if args.partitions % args.consumers:
        parser.error("--partitions must be a multiple of --consumers")

    topic = f"bench-rebalance-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": args.bootstrap})
    admin.create_topics([NewTopic(topic, args.partitions, 1)])[topic].result(timeout=30)

    def config(group):
        common = {"bootstrap.servers": args.bootstrap, "group.id": group, "enable.auto.commit": False}
        if args.group_protocol == "consumer":
            return {**common, "group.protocol": "consumer"}
        return {**common, "session.timeout.ms": args.session_timeout_ms, "heartbeat.interval.ms": args.heartbeat_ms}

    print(f"broker group.initial.rebalance.delay.ms={args.broker_delay_ms} consumers={args.consumers} "
          f"partitions={args.partitions} session.timeout.ms={args.session_timeout_ms} "
          f"heartbeat.interval.ms={args.heartbeat_ms} group.protocol={args.group_protocol} runs={args.runs}",
          flush=True)

    cold, join = [], []
    for run in range(args.runs):
        group = f"bench-cold-{uuid.uuid4().hex[:8]}"
        start = time.monotonic()
        members = [Member(config(group), topic) for _ in range(args.consumers)]
        try:
            cold.append(wait_settled(members, args.partitions, args.timeout) - start)
        finally:
            for m in members:
                m.close()
        print(f"run {run + 1}: (a) {args.consumers} subscribe at once -> settled in {cold[-1]:.3f} s", flush=True)

        group = f"bench-join-{uuid.uuid4().hex[:8]}"
        members = [Member(config(group), topic) for _ in range(args.consumers - 1)]
        try:
            wait_stable(members, args.partitions, args.timeout)
            start = time.monotonic()
            members.append(Member(config(group), topic))
            join.append(wait_settled(members, args.partitions, args.timeout) - start)
        finally:
            for m in members:
                m.close()
        print(f"run {run + 1}: (b) consumer {args.consumers} joins a stable group of {args.consumers - 1} "
              f"-> settled in {join[-1]:.3f} s", flush=True)

    admin.delete_topics([topic])[topic].result(timeout=30)
    for label, values in (("(a) from nothing", cold), ("(b) one joins", join)):
        print(f"{label}: median {statistics.median(values):.3f} s, min {min(values):.3f} s, max {max(values):.3f} s "
              f"(broker group.initial.rebalance.delay.ms={args.broker_delay_ms})")


if __name__ == "__main__":
    main()
