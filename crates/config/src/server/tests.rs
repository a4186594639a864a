use std::ffi::OsString;

use super::*;

fn cfg(pairs: &[(&str, &str)]) -> Result<ServerConfig, ConfigError> {
    ServerConfig::from_settings(
        pairs
            .iter()
            .map(|(k, v)| Setting::new(*k, *v, ConfigSource::CommandLine))
            .collect(),
    )
}

fn err_of(pairs: &[(&str, &str)]) -> ConfigError {
    cfg(pairs).expect_err("expected a configuration error")
}

fn overrides(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    pairs
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect()
}

#[test]
fn test_server_config_defaults() {
    let c = ServerConfig::defaults();
    assert_eq!(c.node_id, 1);
    assert!(c.is_broker() && c.is_controller());
    assert!(c.controller_quorum_voters.is_empty());
    assert_eq!(c.controller_listener_names, ["CONTROLLER"]);
    let listeners: Vec<String> = c.listeners.iter().map(ToString::to_string).collect();
    assert_eq!(listeners, ["PLAINTEXT://:9092", "CONTROLLER://:9093"]);
    let advertised: Vec<String> = c
        .advertised_listeners
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(advertised, ["PLAINTEXT://localhost:9092"]);
    assert_eq!(c.inter_broker_listener_name.as_deref(), Some("PLAINTEXT"));
    assert_eq!(
        c.listener_security_protocol_map["CONTROLLER"],
        SecurityProtocol::Plaintext
    );
    assert_eq!(c.log_dirs, [PathBuf::from("./fjord-data")]);
    assert_eq!(c.metadata_log_dir, PathBuf::from("./fjord-data"));
    assert_eq!(c.num_partitions, 1);
    assert_eq!(c.default_replication_factor, 1);
    assert!(c.auto_create_topics_enable);
    assert_eq!(c.log_retention_ms, 168 * 3_600_000);
    assert_eq!(c.log_retention_bytes, -1);
    assert_eq!(c.log_segment_bytes, 1 << 30);
    assert_eq!(c.log_roll_ms, 168 * 3_600_000);
    assert_eq!(c.log_roll_jitter_ms, 0);
    assert_eq!(c.log_flush_interval_messages, i64::MAX);
    assert_eq!(c.log_flush_interval_ms, i64::MAX);
    assert_eq!(c.message_max_bytes, 1_048_588);
    assert_eq!(c.offsets_topic_num_partitions, 50);
    assert_eq!(c.offsets_topic_replication_factor, 1);
    assert_eq!(c.group_initial_rebalance_delay_ms, 3000);
    assert_eq!(
        c.schema_registry_listeners[0].to_string(),
        "http://0.0.0.0:8081"
    );
    assert_eq!(c.connect_listeners[0].port, 8083);
    assert_eq!(c.console_listeners[0].port, 8080);
    assert_eq!(c.log_config(), LogConfig::default());

    // The storage engine's defaults and ours agree.
    let ours = c.log_manager_config();
    let storage = LogManagerConfig::new(c.log_dirs.clone());
    assert_eq!(ours.log_dirs, storage.log_dirs);
    assert_eq!(ours.default_log_config, storage.default_log_config);
    assert_eq!(
        ours.recovery_threads_per_data_dir,
        storage.recovery_threads_per_data_dir
    );
    assert_eq!(ours.flush_scheduler_interval_ms, i64::MAX as u64);
    assert_eq!(
        ours.flush_offset_checkpoint_interval_ms,
        storage.flush_offset_checkpoint_interval_ms
    );
    assert_eq!(
        ours.flush_start_offset_checkpoint_interval_ms,
        storage.flush_start_offset_checkpoint_interval_ms
    );
    assert_eq!(
        ours.retention_check_interval_ms,
        storage.retention_check_interval_ms
    );
    assert_eq!(ours.cleaner_enable, storage.cleaner_enable);
    assert_eq!(ours.cleaner_backoff_ms, storage.cleaner_backoff_ms);
}

#[test]
fn test_server_config_precedence_file_env_override() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.properties");
    std::fs::write(
        &file,
        "num.partitions=2\nlog.retention.bytes=10\nnode.id=7\n",
    )
    .unwrap();
    let vars = env(&[
        ("FJORD_NUM_PARTITIONS", "3"),
        ("FJORD_LOG_RETENTION_BYTES", "20"),
    ]);
    let ov = overrides(&[("num.partitions", "4")]);

    let c = ServerConfig::load_with_env(Some(&file), vars.clone(), &ov).unwrap();
    assert_eq!(c.num_partitions, 4);
    assert_eq!(c.source_of("num.partitions"), &ConfigSource::CommandLine);
    assert_eq!(c.log_retention_bytes, 20);
    assert_eq!(
        c.source_of("log.retention.bytes"),
        &ConfigSource::Env {
            var: "FJORD_LOG_RETENTION_BYTES".into()
        }
    );
    assert_eq!(c.node_id, 7);
    assert_eq!(
        c.source_of("node.id"),
        &ConfigSource::File {
            path: file.clone(),
            line: 3
        }
    );
    assert!(c.source_of("log.segment.bytes").is_default());

    let c = ServerConfig::load_with_env(Some(&file), vars, &[]).unwrap();
    assert_eq!(c.num_partitions, 3);
    let c = ServerConfig::load_with_env(Some(&file), env(&[]), &[]).unwrap();
    assert_eq!(c.num_partitions, 2);
    let c = ServerConfig::load_with_env(None, env(&[]), &[]).unwrap();
    assert_eq!(c.num_partitions, 1);
}

#[test]
fn test_server_config_unknown_key_in_file_names_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("server.properties");
    std::fs::write(&file, "num.partitions=2\n\nfoo.bar=1\n").unwrap();
    let err = ServerConfig::load_with_env(Some(&file), env(&[]), &[]).unwrap_err();
    assert_eq!(err.key(), Some("foo.bar"));
    assert_eq!(
        err.to_string(),
        format!(
            "Unknown configuration 'foo.bar' (set in {} line 3)",
            file.display()
        )
    );
}

#[test]
fn test_server_config_unknown_env_var_names_var() {
    let err =
        ServerConfig::load_with_env(None, env(&[("FJORD_NUM_PARTITONS", "3")]), &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "Unknown configuration 'num.partitons' (set in environment variable \
         FJORD_NUM_PARTITONS); did you mean 'num.partitions'?"
    );
}

#[test]
fn test_server_config_bad_values_name_key() {
    let err = err_of(&[("num.partitions", "abc")]);
    assert_eq!(
        err.to_string(),
        "Invalid value abc for configuration num.partitions: Not a number of type INT \
         (set in --override)"
    );
    for (key, value, reason) in [
        ("num.partitions", "0", "Value must be at least 1"),
        ("node.id", "-1", "Value must be at least 0"),
        ("log.segment.bytes", "13", "Value must be at least 14"),
        ("auto.create.topics.enable", "yes", "either true or false"),
        ("log.retention.ms", "1d", "Not a number of type LONG"),
        ("log.cleaner.min.cleanable.ratio", "1.5", "no more than 1"),
        ("log.cleanup.policy", "archive", "'archive' is not allowed"),
        (
            "log.message.timestamp.type",
            "createtime",
            "String must be one of",
        ),
        (
            "offsets.topic.replication.factor",
            "70000",
            "Not a number of type SHORT",
        ),
        (
            "process.roles",
            "broker,zookeeper",
            "'zookeeper' is not allowed",
        ),
        (
            "listeners",
            "PLAINTEXT://:99999",
            "port 99999 is not in 0..65535",
        ),
        (
            "schema.registry.listeners",
            "0.0.0.0:8081",
            "expected http://host:port",
        ),
        ("log.dirs", "", "non-empty path"),
    ] {
        let err = err_of(&[(key, value)]);
        assert_eq!(err.key(), Some(key), "{err}");
        assert!(err.to_string().contains(reason), "{key}: {err}");
    }
}

#[test]
fn test_server_config_retention_ms_over_minutes_over_hours() {
    let retention = |pairs: &[(&str, &str)]| cfg(pairs).unwrap().log_retention_ms;
    assert_eq!(retention(&[("log.retention.hours", "2")]), 2 * 3_600_000);
    assert_eq!(
        retention(&[("log.retention.hours", "2"), ("log.retention.minutes", "3")]),
        3 * 60_000
    );
    assert_eq!(
        retention(&[
            ("log.retention.hours", "2"),
            ("log.retention.minutes", "3"),
            ("log.retention.ms", "4")
        ]),
        4
    );
    assert_eq!(retention(&[("log.retention.ms", "-1")]), -1);
    assert_eq!(retention(&[("log.retention.hours", "-1")]), -1);
    assert_eq!(retention(&[("log.retention.minutes", "-5")]), -1);
    assert_eq!(
        cfg(&[("log.retention.ms", "-1")])
            .unwrap()
            .log_config()
            .retention_ms,
        -1
    );
}

#[test]
fn test_server_config_roll_jitter_and_flush_fallbacks() {
    let c = cfg(&[("log.roll.hours", "1"), ("log.roll.jitter.hours", "2")]).unwrap();
    assert_eq!(
        (c.log_roll_ms, c.log_roll_jitter_ms),
        (3_600_000, 7_200_000)
    );
    let c = cfg(&[
        ("log.roll.hours", "1"),
        ("log.roll.ms", "5"),
        ("log.roll.jitter.ms", "6"),
    ])
    .unwrap();
    assert_eq!((c.log_roll_ms, c.log_roll_jitter_ms), (5, 6));

    let c = cfg(&[("log.flush.scheduler.interval.ms", "1000")]).unwrap();
    assert_eq!(c.log_flush_interval_ms, 1000);
    let c = cfg(&[
        ("log.flush.scheduler.interval.ms", "1000"),
        ("log.flush.interval.ms", "10"),
    ])
    .unwrap();
    assert_eq!(c.log_flush_interval_ms, 10);
}

#[test]
fn test_server_config_log_dirs_over_log_dir() {
    let c = cfg(&[("log.dir", "/tmp/one")]).unwrap();
    assert_eq!(c.log_dirs, [PathBuf::from("/tmp/one")]);
    let c = cfg(&[("log.dir", "/tmp/one"), ("log.dirs", "/tmp/a, /tmp/b")]).unwrap();
    assert_eq!(
        c.log_dirs,
        [PathBuf::from("/tmp/a"), PathBuf::from("/tmp/b")]
    );
    assert_eq!(c.metadata_log_dir, PathBuf::from("/tmp/a"));
    let c = cfg(&[("log.dirs", "/tmp/a"), ("metadata.log.dir", "/tmp/meta")]).unwrap();
    assert_eq!(c.metadata_log_dir, PathBuf::from("/tmp/meta"));
    assert!(err_of(&[("log.dirs", "/a,/a")])
        .to_string()
        .contains("listed twice"));
}

#[test]
fn test_server_config_log_manager_config_maps_keys() {
    let c = cfg(&[
        ("log.dirs", "/d1,/d2"),
        ("log.segment.bytes", "1048576"),
        ("log.roll.ms", "1000"),
        ("log.roll.jitter.ms", "10"),
        ("log.index.size.max.bytes", "8192"),
        ("log.index.interval.bytes", "100"),
        ("log.retention.ms", "2000"),
        ("log.retention.bytes", "3000"),
        ("log.cleanup.policy", "compact"),
        ("log.cleaner.delete.retention.ms", "1"),
        ("log.cleaner.min.compaction.lag.ms", "2"),
        ("log.cleaner.min.cleanable.ratio", "0.25"),
        ("message.max.bytes", "4096"),
        ("log.flush.interval.messages", "1"),
        ("log.flush.interval.ms", "3"),
        ("log.segment.delete.delay.ms", "4"),
        ("log.message.timestamp.type", "LogAppendTime"),
        ("log.preallocate", "true"),
        ("num.recovery.threads.per.data.dir", "4"),
        ("log.flush.scheduler.interval.ms", "50"),
        ("log.flush.offset.checkpoint.interval.ms", "51"),
        ("log.flush.start.offset.checkpoint.interval.ms", "52"),
        ("log.retention.check.interval.ms", "53"),
        ("log.cleaner.enable", "false"),
        ("log.cleaner.backoff.ms", "54"),
    ])
    .unwrap();
    let m = c.log_manager_config();
    assert_eq!(m.log_dirs, [PathBuf::from("/d1"), PathBuf::from("/d2")]);
    assert_eq!(m.recovery_threads_per_data_dir, 4);
    assert_eq!(m.flush_scheduler_interval_ms, 50);
    assert_eq!(m.flush_offset_checkpoint_interval_ms, 51);
    assert_eq!(m.flush_start_offset_checkpoint_interval_ms, 52);
    assert_eq!(m.retention_check_interval_ms, 53);
    assert!(!m.cleaner_enable);
    assert_eq!(m.cleaner_backoff_ms, 54);
    assert_eq!(
        m.default_log_config,
        LogConfig {
            segment_bytes: 1_048_576,
            segment_ms: 1000,
            segment_jitter_ms: 10,
            segment_index_bytes: 8192,
            index_interval_bytes: 100,
            retention_ms: 2000,
            retention_bytes: 3000,
            cleanup_policy: CleanupPolicy::COMPACT,
            delete_retention_ms: 1,
            min_compaction_lag_ms: 2,
            min_cleanable_dirty_ratio: 0.25,
            max_message_bytes: 4096,
            flush_messages: 1,
            flush_ms: 3,
            file_delete_delay_ms: 4,
            message_timestamp_type: TimestampType::LogAppendTime,
            preallocate: true,
        }
    );
}

#[test]
fn test_server_config_listeners_and_advertised() {
    let c = cfg(&[
        (
            "listeners",
            "PLAINTEXT://127.0.0.1:19092,EXTERNAL://[::]:19094,CONTROLLER://:19093",
        ),
        (
            "listener.security.protocol.map",
            "PLAINTEXT:PLAINTEXT,EXTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT",
        ),
    ])
    .unwrap();
    let advertised: Vec<String> = c
        .advertised_listeners
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        advertised,
        ["PLAINTEXT://127.0.0.1:19092", "EXTERNAL://localhost:19094"]
    );
    assert_eq!(c.broker_listeners().count(), 2);
    assert_eq!(
        c.listener_security_protocol_map["EXTERNAL"],
        SecurityProtocol::SaslSsl
    );

    let c = cfg(&[
        (
            "listeners",
            "INTERNAL://:9092,EXTERNAL://:9094,CONTROLLER://:9093",
        ),
        (
            "listener.security.protocol.map",
            "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
        ),
        (
            "advertised.listeners",
            "INTERNAL://broker1:9092,EXTERNAL://example.com:443",
        ),
        ("inter.broker.listener.name", "internal"),
    ])
    .unwrap();
    assert_eq!(c.inter_broker_listener_name.as_deref(), Some("INTERNAL"));
    assert_eq!(c.advertised_listeners[1].host, "example.com");

    // Without PLAINTEXT, the first broker listener carries inter-broker traffic.
    let c = cfg(&[
        ("listeners", "CONTROLLER://:9093,SSL://:9094"),
        ("schema.registry.listeners", ""),
    ])
    .unwrap();
    assert_eq!(c.inter_broker_listener_name.as_deref(), Some("SSL"));
    assert!(c.schema_registry_listeners.is_empty());

    // Port 0 is allowed everywhere, any number of times.
    let c = cfg(&[
        (
            "listeners",
            "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0",
        ),
        ("schema.registry.listeners", "http://127.0.0.1:0"),
        ("connect.listeners", "http://127.0.0.1:0"),
        ("console.listeners", "http://127.0.0.1:0"),
    ])
    .unwrap();
    assert_eq!(
        c.advertised_listeners[0].to_string(),
        "PLAINTEXT://127.0.0.1:0"
    );
}

#[test]
fn test_server_config_listener_errors_name_key() {
    for (pairs, key, needle) in [
        (
            vec![(
                "listeners",
                "PLAINTEXT://:9092,plaintext://:9094,CONTROLLER://:9093",
            )],
            "listeners",
            "used more than once",
        ),
        (
            vec![(
                "listeners",
                "PLAINTEXT://:9092,INTERNAL://:9094,CONTROLLER://:9093",
            )],
            "listeners",
            "No security protocol defined for listener INTERNAL",
        ),
        (
            vec![("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT")],
            "listeners",
            "No security protocol defined for listener CONTROLLER",
        ),
        (
            vec![("listeners", "PLAINTEXT://:9092")],
            "controller.listener.names",
            "must name at least one of the listeners",
        ),
        (
            vec![("listeners", "CONTROLLER://:9093")],
            "listeners",
            "a broker needs at least one listener",
        ),
        (
            vec![("advertised.listeners", "SSL://host:9094")],
            "advertised.listeners",
            "listener SSL is not in listeners",
        ),
        (
            vec![("advertised.listeners", "PLAINTEXT://0.0.0.0:9092")],
            "advertised.listeners",
            "nonroutable meta-address 0.0.0.0",
        ),
        (
            vec![("inter.broker.listener.name", "CONTROLLER")],
            "inter.broker.listener.name",
            "must be one of the broker's listeners",
        ),
        (
            vec![("listeners", "PLAINTEXT://:9092,CONTROLLER://:9092")],
            "listeners",
            "port 9092 is already used by PLAINTEXT",
        ),
        (
            vec![("console.listeners", "http://localhost:8081")],
            "console.listeners",
            "port 8081 is already used by http://0.0.0.0:8081 in schema.registry.listeners",
        ),
        (
            vec![("controller.quorum.voters", "2@localhost:9093")],
            "controller.quorum.voters",
            "node.id 1 must be one of the voters",
        ),
        (
            vec![
                ("process.roles", "broker"),
                ("listeners", "PLAINTEXT://:9092"),
            ],
            "controller.quorum.voters",
            "needs the controller quorum",
        ),
        (
            vec![("process.roles", "broker")],
            "listeners",
            "CONTROLLER is a controller listener",
        ),
    ] {
        let err = err_of(&pairs);
        assert_eq!(err.key(), Some(key), "{pairs:?}: {err}");
        assert!(err.to_string().contains(needle), "{pairs:?}: {err}");
    }
}

#[test]
fn test_server_config_roles() {
    let c = cfg(&[
        ("process.roles", "broker"),
        ("listeners", "PLAINTEXT://:9092"),
        ("controller.quorum.voters", "1@controller:9093"),
        ("node.id", "2"),
    ])
    .unwrap();
    assert!(c.is_broker() && !c.is_controller());
    let c = cfg(&[
        ("process.roles", "controller"),
        ("listeners", "CONTROLLER://:9093"),
        ("schema.registry.listeners", ""),
    ])
    .unwrap();
    assert!(!c.is_broker() && c.is_controller());
    assert_eq!(c.inter_broker_listener_name, None);
    assert!(c.advertised_listeners.is_empty());
}

#[test]
fn test_server_config_cross_checks() {
    let err = err_of(&[
        ("log.cleaner.max.compaction.lag.ms", "10"),
        ("log.cleaner.min.compaction.lag.ms", "20"),
    ]);
    assert_eq!(err.key(), Some("log.cleaner.min.compaction.lag.ms"));
    let err = err_of(&[("group.min.session.timeout.ms", "2000000")]);
    assert_eq!(err.key(), Some("group.min.session.timeout.ms"));
}

#[test]
fn test_server_config_describe_and_topic_defaults() {
    let c = cfg(&[("log.retention.hours", "1"), ("compression.type", "lz4")]).unwrap();
    let entries = c.describe();
    assert_eq!(entries.len(), SERVER_CONFIG_DEF.keys().len());
    let get = |name: &str| entries.iter().find(|e| e.name == name).unwrap();
    assert_eq!(get("log.retention.hours").value.as_deref(), Some("1"));
    assert_eq!(get("log.retention.hours").source, ConfigSource::CommandLine);
    assert_eq!(get("log.retention.ms").value, None);
    assert_eq!(
        get("log.cleaner.min.cleanable.ratio").value.as_deref(),
        Some("0.5")
    );
    let topic = c.topic_config();
    assert_eq!(topic.log.retention_ms, 3_600_000);
    assert_eq!(topic.compression_type, BrokerCompressionType::Lz4);
}
