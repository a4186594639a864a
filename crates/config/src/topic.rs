//! Topic-level configs (`retention.ms`, `cleanup.policy`, ...): their definitions, the
//! broker keys that supply their defaults, and how overrides apply.
//!
//! A topic's effective config is the broker's defaults ([`ServerConfig::topic_config`])
//! with the topic's overrides on top ([`TopicConfig::with_overrides`]). CreateTopics and
//! AlterConfigs validate through the same path, and DescribeConfigs reports each key
//! with [`describe_topic_config`].
//!
//! ```
//! use fjord_config::{topic_log_config, ConfigError};
//! use fjord_storage::LogConfig;
//!
//! let overrides = [("retention.ms".to_string(), "60000".to_string())];
//! let log = topic_log_config(&LogConfig::default(), &overrides).unwrap();
//! assert_eq!(log.retention_ms, 60_000);
//!
//! let bad = [("retention.ms".to_string(), "soon".to_string())];
//! let err = topic_log_config(&LogConfig::default(), &bad).unwrap_err();
//! assert_eq!(err.key(), Some("retention.ms"));
//! ```

use std::str::FromStr;

use fjord_storage::{CleanupPolicy, LogConfig, TimestampType};

use crate::def::ConfigType::{Boolean, Double, Int, List, Long, String as Str};
use crate::def::Validator::{AtLeast, DoubleBetween, ListOf, OneOf};
use crate::def::{suggest, ConfigKey, ConfigType, ConfigValue, Validator};
use crate::error::{ConfigError, ConfigSource};
use crate::server::ServerConfig;
use crate::server_keys::{CLEANUP_POLICIES, COMPRESSION_TYPES, TIMESTAMP_TYPES};

/// `compression.type` at the broker or topic level: a codec, or `producer` to keep
/// whatever the producer used (Kafka's `BrokerCompressionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BrokerCompressionType {
    Producer,
    Uncompressed,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl BrokerCompressionType {
    pub fn as_str(self) -> &'static str {
        match self {
            BrokerCompressionType::Producer => "producer",
            BrokerCompressionType::Uncompressed => "uncompressed",
            BrokerCompressionType::Gzip => "gzip",
            BrokerCompressionType::Snappy => "snappy",
            BrokerCompressionType::Lz4 => "lz4",
            BrokerCompressionType::Zstd => "zstd",
        }
    }
}

impl FromStr for BrokerCompressionType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "producer" => BrokerCompressionType::Producer,
            "uncompressed" => BrokerCompressionType::Uncompressed,
            "gzip" => BrokerCompressionType::Gzip,
            "snappy" => BrokerCompressionType::Snappy,
            "lz4" => BrokerCompressionType::Lz4,
            "zstd" => BrokerCompressionType::Zstd,
            _ => {
                return Err(format!(
                    "String must be one of: {}",
                    COMPRESSION_TYPES.join(", ")
                ))
            }
        })
    }
}

/// A topic's effective configuration: what the storage engine needs ([`LogConfig`])
/// and the topic keys the broker enforces itself.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicConfig {
    pub log: LogConfig,
    /// `max.compaction.lag.ms`.
    pub max_compaction_lag_ms: i64,
    /// `message.timestamp.before.max.ms`.
    pub message_timestamp_before_max_ms: i64,
    /// `message.timestamp.after.max.ms`.
    pub message_timestamp_after_max_ms: i64,
    /// `min.insync.replicas`.
    pub min_insync_replicas: i32,
    /// `compression.type`.
    pub compression_type: BrokerCompressionType,
    /// `unclean.leader.election.enable`.
    pub unclean_leader_election_enable: bool,
}

impl Default for TopicConfig {
    /// Kafka 4.x's defaults (a broker's own defaults come from
    /// [`ServerConfig::topic_config`]).
    fn default() -> Self {
        Self {
            log: LogConfig::default(),
            max_compaction_lag_ms: i64::MAX,
            message_timestamp_before_max_ms: i64::MAX,
            message_timestamp_after_max_ms: 3_600_000,
            min_insync_replicas: 1,
            compression_type: BrokerCompressionType::Producer,
            unclean_leader_election_enable: false,
        }
    }
}

impl TopicConfig {
    /// This config with a topic's overrides applied, in order (a key given twice keeps
    /// its last value). Unknown keys and bad values are errors naming the key.
    pub fn with_overrides(&self, overrides: &[(String, String)]) -> Result<Self, ConfigError> {
        let mut config = self.clone();
        for (name, raw) in overrides {
            let key = find_topic_key(name).ok_or_else(|| ConfigError::UnknownKey {
                key: name.clone(),
                origin: ConfigSource::TopicOverride,
                suggestion: suggest(TOPIC_KEYS.iter().map(|k| k.key.name), name),
            })?;
            let invalid = |reason: String| ConfigError::InvalidValue {
                key: name.clone(),
                value: raw.trim().to_string(),
                reason,
                origin: ConfigSource::TopicOverride,
            };
            let value = key.key.parse(raw).map_err(invalid)?;
            (key.set)(&mut config, &value);
        }
        if config.log.min_compaction_lag_ms > config.max_compaction_lag_ms {
            let name = "min.compaction.lag.ms";
            return Err(ConfigError::InvalidValue {
                key: name.to_string(),
                value: config.log.min_compaction_lag_ms.to_string(),
                reason: format!(
                    "must not be greater than max.compaction.lag.ms ({})",
                    config.max_compaction_lag_ms
                ),
                origin: if overrides.iter().any(|(k, _)| k == name) {
                    ConfigSource::TopicOverride
                } else {
                    ConfigSource::Default
                },
            });
        }
        Ok(config)
    }

    /// The value of a topic key in Kafka's string form, `None` for an unknown key.
    pub fn value_of(&self, name: &str) -> Option<String> {
        find_topic_key(name).map(|k| (k.get)(self))
    }
}

/// Applies topic overrides to a base [`LogConfig`] (usually the broker's defaults),
/// validating every topic key, including the ones `LogConfig` does not hold.
pub fn topic_log_config(
    base: &LogConfig,
    overrides: &[(String, String)],
) -> Result<LogConfig, ConfigError> {
    let config = TopicConfig {
        log: base.clone(),
        ..TopicConfig::default()
    };
    Ok(config.with_overrides(overrides)?.log)
}

/// Where a topic config's effective value comes from, as DescribeConfigs reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopicConfigSource {
    /// Set on the topic (DYNAMIC_TOPIC_CONFIG).
    TopicOverride,
    /// From a broker key set in the broker's configuration (STATIC_BROKER_CONFIG).
    StaticBroker { key: &'static str },
    /// The default (DEFAULT_CONFIG).
    Default,
}

/// One topic key as DescribeConfigs reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicConfigEntry {
    pub name: &'static str,
    /// Kafka's string form: lists joined with `,`, doubles as `0.5`.
    pub value: String,
    pub source: TopicConfigSource,
    pub ty: ConfigType,
    pub doc: &'static str,
}

impl TopicConfigEntry {
    /// True when neither the topic nor the broker's configuration sets the value (the
    /// meaning the Kafka admin client gives `isDefault`).
    pub fn is_default(&self) -> bool {
        self.source == TopicConfigSource::Default
    }
}

/// Every topic key of a topic with `overrides`, in table order, with its effective
/// value and source. Errors as [`TopicConfig::with_overrides`].
pub fn describe_topic_config(
    server: &ServerConfig,
    overrides: &[(String, String)],
) -> Result<Vec<TopicConfigEntry>, ConfigError> {
    let effective = server.topic_config().with_overrides(overrides)?;
    Ok(TOPIC_KEYS
        .iter()
        .map(|k| {
            let source = if overrides.iter().any(|(name, _)| name == k.key.name) {
                TopicConfigSource::TopicOverride
            } else if let Some(key) = k
                .synonyms
                .iter()
                .find(|s| !server.source_of(s).is_default())
            {
                TopicConfigSource::StaticBroker { key }
            } else {
                TopicConfigSource::Default
            };
            TopicConfigEntry {
                name: k.key.name,
                value: (k.get)(&effective),
                source,
                ty: k.key.ty,
                doc: k.key.doc,
            }
        })
        .collect())
}

/// A topic key: its definition, the broker keys that supply its default (most
/// specific first, as Kafka lists synonyms), and how it reads and writes a
/// [`TopicConfig`].
pub struct TopicKey {
    pub key: ConfigKey,
    pub synonyms: &'static [&'static str],
    get: fn(&TopicConfig) -> String,
    set: fn(&mut TopicConfig, &ConfigValue),
}

/// Every topic-level key.
pub fn topic_config_keys() -> &'static [TopicKey] {
    TOPIC_KEYS
}

fn find_topic_key(name: &str) -> Option<&'static TopicKey> {
    TOPIC_KEYS.iter().find(|k| k.key.name == name)
}

/// A non-negative integer the validators have already bounded.
fn unsigned(v: &ConfigValue) -> u64 {
    u64::try_from(v.as_i64()).unwrap_or(0)
}

fn cleanup_policy_str(p: CleanupPolicy) -> String {
    match (p.compact, p.delete) {
        (true, true) => "compact,delete",
        (true, false) => "compact",
        (false, true) => "delete",
        (false, false) => "",
    }
    .to_string()
}

/// `cleanup.policy` items (already validated against [`CLEANUP_POLICIES`]).
pub(crate) fn cleanup_policy_of(items: &[String]) -> CleanupPolicy {
    CleanupPolicy {
        delete: items.iter().any(|i| i == "delete"),
        compact: items.iter().any(|i| i == "compact"),
    }
}

/// `message.timestamp.type` (already validated against [`TIMESTAMP_TYPES`]).
pub(crate) fn timestamp_type_of(s: &str) -> TimestampType {
    if s == "LogAppendTime" {
        TimestampType::LogAppendTime
    } else {
        TimestampType::CreateTime
    }
}

fn timestamp_type_str(t: TimestampType) -> String {
    match t {
        TimestampType::CreateTime => "CreateTime",
        TimestampType::LogAppendTime => "LogAppendTime",
    }
    .to_string()
}

macro_rules! topic_key {
    ($name:literal, $ty:expr, $validator:expr, [$($syn:literal),*], $doc:literal,
     get: $get:expr, set: $set:expr) => {
        TopicKey {
            key: ConfigKey::new($name, $ty, None, $validator, $doc),
            synonyms: &[$($syn),*],
            get: $get,
            set: $set,
        }
    };
}

#[rustfmt::skip]
static TOPIC_KEYS: &[TopicKey] = &[
    topic_key!("cleanup.policy", List, ListOf(CLEANUP_POLICIES), ["log.cleanup.policy"],
        "delete, compact, or both.",
        get: |c| cleanup_policy_str(c.log.cleanup_policy),
        set: |c, v| c.log.cleanup_policy = cleanup_policy_of(v.as_list())),
    topic_key!("compression.type", Str, OneOf(COMPRESSION_TYPES), ["compression.type"],
        "Compression of stored batches; producer keeps the producer's codec.",
        get: |c| c.compression_type.as_str().to_string(),
        set: |c, v| c.compression_type = v.as_str().parse().unwrap_or(BrokerCompressionType::Producer)),
    topic_key!("delete.retention.ms", Long, AtLeast(0), ["log.cleaner.delete.retention.ms"],
        "How long tombstones survive compaction.",
        get: |c| c.log.delete_retention_ms.to_string(),
        set: |c, v| c.log.delete_retention_ms = v.as_i64()),
    topic_key!("file.delete.delay.ms", Long, AtLeast(0), ["log.segment.delete.delay.ms"],
        "How long a deleted segment's files linger before removal.",
        get: |c| c.log.file_delete_delay_ms.to_string(),
        set: |c, v| c.log.file_delete_delay_ms = v.as_i64()),
    topic_key!("flush.messages", Long, AtLeast(1), ["log.flush.interval.messages"],
        "fsync the log after this many unflushed records.",
        get: |c| c.log.flush_messages.to_string(),
        set: |c, v| c.log.flush_messages = v.as_i64()),
    topic_key!("flush.ms", Long, AtLeast(0), ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"],
        "fsync the log when its oldest unflushed data is this old.",
        get: |c| c.log.flush_ms.to_string(),
        set: |c, v| c.log.flush_ms = v.as_i64()),
    topic_key!("index.interval.bytes", Int, AtLeast(0), ["log.index.interval.bytes"],
        "Log bytes between two offset index entries.",
        get: |c| c.log.index_interval_bytes.to_string(),
        set: |c, v| c.log.index_interval_bytes = unsigned(v)),
    topic_key!("max.compaction.lag.ms", Long, AtLeast(1), ["log.cleaner.max.compaction.lag.ms"],
        "Records older than this are eligible for compaction whatever the dirty ratio.",
        get: |c| c.max_compaction_lag_ms.to_string(),
        set: |c, v| c.max_compaction_lag_ms = v.as_i64()),
    topic_key!("max.message.bytes", Int, AtLeast(0), ["message.max.bytes"],
        "The largest record batch the topic accepts.",
        get: |c| c.log.max_message_bytes.to_string(),
        set: |c, v| c.log.max_message_bytes = usize::try_from(v.as_i64()).unwrap_or(0)),
    topic_key!("message.timestamp.after.max.ms", Long, AtLeast(0), ["log.message.timestamp.after.max.ms"],
        "Reject batches whose timestamp is further than this in the future (CreateTime).",
        get: |c| c.message_timestamp_after_max_ms.to_string(),
        set: |c, v| c.message_timestamp_after_max_ms = v.as_i64()),
    topic_key!("message.timestamp.before.max.ms", Long, AtLeast(0), ["log.message.timestamp.before.max.ms"],
        "Reject batches whose timestamp is further than this in the past (CreateTime).",
        get: |c| c.message_timestamp_before_max_ms.to_string(),
        set: |c, v| c.message_timestamp_before_max_ms = v.as_i64()),
    topic_key!("message.timestamp.type", Str, OneOf(TIMESTAMP_TYPES), ["log.message.timestamp.type"],
        "CreateTime keeps the producer's timestamps; LogAppendTime stamps the broker's time.",
        get: |c| timestamp_type_str(c.log.message_timestamp_type),
        set: |c, v| c.log.message_timestamp_type = timestamp_type_of(v.as_str())),
    topic_key!("min.cleanable.dirty.ratio", Double, DoubleBetween(0.0, 1.0), ["log.cleaner.min.cleanable.ratio"],
        "Dirty ratio above which the log is compacted.",
        get: |c| ConfigValue::Double(c.log.min_cleanable_dirty_ratio).to_string(),
        set: |c, v| c.log.min_cleanable_dirty_ratio = v.as_f64()),
    topic_key!("min.compaction.lag.ms", Long, AtLeast(0), ["log.cleaner.min.compaction.lag.ms"],
        "Records younger than this are not compacted.",
        get: |c| c.log.min_compaction_lag_ms.to_string(),
        set: |c, v| c.log.min_compaction_lag_ms = v.as_i64()),
    topic_key!("min.insync.replicas", Int, AtLeast(1), ["min.insync.replicas"],
        "The fewest in-sync replicas that must acknowledge an acks=all write.",
        get: |c| c.min_insync_replicas.to_string(),
        set: |c, v| c.min_insync_replicas = i32::try_from(v.as_i64()).unwrap_or(1)),
    topic_key!("preallocate", Boolean, Validator::None, ["log.preallocate"],
        "Preallocate segment files.",
        get: |c| c.log.preallocate.to_string(),
        set: |c, v| c.log.preallocate = v.as_bool()),
    topic_key!("retention.bytes", Long, Validator::None, ["log.retention.bytes"],
        "Delete old segments when the partition is larger than this; -1 for no limit.",
        get: |c| c.log.retention_bytes.to_string(),
        set: |c, v| c.log.retention_bytes = v.as_i64()),
    topic_key!("retention.ms", Long, AtLeast(-1), ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
        "Delete segments older than this; -1 keeps data forever.",
        get: |c| c.log.retention_ms.to_string(),
        set: |c, v| c.log.retention_ms = v.as_i64()),
    topic_key!("segment.bytes", Int, AtLeast(14), ["log.segment.bytes"],
        "Maximum size of a log segment.",
        get: |c| c.log.segment_bytes.to_string(),
        set: |c, v| c.log.segment_bytes = unsigned(v)),
    topic_key!("segment.index.bytes", Int, AtLeast(4), ["log.index.size.max.bytes"],
        "Preallocated size of offset and time index files.",
        get: |c| c.log.segment_index_bytes.to_string(),
        set: |c, v| c.log.segment_index_bytes = unsigned(v)),
    topic_key!("segment.jitter.ms", Long, AtLeast(0), ["log.roll.jitter.ms", "log.roll.jitter.hours"],
        "Most random time taken off segment.ms.",
        get: |c| c.log.segment_jitter_ms.to_string(),
        set: |c, v| c.log.segment_jitter_ms = v.as_i64()),
    topic_key!("segment.ms", Long, AtLeast(1), ["log.roll.ms", "log.roll.hours"],
        "Roll a segment when its first record is this old.",
        get: |c| c.log.segment_ms.to_string(),
        set: |c, v| c.log.segment_ms = v.as_i64()),
    topic_key!("unclean.leader.election.enable", Boolean, Validator::None, ["unclean.leader.election.enable"],
        "Allow a replica outside the ISR to become leader, losing data.",
        get: |c| c.unclean_leader_election_enable.to_string(),
        set: |c, v| c.unclean_leader_election_enable = v.as_bool()),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::def::Setting;
    use crate::server_keys::SERVER_CONFIG_DEF;

    fn ov(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn test_topic_keys_are_unique_and_synonyms_exist() {
        for (i, k) in TOPIC_KEYS.iter().enumerate() {
            assert!(
                !TOPIC_KEYS[..i].iter().any(|o| o.key.name == k.key.name),
                "{} twice",
                k.key.name
            );
            assert!(
                !k.synonyms.is_empty(),
                "{} has no broker synonym",
                k.key.name
            );
            for s in k.synonyms {
                assert!(
                    SERVER_CONFIG_DEF.find(s).is_some(),
                    "{s} is not a broker key"
                );
            }
        }
    }

    #[test]
    fn test_topic_log_config_applies_every_log_key() {
        let base = LogConfig::default();
        let log = topic_log_config(
            &base,
            &ov(&[
                ("segment.bytes", "1048576"),
                ("segment.ms", "1000"),
                ("segment.jitter.ms", "10"),
                ("segment.index.bytes", "4096"),
                ("index.interval.bytes", "100"),
                ("retention.ms", "-1"),
                ("retention.bytes", "5000000"),
                ("cleanup.policy", "compact,delete"),
                ("delete.retention.ms", "1"),
                ("min.compaction.lag.ms", "2"),
                ("min.cleanable.dirty.ratio", "0.1"),
                ("max.message.bytes", "2000"),
                ("flush.messages", "1"),
                ("flush.ms", "3"),
                ("file.delete.delay.ms", "4"),
                ("message.timestamp.type", "LogAppendTime"),
                ("preallocate", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(
            log,
            LogConfig {
                segment_bytes: 1_048_576,
                segment_ms: 1000,
                segment_jitter_ms: 10,
                segment_index_bytes: 4096,
                index_interval_bytes: 100,
                retention_ms: -1,
                retention_bytes: 5_000_000,
                cleanup_policy: CleanupPolicy::COMPACT_DELETE,
                delete_retention_ms: 1,
                min_compaction_lag_ms: 2,
                min_cleanable_dirty_ratio: 0.1,
                max_message_bytes: 2000,
                flush_messages: 1,
                flush_ms: 3,
                file_delete_delay_ms: 4,
                message_timestamp_type: TimestampType::LogAppendTime,
                preallocate: true,
            }
        );
        // No overrides: the base, unchanged.
        assert_eq!(topic_log_config(&base, &[]).unwrap(), base);
    }

    #[test]
    fn test_topic_config_rejects_unknown_and_bad_values_naming_key() {
        let base = LogConfig::default();
        let err = topic_log_config(&base, &ov(&[("retention.mss", "1")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unknown configuration 'retention.mss' (set in topic config); did you mean 'retention.ms'?"
        );
        for (key, value, reason) in [
            ("segment.bytes", "13", "Value must be at least 14"),
            ("retention.ms", "-2", "Value must be at least -1"),
            (
                "cleanup.policy",
                "compact,forever",
                "'forever' is not allowed",
            ),
            (
                "min.cleanable.dirty.ratio",
                "2",
                "Value must be no more than 1",
            ),
            ("min.insync.replicas", "0", "Value must be at least 1"),
            ("compression.type", "brotli", "String must be one of"),
            ("preallocate", "maybe", "either true or false"),
            ("segment.ms", "1h", "Not a number of type LONG"),
        ] {
            let err = topic_log_config(&base, &ov(&[(key, value)])).unwrap_err();
            assert_eq!(err.key(), Some(key), "{err}");
            assert!(err.to_string().contains(reason), "{err}");
        }
        let err = topic_log_config(
            &base,
            &ov(&[
                ("max.compaction.lag.ms", "10"),
                ("min.compaction.lag.ms", "20"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.key(), Some("min.compaction.lag.ms"));
    }

    #[test]
    fn test_topic_config_non_log_keys() {
        let c = TopicConfig::default()
            .with_overrides(&ov(&[
                ("min.insync.replicas", "2"),
                ("compression.type", "zstd"),
                ("unclean.leader.election.enable", "true"),
                ("message.timestamp.after.max.ms", "5"),
            ]))
            .unwrap();
        assert_eq!(c.min_insync_replicas, 2);
        assert_eq!(c.compression_type, BrokerCompressionType::Zstd);
        assert!(c.unclean_leader_election_enable);
        assert_eq!(c.message_timestamp_after_max_ms, 5);
        assert_eq!(c.value_of("compression.type").as_deref(), Some("zstd"));
        assert_eq!(c.value_of("nope"), None);
    }

    #[test]
    fn test_describe_topic_config_values_and_sources() {
        let server = ServerConfig::from_settings(vec![Setting::new(
            "log.retention.hours",
            "1",
            ConfigSource::CommandLine,
        )])
        .unwrap();
        let entries =
            describe_topic_config(&server, &ov(&[("cleanup.policy", "compact")])).unwrap();
        assert_eq!(entries.len(), TOPIC_KEYS.len());
        let get = |name: &str| entries.iter().find(|e| e.name == name).unwrap();

        let policy = get("cleanup.policy");
        assert_eq!(policy.value, "compact");
        assert_eq!(policy.source, TopicConfigSource::TopicOverride);
        assert!(!policy.is_default());

        let retention = get("retention.ms");
        assert_eq!(retention.value, "3600000");
        assert_eq!(
            retention.source,
            TopicConfigSource::StaticBroker {
                key: "log.retention.hours"
            }
        );

        let segment = get("segment.bytes");
        assert_eq!(segment.value, "1073741824");
        assert!(segment.is_default());
        assert_eq!(get("min.cleanable.dirty.ratio").value, "0.5");
        assert_eq!(get("flush.messages").value, "9223372036854775807");
        assert_eq!(get("message.timestamp.type").value, "CreateTime");
        assert_eq!(get("compression.type").value, "producer");
    }

    #[test]
    fn test_topic_defaults_match_broker_defaults() {
        // With no broker settings, the broker's topic defaults are Kafka's.
        assert_eq!(
            ServerConfig::defaults().topic_config(),
            TopicConfig::default()
        );
    }
}
