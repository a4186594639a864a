"""Bad bytes from the network never take the broker down: each bad connection is
closed (or answered with an error), and everyone else carries on."""

import socket
import struct

from confluent_kafka import Producer

from test_broker_basics import create_topic, topic_name


def send_raw(bootstrap, payload, read=True):
    host, port = bootstrap.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(payload)
        if not read:
            return b""
        s.settimeout(3)
        data = b""
        try:
            while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
        return data


def frame(body):
    return struct.pack(">i", len(body)) + body


def header(api_key, version, correlation_id=7, client_id=b"evil"):
    return struct.pack(">hhih", api_key, version, correlation_id, len(client_id)) + client_id


def test_hostile_frames_close_only_their_connection(fjord):
    hostile = [
        struct.pack(">i", -5),                                   # negative size
        struct.pack(">i", 200 * 1024 * 1024),                    # larger than socket.request.max.bytes
        frame(b"\x00"),                                          # shorter than a header
        frame(header(9999, 0)),                                  # unknown API key
        frame(header(3, 999)),                                   # unknown Metadata version
        frame(header(3, 4) + struct.pack(">i", 0x7FFFFFFF)),     # array length far beyond the frame
        frame(header(3, 9) + b"\xff\xff\xff\xff\x0f"),           # compact array length overflow
        frame(header(0, 7) + b"\xff\xff\x00\x01\x00\x00\x03\xe8" + struct.pack(">i", 1) + b"\x00\x01t"
              + struct.pack(">i", 1) + struct.pack(">i", 0) + struct.pack(">i", 0x7FFFFFF0)),  # records length lies
        frame(header(18, 3) + b"\xff\xff\xff\xff\xff"),          # ApiVersions v3 with a bad varint
        b"\x00\x00\x00\x10" + b"\x00" * 8,                       # truncated frame, then EOF
    ]
    for payload in hostile:
        send_raw(fjord.bootstrap, payload)
    # ApiVersions with an unknown version is answered (KIP-511), not dropped.
    answer = send_raw(fjord.bootstrap, frame(header(18, 99)))
    assert len(answer) >= 10
    size, correlation_id, error_code = struct.unpack(">iih", answer[:10])
    assert correlation_id == 7 and error_code == 35  # UNSUPPORTED_VERSION
    # And the broker still serves a real client.
    name = topic_name("after-hostile")
    create_topic(fjord.bootstrap, name)
    producer = Producer({"bootstrap.servers": fjord.bootstrap})
    producer.produce(name, b"still alive")
    assert producer.flush(10) == 0


def test_corrupt_batch_is_refused_with_corrupt_message(fjord):
    name = topic_name("corrupt")
    create_topic(fjord.bootstrap, name)
    # A v2 batch with one record whose CRC is wrong.
    record = b"\x10\x00\x00\x00\x02\x78\x06abc\x00"
    body = struct.pack(">ibIhiqqqhii", 0, 2, 0xDEADBEEF, 0, 0, 0, 0, -1, -1, -1, 1) + record
    batch = struct.pack(">qi", 0, len(body)) + body
    topic = name.encode()
    request = (header(0, 7) + b"\xff\xff" + struct.pack(">hi", -1, 5000) + struct.pack(">i", 1)
               + struct.pack(">h", len(topic)) + topic + struct.pack(">i", 1) + struct.pack(">i", 0)
               + struct.pack(">i", len(batch)) + batch)
    answer = send_raw(fjord.bootstrap, frame(request))
    assert answer, "a corrupt batch gets an answer, not a closed connection"
    # ...[size][corr][topics=1][name][partitions=1][index][error_code]...
    offset = 4 + 4 + 4 + 2 + len(topic) + 4 + 4
    (error_code,) = struct.unpack(">h", answer[offset:offset + 2])
    assert error_code == 2  # CORRUPT_MESSAGE
