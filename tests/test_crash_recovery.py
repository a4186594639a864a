"""`kill -9` under load: every acknowledged `acks=all` record survives, once, in order."""

import threading
import time
import uuid

from confluent_kafka import Producer

from test_broker_basics import consume_to_end, create_topic


def test_kill_9_under_load_keeps_every_acknowledged_record(fresh_fjord):
    server = fresh_fjord().start()
    name = f"crash-{uuid.uuid4().hex[:8]}"
    create_topic(server.bootstrap, name, partitions=3)
    acked = []
    producer = Producer({
        "bootstrap.servers": server.bootstrap,
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 2,
        "message.timeout.ms": 4000,
        "retry.backoff.ms": 50,
    })

    def on_delivery(err, msg):
        if err is None:
            acked.append((msg.partition(), msg.offset(), msg.key(), msg.value()))

    stop = threading.Event()

    def produce_forever():
        i = 0
        while not stop.is_set():
            try:
                producer.produce(name, key=f"k{i % 10}".encode(), value=f"{i}".encode(), on_delivery=on_delivery)
                i += 1
            except BufferError:
                pass
            producer.poll(0.0005 if i % 200 == 0 else 0)

    thread = threading.Thread(target=produce_forever)
    thread.start()
    deadline = time.time() + 20
    while len(acked) < 3000 and time.time() < deadline:
        time.sleep(0.05)
    server.kill()
    stop.set()
    thread.join(timeout=10)
    producer.flush(15)
    assert len(acked) >= 3000, f"only {len(acked)} records were acknowledged before the kill"

    server.start()
    consumed = consume_to_end(server.bootstrap, name, 3)
    at = {(m.partition(), m.offset()): (m.key(), m.value()) for m in consumed}
    for partition, offset, key, value in acked:
        assert at.get((partition, offset)) == (key, value), f"acknowledged record lost at {partition}/{offset}"
    values = [m.value() for m in consumed]
    assert len(values) == len(set(values)), "a record was written twice"
    for key in {m.key() for m in consumed}:
        sequence = [int(m.value()) for m in consumed if m.key() == key]
        assert sequence == sorted(sequence), f"records of {key!r} out of order"
