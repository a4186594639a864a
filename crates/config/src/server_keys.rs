//! The broker's configuration keys: Kafka's names, types and defaults.
//!
//! Defaults are Kafka 4.x's, except where one node on a laptop needs another value to
//! start with no configuration at all (these say "Fjord:" in their doc): `node.id`,
//! `process.roles`, `controller.listener.names`, `listeners`, `log.dir`, and the
//! replication factors and ISR minimum of the internal topics. The three service
//! listeners are Fjord's own keys (Confluent names each service's key `listeners`).
//!
//! Keys whose default is `None` are Kafka's `null`: unset, their value derived from
//! another key (`log.retention.ms` from `log.retention.minutes` or `.hours`, ...).

use crate::def::ConfigType::{Boolean, Double, Int, List, Long, Short, String as Str};
use crate::def::Validator::{AtLeast, Custom, DoubleBetween, ListOf, OneOf};
use crate::def::{ConfigDef, ConfigKey, ConfigValue, Validator};
use crate::listener::{
    parse_http_listeners, parse_listeners, parse_quorum_voters, parse_security_protocol_map,
};

const LONG_MAX: &str = "9223372036854775807";
const INT_MAX: &str = "2147483647";

/// `cleanup.policy` values.
pub const CLEANUP_POLICIES: &[&str] = &["compact", "delete"];
/// `message.timestamp.type` values.
pub const TIMESTAMP_TYPES: &[&str] = &["CreateTime", "LogAppendTime"];
/// `compression.type` values at the broker and topic level.
pub const COMPRESSION_TYPES: &[&str] =
    &["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"];

/// The broker's configuration definition.
pub const SERVER_CONFIG_DEF: ConfigDef = ConfigDef::new(SERVER_KEYS);

const fn key(
    name: &'static str,
    ty: crate::def::ConfigType,
    default: Option<&'static str>,
    validator: Validator,
    doc: &'static str,
) -> ConfigKey {
    ConfigKey::new(name, ty, default, validator, doc)
}

#[rustfmt::skip]
static SERVER_KEYS: &[ConfigKey] = &[
    // Identity and roles.
    key("node.id", Int, Some("1"), AtLeast(0),
        "The id of this node in the cluster. Fjord: defaults to 1 so that a single node starts unconfigured."),
    key("process.roles", List, Some("broker,controller"), Custom(valid_process_roles),
        "The roles of this node: broker, controller, or both. Fjord: defaults to both (a one-node cluster)."),
    key("controller.quorum.voters", List, Some(""), Custom(valid_quorum_voters),
        "The metadata quorum as id@host:port,... Empty: this node alone is the quorum."),
    key("controller.listener.names", List, Some("CONTROLLER"), Custom(valid_listener_names),
        "Names of the listeners the controller uses. Fjord: defaults to CONTROLLER."),
    key("broker.rack", Str, None, Validator::None,
        "The rack of this broker, for rack-aware replica assignment and fetch-from-follower."),
    // Network.
    key("listeners", List, Some("PLAINTEXT://:9092,CONTROLLER://:9093"), Custom(valid_listeners),
        "Listeners as NAME://host:port,...; an empty host binds every interface, port 0 an ephemeral port."),
    key("advertised.listeners", List, None, Custom(valid_listeners),
        "Listeners given to clients in metadata. Unset: the non-controller listeners, with a wildcard host replaced by localhost."),
    key("listener.security.protocol.map", List,
        Some("PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"),
        Custom(valid_security_protocol_map),
        "Security protocol of each listener name, as NAME:PROTOCOL,... Unset, controller listeners are PLAINTEXT."),
    key("inter.broker.listener.name", Str, None, Validator::None,
        "The listener brokers use between themselves. Unset: PLAINTEXT if there is one, else the first broker listener."),
    key("num.network.threads", Int, Some("3"), AtLeast(1),
        "Threads that read requests from and write responses to sockets."),
    key("num.io.threads", Int, Some("8"), AtLeast(1), "Threads that process requests."),
    key("queued.max.requests", Int, Some("500"), AtLeast(1),
        "Requests queued for the I/O threads before the network threads stop reading."),
    key("socket.send.buffer.bytes", Int, Some("102400"), Validator::None,
        "SO_SNDBUF of the server's sockets; -1 uses the OS default."),
    key("socket.receive.buffer.bytes", Int, Some("102400"), Validator::None,
        "SO_RCVBUF of the server's sockets; -1 uses the OS default."),
    key("socket.request.max.bytes", Int, Some("104857600"), AtLeast(1),
        "The largest request the server accepts."),
    key("connections.max.idle.ms", Long, Some("600000"), Validator::None,
        "Idle connections are closed after this long."),
    key("max.connections", Int, Some(INT_MAX), AtLeast(0), "The most connections the broker accepts."),
    key("max.connections.per.ip", Int, Some(INT_MAX), AtLeast(0),
        "The most connections the broker accepts from one IP address."),
    // Topics.
    key("num.partitions", Int, Some("1"), AtLeast(1), "Partitions of an auto-created topic."),
    key("default.replication.factor", Int, Some("1"), AtLeast(1),
        "Replication factor of an auto-created topic."),
    key("min.insync.replicas", Int, Some("1"), AtLeast(1),
        "The fewest in-sync replicas that must acknowledge an acks=all write."),
    key("auto.create.topics.enable", Boolean, Some("true"), Validator::None,
        "Create a topic when a client asks for metadata of one that does not exist."),
    key("delete.topic.enable", Boolean, Some("true"), Validator::None, "Allow topics to be deleted."),
    key("unclean.leader.election.enable", Boolean, Some("false"), Validator::None,
        "Allow a replica outside the ISR to become leader, losing data."),
    key("compression.type", Str, Some("producer"), OneOf(COMPRESSION_TYPES),
        "Compression of stored batches; producer keeps the producer's codec."),
    // Log.
    key("log.dirs", List, None, Custom(valid_dirs),
        "Directories where partition logs are stored. Unset: log.dir."),
    key("log.dir", Str, Some("./fjord-data"), Custom(valid_dir),
        "The log directory when log.dirs is unset. Fjord: defaults to ./fjord-data."),
    key("metadata.log.dir", Str, None, Validator::None,
        "Directory of the cluster metadata log. Unset: the first log dir."),
    key("log.segment.bytes", Int, Some("1073741824"), AtLeast(14), "Maximum size of a log segment."),
    key("log.roll.ms", Long, None, AtLeast(1),
        "Roll a segment when its first record is this old. Unset: log.roll.hours."),
    key("log.roll.hours", Int, Some("168"), AtLeast(1), "log.roll.ms in hours."),
    key("log.roll.jitter.ms", Long, None, AtLeast(0),
        "Most random time taken off log.roll.ms per log. Unset: log.roll.jitter.hours."),
    key("log.roll.jitter.hours", Int, Some("0"), AtLeast(0), "log.roll.jitter.ms in hours."),
    key("log.index.size.max.bytes", Int, Some("10485760"), AtLeast(4),
        "Preallocated size of offset and time index files."),
    key("log.index.interval.bytes", Int, Some("4096"), AtLeast(0),
        "Log bytes between two offset index entries."),
    key("log.retention.ms", Long, None, Validator::None,
        "Delete segments older than this; -1 keeps data forever. Unset: log.retention.minutes."),
    key("log.retention.minutes", Int, None, Validator::None,
        "log.retention.ms in minutes. Unset: log.retention.hours."),
    key("log.retention.hours", Int, Some("168"), Validator::None, "log.retention.ms in hours."),
    key("log.retention.bytes", Long, Some("-1"), Validator::None,
        "Delete old segments when a partition is larger than this; -1 for no limit."),
    key("log.retention.check.interval.ms", Long, Some("300000"), AtLeast(1),
        "How often retention is checked."),
    key("log.segment.delete.delay.ms", Long, Some("60000"), AtLeast(0),
        "How long a deleted segment's files linger before removal."),
    key("log.cleanup.policy", List, Some("delete"), ListOf(CLEANUP_POLICIES),
        "delete, compact, or both."),
    key("log.cleaner.enable", Boolean, Some("true"), Validator::None, "Run the log cleaner (compaction)."),
    key("log.cleaner.backoff.ms", Long, Some("15000"), AtLeast(0),
        "Sleep of the cleaner when there is nothing to clean."),
    key("log.cleaner.delete.retention.ms", Long, Some("86400000"), AtLeast(0),
        "How long tombstones survive compaction."),
    key("log.cleaner.min.cleanable.ratio", Double, Some("0.5"), DoubleBetween(0.0, 1.0),
        "Dirty ratio above which a log is compacted."),
    key("log.cleaner.min.compaction.lag.ms", Long, Some("0"), AtLeast(0),
        "Records younger than this are not compacted."),
    key("log.cleaner.max.compaction.lag.ms", Long, Some(LONG_MAX), AtLeast(1),
        "Records older than this are eligible for compaction whatever the dirty ratio."),
    key("log.message.timestamp.type", Str, Some("CreateTime"), OneOf(TIMESTAMP_TYPES),
        "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's time."),
    key("log.message.timestamp.before.max.ms", Long, Some(LONG_MAX), AtLeast(0),
        "Reject batches whose timestamp is further than this in the past (CreateTime)."),
    key("log.message.timestamp.after.max.ms", Long, Some("3600000"), AtLeast(0),
        "Reject batches whose timestamp is further than this in the future (CreateTime)."),
    key("log.preallocate", Boolean, Some("false"), Validator::None, "Preallocate segment files."),
    key("log.flush.interval.messages", Long, Some(LONG_MAX), AtLeast(1),
        "fsync a log after this many unflushed records."),
    key("log.flush.interval.ms", Long, None, AtLeast(0),
        "fsync a log when its oldest unflushed data is this old. Unset: log.flush.scheduler.interval.ms."),
    key("log.flush.scheduler.interval.ms", Long, Some(LONG_MAX), AtLeast(1),
        "How often logs are checked against their flush.ms."),
    key("log.flush.offset.checkpoint.interval.ms", Int, Some("60000"), AtLeast(0),
        "How often the recovery-point checkpoint is written."),
    key("log.flush.start.offset.checkpoint.interval.ms", Int, Some("60000"), AtLeast(0),
        "How often the log-start-offset checkpoint is written."),
    key("message.max.bytes", Int, Some("1048588"), AtLeast(0),
        "The largest record batch the broker accepts (max.message.bytes at topic level)."),
    key("num.recovery.threads.per.data.dir", Int, Some("2"), AtLeast(1),
        "Threads per log dir that recover logs at startup and flush them at shutdown."),
    // Coordinators.
    key("offsets.topic.num.partitions", Int, Some("50"), AtLeast(1), "Partitions of __consumer_offsets."),
    key("offsets.topic.replication.factor", Short, Some("1"), AtLeast(1),
        "Replication factor of __consumer_offsets. Fjord: defaults to 1 (Kafka: 3)."),
    key("offsets.retention.minutes", Int, Some("10080"), AtLeast(1),
        "Committed offsets of an empty group are kept this long."),
    key("transaction.state.log.num.partitions", Int, Some("50"), AtLeast(1),
        "Partitions of __transaction_state."),
    key("transaction.state.log.replication.factor", Short, Some("1"), AtLeast(1),
        "Replication factor of __transaction_state. Fjord: defaults to 1 (Kafka: 3)."),
    key("transaction.state.log.min.isr", Int, Some("1"), AtLeast(1),
        "min.insync.replicas of __transaction_state. Fjord: defaults to 1 (Kafka: 2)."),
    key("transaction.max.timeout.ms", Int, Some("900000"), AtLeast(1),
        "The longest transaction.timeout.ms a producer may ask for."),
    key("transaction.abort.timed.out.transaction.cleanup.interval.ms", Int, Some("10000"), AtLeast(1),
        "How often transactions open past their timeout are looked for (and aborted)."),
    key("group.initial.rebalance.delay.ms", Int, Some("3000"), AtLeast(0),
        "How long a new group waits for more members before its first rebalance."),
    key("group.min.session.timeout.ms", Int, Some("6000"), AtLeast(0),
        "The smallest session timeout a consumer may ask for."),
    key("group.max.session.timeout.ms", Int, Some("1800000"), AtLeast(0),
        "The largest session timeout a consumer may ask for."),
    key("group.max.size", Int, Some("2147483647"), AtLeast(1),
        "The most members a classic group may have."),
    key("offset.metadata.max.bytes", Int, Some("4096"), AtLeast(0),
        "The longest metadata string an offset commit may carry."),
    key("offsets.retention.check.interval.ms", Long, Some("600000"), AtLeast(1),
        "How often expired offsets are looked for."),
    key("offsets.topic.segment.bytes", Int, Some("104857600"), AtLeast(1),
        "segment.bytes of __consumer_offsets."),
    key("group.coordinator.rebalance.protocols", List, Some("classic,consumer"),
        ListOf(&["classic", "consumer"]), "The group protocols the coordinator serves."),
    key("group.consumer.session.timeout.ms", Int, Some("45000"), AtLeast(1),
        "Session timeout of members of consumer-protocol (KIP-848) groups."),
    key("group.consumer.heartbeat.interval.ms", Int, Some("5000"), AtLeast(1),
        "Heartbeat interval of members of consumer-protocol (KIP-848) groups."),
    key("group.consumer.max.size", Int, Some("2147483647"), AtLeast(1),
        "The most members a consumer-protocol group may have."),
    key("group.consumer.assignors", List, Some("uniform,range"), ListOf(&["uniform", "range"]),
        "Server-side assignors of consumer-protocol groups; the first is the default."),
    // The HTTP services in the same process.
    key("schema.registry.listeners", List, Some("http://0.0.0.0:8081"), Custom(valid_http_listeners),
        "Schema Registry listeners as http://host:port,...; empty turns the service off."),
    key("connect.listeners", List, Some("http://0.0.0.0:8083"), Custom(valid_http_listeners),
        "Kafka Connect REST listeners; empty turns the service off."),
    key("console.listeners", List, Some("http://0.0.0.0:8080"), Custom(valid_http_listeners),
        "Web console (and /metrics) listeners; empty turns the service off."),
];

fn valid_process_roles(v: &ConfigValue) -> Result<(), String> {
    let roles = v.as_list();
    ListOf(&["broker", "controller"]).check(v)?;
    if roles.len() == 2 && roles[0] == roles[1] {
        return Err(format!("role {} is listed twice", roles[0]));
    }
    Ok(())
}

fn valid_quorum_voters(v: &ConfigValue) -> Result<(), String> {
    parse_quorum_voters(v.as_list()).map(drop)
}

fn valid_listener_names(v: &ConfigValue) -> Result<(), String> {
    match v.as_list().iter().find(|n| {
        n.is_empty()
            || !n
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    }) {
        Some(bad) => Err(format!("'{bad}' is not a listener name")),
        None => Ok(()),
    }
}

fn valid_listeners(v: &ConfigValue) -> Result<(), String> {
    parse_listeners(v.as_list()).map(drop)
}

fn valid_security_protocol_map(v: &ConfigValue) -> Result<(), String> {
    parse_security_protocol_map(v.as_list()).map(drop)
}

fn valid_http_listeners(v: &ConfigValue) -> Result<(), String> {
    parse_http_listeners(v.as_list()).map(drop)
}

fn valid_dirs(v: &ConfigValue) -> Result<(), String> {
    let dirs = v.as_list();
    if dirs.is_empty() || dirs.iter().any(String::is_empty) {
        return Err("every log directory must be a non-empty path".to_string());
    }
    if let Some(dup) = dirs
        .iter()
        .enumerate()
        .find(|(i, d)| dirs[..*i].contains(d))
    {
        return Err(format!("log directory {} is listed twice", dup.1));
    }
    Ok(())
}

fn valid_dir(v: &ConfigValue) -> Result<(), String> {
    if v.as_str().is_empty() {
        Err("the log directory must be a non-empty path".to_string())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_server_keys_defaults_parse_and_names_are_unique() {
        for (i, key) in SERVER_KEYS.iter().enumerate() {
            key.default_value(); // panics on a bad default
            assert!(
                !SERVER_KEYS[..i].iter().any(|k| k.name == key.name),
                "{} is defined twice",
                key.name
            );
            assert!(!key.doc.is_empty(), "{} has no doc", key.name);
        }
    }

    #[test]
    fn test_server_keys_custom_validators() {
        let list = |s: &str| ConfigValue::List(s.split(',').map(str::to_string).collect());
        assert!(valid_process_roles(&list("broker")).is_ok());
        assert!(valid_process_roles(&list("broker,broker")).is_err());
        assert!(valid_process_roles(&list("zookeeper")).is_err());
        assert!(valid_dirs(&list("/a,/b")).is_ok());
        assert!(valid_dirs(&list("/a,/a")).is_err());
        assert!(valid_dirs(&list("/a,")).is_err());
        assert!(valid_listener_names(&list("CONTROLLER,x-y")).is_ok());
        assert!(valid_listener_names(&list("A B")).is_err());
    }
}
