"""`fjord topics` / `kafka-topics` replaying the seeds' CLI sessions (seed 002's topic
lifecycle, seed 004's three-partition topic and its replication-factor error) with
output compared to what Kafka's tool prints."""

import os
import re
import subprocess

from conftest import FJORD
from test_broker_basics import produce, topic_name


def topics(server, *args, tool=None):
    argv = [str(tool)] if tool else [str(FJORD), "topics"]
    done = subprocess.run(
        argv + ["--bootstrap-server", server.bootstrap, *args],
        capture_output=True, text=True, timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


def test_create_list_delete_as_in_seed_002(fjord):
    name = topic_name("my-first-topic")
    assert topics(fjord, "--create", "--topic", name, "--partitions", "1", "--replication-factor", "1") == (
        0, f"Created topic {name}.\n", "")
    code, out, _ = topics(fjord, "--list")
    assert code == 0 and name in out.splitlines()
    # Delete is silent when it succeeds.
    assert topics(fjord, "--delete", "--topic", name) == (0, "", "")
    code, out, _ = topics(fjord, "--list")
    assert name not in out.splitlines()


def test_describe_table_and_alter_partitions_after_data(fjord):
    name = topic_name("first_topic")
    topics(fjord, "--create", "--topic", name, "--partitions", "3", "--config", "retention.ms=86400000")
    code, out, _ = topics(fjord, "--describe", "--topic", name)
    assert code == 0
    lines = out.splitlines()
    assert re.fullmatch(
        rf"Topic: {name}\tTopicId: [A-Za-z0-9_-]{{22}}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=86400000",
        lines[0],
    ), lines[0]
    assert lines[1:] == [
        f"\tTopic: {name}\tPartition: {p}\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: " for p in range(3)
    ]
    produce(fjord.bootstrap, name, [("k", "v", 0)])
    assert topics(fjord, "--alter", "--topic", name, "--partitions", "5")[0] == 0
    code, out, _ = topics(fjord, "--describe", "--topic", name)
    assert "PartitionCount: 5" in out.splitlines()[0]
    assert len(out.splitlines()) == 6


def test_errors_use_kafka_wording_and_exit_1(fjord):
    name = topic_name("rf-two")
    code, out, err = topics(fjord, "--create", "--topic", name, "--replication-factor", "2")
    assert (code, out) == (1, "")
    assert err == "Error while executing topic command : Replication factor: 2 larger than available brokers: 1.\n"
    topics(fjord, "--create", "--topic", name)
    code, _, err = topics(fjord, "--create", "--topic", name)
    assert code == 1 and f"Topic '{name}' already exists." in err
    assert topics(fjord, "--create", "--topic", name, "--if-not-exists")[0] == 0
    code, _, err = topics(fjord, "--describe", "--topic", "no-such-topic")
    assert code == 1 and "Topic 'no-such-topic' does not exist as expected" in err
    assert topics(fjord, "--delete", "--topic", "no-such-topic", "--if-exists")[0] == 0


def test_kafka_topics_alias_link_lists(fjord, tmp_path):
    link = tmp_path / "kafka-topics.sh"
    os.symlink(FJORD, link)
    name = topic_name("via-alias")
    topics(fjord, "--create", "--topic", name)
    code, out, _ = topics(fjord, "--list", "--exclude-internal", tool=link)
    assert code == 0 and name in out.splitlines()
    assert not any(line.startswith("__") for line in out.splitlines())


def test_broker_api_versions_lists_each_api_in_kafka_format(fjord):
    done = subprocess.run(
        [str(FJORD), "broker-api-versions", "--bootstrap-server", fjord.bootstrap],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert re.fullmatch(r"127\.0\.0\.1:\d+ \(id: 1 rack: null\) -> \(", lines[0]), lines[0]
    assert lines[-1] == ")"
    apis = lines[1:-1]
    assert apis[0] == "\tProduce(0): 3 to 11 [usable: 11],"
    assert "\tApiVersions(18): 0 to 4 [usable: 4]," in apis
    assert any(line.startswith("\tJoinGroup(11): ") for line in apis)
    keys = [int(re.search(r"\((\d+)\)", line).group(1)) for line in apis]
    assert keys == sorted(keys)
    assert all(line.endswith(",") for line in apis[:-1]) and not apis[-1].endswith(",")


def test_install_aliases_makes_kafka_tool_names_work(fjord, tmp_path):
    bin_dir = tmp_path / "bin"
    done = subprocess.run([str(FJORD), "install-aliases", str(bin_dir)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    for name in ("kafka-topics", "kafka-topics.sh", "kafka-broker-api-versions.sh", "kafka-dump-log"):
        assert (bin_dir / name).is_symlink()
    code, out, _ = topics(fjord, "--list", tool=bin_dir / "kafka-topics")
    assert code == 0
    # Running it twice replaces the links rather than failing.
    again = subprocess.run([str(FJORD), "install-aliases", str(bin_dir)], capture_output=True, text=True, timeout=30)
    assert again.returncode == 0, again.stderr


def console_producer(server, topic, lines, *args):
    return subprocess.run(
        [str(FJORD), "console-producer", "--bootstrap-server", server.bootstrap, "--topic", topic, *args],
        input="".join(f"{line}\n" for line in lines), capture_output=True, text=True, timeout=60,
    )


def test_console_producer_lines_and_keys_as_kafka_places_them(fjord):
    from kafka.partitioner.default import murmur2
    from test_broker_basics import consume_all, create_topic

    plain = topic_name("console-plain")
    create_topic(fjord.bootstrap, plain, partitions=1)
    lines = ["hello from producer", "hi my name is basanth", "learning kafka is awesome!"]
    done = console_producer(fjord, plain, lines, "--producer-property", "acks=all")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert [m.value().decode() for m in consume_all(fjord.bootstrap, plain, 1, 3)] == lines

    keyed = topic_name("console-keyed")
    create_topic(fjord.bootstrap, keyed, partitions=3)
    pairs = [(f"user{i}", f"event{i}") for i in range(30)]
    done = console_producer(
        fjord, keyed, [f"{k}:{v}" for k, v in pairs],
        "--property", "parse.key=true", "--property", "key.separator=:", "--sync",
    )
    assert done.returncode == 0, done.stderr
    seen = consume_all(fjord.bootstrap, keyed, 3, 30)
    assert sorted((m.key().decode(), m.value().decode()) for m in seen) == sorted(pairs)
    for m in seen:
        # Kafka's default partitioner: murmur2 of the key, made positive, mod partitions.
        assert m.partition() == (murmur2(m.key()) & 0x7FFFFFFF) % 3

    bad = console_producer(fjord, keyed, ["no-separator-here"], "--property", "parse.key=true")
    assert bad.returncode == 1
    assert "No key separator found on line number 1: 'no-separator-here'" in bad.stderr
