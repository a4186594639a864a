//! The admin handlers (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs,
//! DeleteRecords, OffsetForLeaderEpoch, DescribeLogDirs) called directly on a broker
//! with real logs in a temporary directory, checked against Kafka's answers.

use std::ffi::OsString;
use std::sync::Arc;

use fjord_broker::handlers::{
    alter_configs, delete_records, describe_configs, describe_log_dirs, incremental_alter_configs,
    offset_for_leader_epoch,
};
use fjord_broker::metadata::BrokerEndpoint;
use fjord_broker::Broker;
use fjord_config::ServerConfig;
use fjord_protocol::messages::alter_configs::{
    AlterConfigsRequest, AlterConfigsResource, AlterableConfig,
};
use fjord_protocol::messages::delete_records::{
    DeleteRecordsPartition, DeleteRecordsRequest, DeleteRecordsTopic,
};
use fjord_protocol::messages::describe_configs::{
    DescribeConfigsRequest, DescribeConfigsResource, DescribeConfigsResourceResult,
    DescribeConfigsResult, DescribeConfigsSynonym,
};
use fjord_protocol::messages::describe_log_dirs::{DescribableLogDirTopic, DescribeLogDirsRequest};
use fjord_protocol::messages::incremental_alter_configs as incremental;
use fjord_protocol::messages::offset_for_leader_epoch::{
    OffsetForLeaderEpochRequest, OffsetForLeaderPartition, OffsetForLeaderTopic,
};
use fjord_protocol::records::simple_batch;
use fjord_protocol::ErrorCode;
use fjord_storage::{AppendOrigin, LogManager};

const TOPIC: i8 = 2;
const BROKER: i8 = 4;
const BROKER_LOGGER: i8 = 8;
const NODE_ID: i32 = 1;

/// A broker on temporary log dirs; its log manager is shut down when dropped.
struct TestBroker {
    broker: Arc<Broker>,
    dirs: Vec<tempfile::TempDir>,
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        if let Err(err) = self.broker.logs.shutdown() {
            eprintln!("log manager shutdown failed: {err}");
        }
    }
}

impl std::ops::Deref for TestBroker {
    type Target = Broker;
    fn deref(&self) -> &Broker {
        &self.broker
    }
}

fn start_broker(overrides: &[(&str, &str)]) -> TestBroker {
    start_broker_with_dirs(1, overrides)
}

fn start_broker_with_dirs(dir_count: usize, overrides: &[(&str, &str)]) -> TestBroker {
    let dirs: Vec<_> = (0..dir_count)
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let log_dirs = dirs
        .iter()
        .map(|d| d.path().display().to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut settings = vec![("log.dirs".to_string(), log_dirs)];
    settings.extend(
        overrides
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string())),
    );
    let config =
        ServerConfig::load_with_env(None, std::iter::empty::<(OsString, OsString)>(), &settings)
            .unwrap();
    let logs = LogManager::startup(config.log_manager_config()).unwrap();
    let endpoint = BrokerEndpoint {
        node_id: NODE_ID,
        listener: "PLAINTEXT".into(),
        host: "localhost".into(),
        port: 9092,
        rack: None,
    };
    let broker = Broker::start(Arc::new(config), logs, vec![endpoint]).unwrap();
    TestBroker { broker, dirs }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn create_topic(broker: &Broker, name: &str, partitions: i32, configs: &[(&str, &str)]) {
    broker
        .create_topic(name, partitions, 1, pairs(configs), false)
        .unwrap();
}

/// Appends one batch of `count` records to the partition as its leader.
fn append(broker: &Broker, topic: &str, partition: i32, count: usize) {
    let (log, epoch) = broker.leader_log(topic, partition).unwrap();
    let values: Vec<Vec<u8>> = (0..count)
        .map(|i| format!("value-{i}").into_bytes())
        .collect();
    let records: Vec<_> = values.iter().map(|v| (None, Some(v.as_slice()))).collect();
    let mut batch = simple_batch(0, fjord_storage::segment::now_ms(), &records);
    log.append_as_leader(&mut batch, epoch, AppendOrigin::Client)
        .unwrap();
}

// ---------------------------------------------------------------- DescribeConfigs

fn describe(
    broker: &Broker,
    resources: &[(i8, &str, Option<&[&str]>)],
    include_synonyms: bool,
    include_documentation: bool,
) -> Vec<DescribeConfigsResult> {
    let request = DescribeConfigsRequest {
        resources: resources
            .iter()
            .map(|(ty, name, keys)| DescribeConfigsResource {
                resource_type: *ty,
                resource_name: name.to_string(),
                configuration_keys: keys.map(|k| k.iter().map(|s| s.to_string()).collect()),
            })
            .collect(),
        include_synonyms,
        include_documentation,
    };
    describe_configs::handle(broker, &request, 4).results
}

fn entry<'a>(result: &'a DescribeConfigsResult, name: &str) -> &'a DescribeConfigsResourceResult {
    result
        .configs
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} not described"))
}

fn synonym(name: &str, value: &str, source: i8) -> DescribeConfigsSynonym {
    DescribeConfigsSynonym {
        name: name.into(),
        value: Some(value.into()),
        source,
    }
}

#[test]
fn test_describe_configs_topic_values_sources_synonyms_and_types() {
    let broker = start_broker(&[("log.retention.hours", "1")]);
    create_topic(&broker, "orders", 1, &[("cleanup.policy", "compact")]);

    let results = describe(&broker, &[(TOPIC, "orders", None)], true, true);
    let result = &results[0];
    assert_eq!(result.error_code, ErrorCode::NONE);
    assert_eq!(result.error_message, None);
    assert_eq!(
        (result.resource_type, result.resource_name.as_str()),
        (TOPIC, "orders")
    );
    assert_eq!(
        result.configs.len(),
        fjord_config::topic_config_keys().len()
    );

    let policy = entry(result, "cleanup.policy");
    assert_eq!(policy.value.as_deref(), Some("compact"));
    assert_eq!(policy.config_source, 1, "DYNAMIC_TOPIC_CONFIG");
    assert_eq!(policy.config_type, 7, "LIST");
    assert!(!policy.read_only && !policy.is_sensitive);
    assert_eq!(
        policy.synonyms,
        [
            synonym("cleanup.policy", "compact", 1),
            synonym("log.cleanup.policy", "delete", 5),
        ]
    );
    assert!(policy
        .documentation
        .as_deref()
        .is_some_and(|d| !d.is_empty()));

    let retention = entry(result, "retention.ms");
    assert_eq!(retention.value.as_deref(), Some("3600000"));
    assert_eq!(retention.config_source, 4, "STATIC_BROKER_CONFIG");
    assert_eq!(retention.config_type, 5, "LONG");
    // log.retention.ms and .minutes have no default, so only .hours has a default synonym.
    assert_eq!(
        retention.synonyms,
        [
            synonym("log.retention.hours", "1", 4),
            synonym("log.retention.hours", "168", 5),
        ]
    );

    let segment = entry(result, "segment.bytes");
    assert_eq!(segment.value.as_deref(), Some("1073741824"));
    assert_eq!(segment.config_source, 5, "DEFAULT_CONFIG");
    assert_eq!(segment.config_type, 3, "INT");
    assert_eq!(
        segment.synonyms,
        [synonym("log.segment.bytes", "1073741824", 5)]
    );

    assert_eq!(
        entry(result, "min.cleanable.dirty.ratio").config_type,
        6,
        "DOUBLE"
    );
    assert_eq!(
        entry(result, "min.cleanable.dirty.ratio").value.as_deref(),
        Some("0.5")
    );
    assert_eq!(entry(result, "preallocate").config_type, 1, "BOOLEAN");
    assert_eq!(entry(result, "compression.type").config_type, 2, "STRING");
    assert_eq!(
        entry(result, "compression.type").value.as_deref(),
        Some("producer")
    );
}

#[test]
fn test_describe_configs_filters_keys_and_omits_synonyms_and_docs_unless_asked() {
    let broker = start_broker(&[]);
    create_topic(&broker, "orders", 1, &[("retention.ms", "1000")]);

    let keys: &[&str] = &["retention.ms", "no.such.key"];
    let results = describe(&broker, &[(TOPIC, "orders", Some(keys))], false, false);
    let configs = &results[0].configs;
    assert_eq!(configs.len(), 1);
    assert_eq!(configs[0].name, "retention.ms");
    assert_eq!(configs[0].value.as_deref(), Some("1000"));
    assert_eq!(configs[0].config_source, 1);
    assert!(configs[0].synonyms.is_empty());
    assert_eq!(configs[0].documentation, None);

    // An empty key list, like null, asks for every key.
    let no_keys: &[&str] = &[];
    let results = describe(&broker, &[(TOPIC, "orders", Some(no_keys))], false, false);
    assert_eq!(
        results[0].configs.len(),
        fjord_config::topic_config_keys().len()
    );
}

#[test]
fn test_describe_configs_broker_entries() {
    let broker = start_broker(&[("num.partitions", "3")]);
    let node = NODE_ID.to_string();
    let results = describe(
        &broker,
        &[(BROKER, &node, None), (BROKER, "", None)],
        true,
        true,
    );

    let result = &results[0];
    assert_eq!(result.error_code, ErrorCode::NONE);
    assert_eq!(result.configs.len(), broker.config.describe().len());
    let partitions = entry(result, "num.partitions");
    assert_eq!(partitions.value.as_deref(), Some("3"));
    assert_eq!(partitions.config_source, 4, "STATIC_BROKER_CONFIG");
    assert!(partitions.read_only);
    assert_eq!(partitions.config_type, 3, "INT");
    assert_eq!(
        partitions.synonyms,
        [
            synonym("num.partitions", "3", 4),
            synonym("num.partitions", "1", 5),
        ]
    );
    assert!(partitions.documentation.is_some());

    // Unset, with no default: no value, no synonym of its own.
    let retention_ms = entry(result, "log.retention.ms");
    assert_eq!(retention_ms.value, None);
    assert_eq!(retention_ms.config_source, 5, "DEFAULT_CONFIG");
    assert!(retention_ms.synonyms.is_empty());

    let retention_hours = entry(result, "log.retention.hours");
    assert_eq!(retention_hours.value.as_deref(), Some("168"));
    assert_eq!(retention_hours.config_source, 5);
    assert_eq!(
        retention_hours.synonyms,
        [synonym("log.retention.hours", "168", 5)]
    );

    // The cluster-wide default resource lists dynamic defaults only: there are none.
    assert_eq!(results[1].error_code, ErrorCode::NONE);
    assert!(results[1].configs.is_empty());
}

#[test]
fn test_describe_configs_errors() {
    let broker = start_broker(&[]);
    let results = describe(
        &broker,
        &[
            (TOPIC, "missing", None),
            (TOPIC, "bad name", None),
            (BROKER, "2", None),
            (BROKER, "x", None),
            (BROKER_LOGGER, "1", None),
        ],
        false,
        false,
    );
    let errors: Vec<_> = results
        .iter()
        .map(|r| (r.error_code, r.error_message.as_deref(), r.configs.len()))
        .collect();
    assert_eq!(errors[0], (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, None, 0));
    assert_eq!(errors[1].0, ErrorCode::INVALID_TOPIC_EXCEPTION);
    assert_eq!(
        errors[2],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Unexpected broker id, expected 1 or empty string, but received 2"),
            0
        )
    );
    assert_eq!(
        errors[3],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Broker id must be an integer, but it is: x"),
            0
        )
    );
    assert_eq!(
        errors[4],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Unsupported resource type: BROKER_LOGGER"),
            0
        )
    );
    assert_eq!(results[0].resource_name, "missing");

    // A type Kafka does not know fails every resource of the request.
    let results = describe(
        &broker,
        &[(TOPIC, "missing", None), (3, "x", None)],
        false,
        false,
    );
    assert!(results
        .iter()
        .all(|r| r.error_code == ErrorCode::INVALID_REQUEST));
    assert_eq!(
        (results[1].resource_type, results[1].resource_name.as_str()),
        (3, "x")
    );
}

// ---------------------------------------------------------------- AlterConfigs

/// A resource type, its name, and the configs to set on it (`None`: a null value).
type ResourceConfigs<'a> = (i8, &'a str, &'a [(&'a str, Option<&'a str>)]);

fn alter(
    broker: &Broker,
    resources: &[ResourceConfigs<'_>],
    validate_only: bool,
) -> Vec<(ErrorCode, Option<String>)> {
    let request = AlterConfigsRequest {
        resources: resources
            .iter()
            .map(|(ty, name, configs)| AlterConfigsResource {
                resource_type: *ty,
                resource_name: name.to_string(),
                configs: configs
                    .iter()
                    .map(|(k, v)| AlterableConfig {
                        name: k.to_string(),
                        value: v.map(str::to_string),
                    })
                    .collect(),
            })
            .collect(),
        validate_only,
    };
    alter_configs::handle(broker, &request, 2)
        .responses
        .into_iter()
        .map(|r| (r.error_code, r.error_message))
        .collect()
}

fn topic_configs(broker: &Broker, name: &str) -> Vec<(String, String)> {
    broker.metadata.image().topic(name).unwrap().configs.clone()
}

#[test]
fn test_alter_configs_replaces_topic_overrides_and_applies_them_to_logs() {
    let broker = start_broker(&[]);
    create_topic(&broker, "orders", 2, &[("segment.bytes", "1048576")]);

    let outcome = alter(
        &broker,
        &[(
            TOPIC,
            "orders",
            &[
                ("retention.ms", Some("1000")),
                ("cleanup.policy", Some("compact,delete")),
            ],
        )],
        false,
    );
    assert_eq!(outcome, [(ErrorCode::NONE, None)]);
    // segment.bytes was left out: it is removed.
    assert_eq!(
        topic_configs(&broker, "orders"),
        pairs(&[
            ("retention.ms", "1000"),
            ("cleanup.policy", "compact,delete")
        ])
    );
    for partition in 0..2 {
        let log = broker.leader_log("orders", partition).unwrap().0;
        assert_eq!(log.config().retention_ms, 1000);
        assert!(log.config().cleanup_policy.compact);
        assert_eq!(log.config().segment_bytes, 1 << 30);
    }
    let keys: &[&str] = &["retention.ms"];
    let described = describe(&broker, &[(TOPIC, "orders", Some(keys))], false, false);
    assert_eq!(described[0].configs[0].value.as_deref(), Some("1000"));

    // validate_only changes nothing.
    let outcome = alter(
        &broker,
        &[(TOPIC, "orders", &[("retention.ms", Some("5"))])],
        true,
    );
    assert_eq!(outcome, [(ErrorCode::NONE, None)]);
    assert_eq!(
        topic_configs(&broker, "orders")[0],
        pairs(&[("retention.ms", "1000")])[0]
    );

    // An empty set removes every override.
    assert_eq!(
        alter(&broker, &[(TOPIC, "orders", &[])], false),
        [(ErrorCode::NONE, None)]
    );
    assert!(topic_configs(&broker, "orders").is_empty());
    let log = broker.leader_log("orders", 0).unwrap().0;
    assert_eq!(log.config().retention_ms, 7 * 24 * 3_600_000);
}

#[test]
fn test_alter_configs_errors() {
    let broker = start_broker(&[]);
    create_topic(&broker, "orders", 1, &[("retention.ms", "1000")]);

    let outcome = alter(
        &broker,
        &[
            (TOPIC, "orders", &[("retention.ms", Some("soon"))]),
            (TOPIC, "missing", &[("retention.ms", Some("1"))]),
            (
                TOPIC,
                "orders2",
                &[("retention.ms", Some("1")), ("retention.ms", Some("2"))],
            ),
            (
                TOPIC,
                "orders3",
                &[("retention.ms", None), ("flush.ms", None)],
            ),
            (TOPIC, "orders4", &[("no.such.key", Some("1"))]),
            (TOPIC, "", &[]),
            (
                BROKER,
                "1",
                &[
                    ("num.io.threads", Some("4")),
                    ("log.retention.ms", Some("1")),
                ],
            ),
            (BROKER, "2", &[]),
            (BROKER_LOGGER, "1", &[]),
        ],
        false,
    );
    let codes: Vec<_> = outcome.iter().map(|(c, _)| *c).collect();
    let messages: Vec<_> = outcome
        .iter()
        .map(|(_, m)| m.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(codes[0], ErrorCode::INVALID_CONFIG);
    assert!(messages[0].contains("retention.ms"), "{}", messages[0]);
    assert_eq!(codes[1], ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    assert_eq!(messages[1], "The topic 'missing' does not exist.");
    assert_eq!(
        outcome[2],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Error due to duplicate config keys".into())
        )
    );
    assert_eq!(
        outcome[3],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Null value not supported for : retention.ms, flush.ms".into())
        )
    );
    assert_eq!(codes[4], ErrorCode::INVALID_CONFIG);
    assert!(messages[4].contains("no.such.key"), "{}", messages[4]);
    assert_eq!(
        outcome[5],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Default topic resources are not allowed.".into())
        )
    );
    assert_eq!(
        outcome[6],
        (
            ErrorCode::INVALID_REQUEST,
            Some(
                "Cannot update these configs dynamically: Set(num.io.threads, log.retention.ms)"
                    .into()
            )
        )
    );
    assert_eq!(
        outcome[7],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Unexpected broker id, expected 1, but received 2".into())
        )
    );
    assert_eq!(
        outcome[8],
        (
            ErrorCode::INVALID_REQUEST,
            Some("Unknown resource type 8".into())
        )
    );
    // Nothing was changed by the failures.
    assert_eq!(
        topic_configs(&broker, "orders"),
        pairs(&[("retention.ms", "1000")])
    );

    // The same resource twice: both copies are refused.
    let outcome = alter(
        &broker,
        &[
            (TOPIC, "orders", &[("retention.ms", Some("1"))]),
            (TOPIC, "orders", &[("retention.ms", Some("2"))]),
        ],
        false,
    );
    let repeated = (
        ErrorCode::INVALID_REQUEST,
        Some(String::from("Each resource must appear at most once.")),
    );
    assert_eq!(outcome, [repeated.clone(), repeated]);
    assert_eq!(
        topic_configs(&broker, "orders"),
        pairs(&[("retention.ms", "1000")])
    );
}

// ---------------------------------------------------------------- IncrementalAlterConfigs

const SET: i8 = 0;
const DELETE: i8 = 1;
const APPEND: i8 = 2;
const SUBTRACT: i8 = 3;

fn incremental_alter(
    broker: &Broker,
    resource_type: i8,
    name: &str,
    ops: &[(&str, i8, Option<&str>)],
    validate_only: bool,
) -> (ErrorCode, Option<String>) {
    let request = incremental::IncrementalAlterConfigsRequest {
        resources: vec![incremental::AlterConfigsResource {
            resource_type,
            resource_name: name.to_string(),
            configs: ops
                .iter()
                .map(|(k, op, v)| incremental::AlterableConfig {
                    name: k.to_string(),
                    config_operation: *op,
                    value: v.map(str::to_string),
                })
                .collect(),
        }],
        validate_only,
    };
    let response = incremental_alter_configs::handle(broker, &request, 1);
    let r = &response.responses[0];
    assert_eq!(
        (r.resource_type, r.resource_name.as_str()),
        (resource_type, name)
    );
    (r.error_code, r.error_message.clone())
}

#[test]
fn test_incremental_alter_configs_set_delete_append_subtract() {
    let broker = start_broker(&[]);
    create_topic(
        &broker,
        "orders",
        1,
        &[("retention.ms", "1000"), ("segment.bytes", "1048576")],
    );
    let ok = (ErrorCode::NONE, None);

    let outcome = incremental_alter(
        &broker,
        TOPIC,
        "orders",
        &[
            ("retention.ms", SET, Some("2000")),
            ("segment.bytes", DELETE, None),
            ("flush.ms", SET, Some("10")),
        ],
        false,
    );
    assert_eq!(outcome, ok);
    // Other keys stay; a key set again keeps its place.
    assert_eq!(
        topic_configs(&broker, "orders"),
        pairs(&[("retention.ms", "2000"), ("flush.ms", "10")])
    );
    let log = broker.leader_log("orders", 0).unwrap().0;
    assert_eq!(log.config().retention_ms, 2000);
    assert_eq!(log.config().flush_ms, 10);
    assert_eq!(log.config().segment_bytes, 1 << 30);

    // APPEND starts from the effective value ("delete") when there is no override.
    let outcome = incremental_alter(
        &broker,
        TOPIC,
        "orders",
        &[("cleanup.policy", APPEND, Some("compact"))],
        false,
    );
    assert_eq!(outcome, ok);
    assert_eq!(
        topic_configs(&broker, "orders")[2],
        pairs(&[("cleanup.policy", "delete,compact")])[0]
    );
    assert!(log.config().cleanup_policy.compact && log.config().cleanup_policy.delete);
    // Appending what is there already changes nothing.
    let outcome = incremental_alter(
        &broker,
        TOPIC,
        "orders",
        &[("cleanup.policy", APPEND, Some("delete"))],
        false,
    );
    assert_eq!(outcome, ok);
    assert_eq!(topic_configs(&broker, "orders")[2].1, "delete,compact");

    let outcome = incremental_alter(
        &broker,
        TOPIC,
        "orders",
        &[("cleanup.policy", SUBTRACT, Some("delete"))],
        false,
    );
    assert_eq!(outcome, ok);
    assert_eq!(topic_configs(&broker, "orders")[2].1, "compact");
    assert!(!log.config().cleanup_policy.delete);

    // Deleting a key that has no override is no error.
    let outcome = incremental_alter(
        &broker,
        TOPIC,
        "orders",
        &[("max.message.bytes", DELETE, None)],
        false,
    );
    assert_eq!(outcome, ok);

    // validate_only changes nothing.
    let outcome = incremental_alter(
        &broker,
        TOPIC,
        "orders",
        &[("retention.ms", DELETE, None)],
        true,
    );
    assert_eq!(outcome, ok);
    assert_eq!(topic_configs(&broker, "orders")[0].1, "2000");
}

#[test]
fn test_incremental_alter_configs_errors() {
    let broker = start_broker(&[]);
    create_topic(&broker, "orders", 1, &[("retention.ms", "1000")]);
    let before = topic_configs(&broker, "orders");

    assert_eq!(
        incremental_alter(
            &broker,
            TOPIC,
            "orders",
            &[("retention.ms", APPEND, Some("1"))],
            false
        ),
        (
            ErrorCode::INVALID_CONFIG,
            Some("Can't APPEND to key retention.ms because its type is not LIST.".into())
        )
    );
    assert_eq!(
        incremental_alter(
            &broker,
            TOPIC,
            "orders",
            &[("cleanup.policy", SUBTRACT, Some("delete"))],
            false
        )
        .0,
        ErrorCode::INVALID_CONFIG,
        "an empty cleanup.policy is not valid"
    );
    let (code, message) = incremental_alter(
        &broker,
        TOPIC,
        "orders",
        &[("segment.bytes", SET, Some("1"))],
        false,
    );
    assert_eq!(code, ErrorCode::INVALID_CONFIG);
    assert!(message.unwrap().contains("segment.bytes"));
    assert_eq!(
        incremental_alter(
            &broker,
            TOPIC,
            "orders",
            &[
                ("retention.ms", SET, Some("1")),
                ("retention.ms", DELETE, None)
            ],
            false
        ),
        (
            ErrorCode::INVALID_REQUEST,
            Some("Error due to duplicate config keys".into())
        )
    );
    assert_eq!(
        incremental_alter(
            &broker,
            TOPIC,
            "orders",
            &[("retention.ms", SET, None)],
            false
        ),
        (
            ErrorCode::INVALID_REQUEST,
            Some("Null value not supported for : retention.ms".into())
        )
    );
    assert_eq!(
        incremental_alter(
            &broker,
            TOPIC,
            "orders",
            &[("retention.ms", 7, Some("1"))],
            false
        ),
        (
            ErrorCode::INVALID_REQUEST,
            Some("Unknown operations type 7".into())
        )
    );
    assert_eq!(
        incremental_alter(
            &broker,
            TOPIC,
            "missing",
            &[("retention.ms", SET, Some("1"))],
            false
        ),
        (
            ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
            Some("The topic 'missing' does not exist.".into())
        )
    );
    assert_eq!(topic_configs(&broker, "orders"), before);

    // Broker configs are static: setting one is refused, deleting is a no-op.
    assert_eq!(
        incremental_alter(
            &broker,
            BROKER,
            "1",
            &[("log.retention.ms", SET, Some("1"))],
            false
        ),
        (
            ErrorCode::INVALID_REQUEST,
            Some("Cannot update these configs dynamically: Set(log.retention.ms)".into())
        )
    );
    assert_eq!(
        incremental_alter(
            &broker,
            BROKER,
            "",
            &[("log.retention.ms", DELETE, None)],
            false
        ),
        (ErrorCode::NONE, None)
    );
    assert_eq!(
        incremental_alter(&broker, BROKER, "one", &[], false),
        (
            ErrorCode::INVALID_REQUEST,
            Some("Node id must be an integer, but it is: one".into())
        )
    );
}

// ---------------------------------------------------------------- DeleteRecords

fn delete_records_of(
    broker: &Broker,
    topic: &str,
    offsets: &[(i32, i64)],
) -> Vec<(i64, ErrorCode)> {
    let request = DeleteRecordsRequest {
        topics: vec![DeleteRecordsTopic {
            name: topic.into(),
            partitions: offsets
                .iter()
                .map(|&(partition_index, offset)| DeleteRecordsPartition {
                    partition_index,
                    offset,
                })
                .collect(),
        }],
        timeout_ms: 30_000,
    };
    let response = delete_records::handle(broker, &request, 2);
    assert_eq!(response.topics[0].name, topic);
    response.topics[0]
        .partitions
        .iter()
        .zip(offsets)
        .map(|(p, (index, _))| {
            assert_eq!(p.partition_index, *index);
            (p.low_watermark, p.error_code)
        })
        .collect()
}

#[test]
fn test_delete_records_moves_log_start_offset() {
    let broker = start_broker(&[]);
    create_topic(&broker, "orders", 2, &[]);
    for _ in 0..3 {
        append(&broker, "orders", 0, 5);
    }
    let log = broker.leader_log("orders", 0).unwrap().0;
    assert_eq!(log.log_end_offset(), 15);

    let ok = ErrorCode::NONE;
    assert_eq!(
        delete_records_of(&broker, "orders", &[(0, 7), (1, 0)]),
        [(7, ok), (0, ok)]
    );
    assert_eq!(log.log_start_offset(), 7);
    // The log start never moves back.
    assert_eq!(delete_records_of(&broker, "orders", &[(0, 3)]), [(7, ok)]);
    // Past the high watermark, or negative other than -1: out of range.
    let out_of_range = (-1, ErrorCode::OFFSET_OUT_OF_RANGE);
    assert_eq!(
        delete_records_of(&broker, "orders", &[(0, 16), (0, -2)]),
        [out_of_range, out_of_range]
    );
    assert_eq!(log.log_start_offset(), 7);
    // -1: everything up to the high watermark.
    assert_eq!(delete_records_of(&broker, "orders", &[(0, -1)]), [(15, ok)]);
    assert_eq!(log.log_start_offset(), 15);
    assert_eq!(log.log_end_offset(), 15);
}

#[test]
fn test_delete_records_errors() {
    let broker = start_broker(&[]);
    create_topic(&broker, "compacted", 1, &[("cleanup.policy", "compact")]);
    append(&broker, "compacted", 0, 2);

    let unknown = (-1, ErrorCode::UNKNOWN_TOPIC_OR_PARTITION);
    assert_eq!(delete_records_of(&broker, "missing", &[(0, 0)]), [unknown]);
    assert_eq!(
        delete_records_of(&broker, "compacted", &[(1, 0), (-1, 0)]),
        [unknown, unknown]
    );
    assert_eq!(
        delete_records_of(&broker, "compacted", &[(0, 1)]),
        [(-1, ErrorCode::POLICY_VIOLATION)]
    );
    assert_eq!(
        delete_records_of(&broker, "__consumer_offsets", &[(0, 0)]),
        [(-1, ErrorCode::INVALID_TOPIC_EXCEPTION)]
    );
    // The metadata log is not a topic clients can reach.
    assert_eq!(
        delete_records_of(&broker, "__cluster_metadata", &[(0, 0)]),
        [unknown]
    );
}

// ---------------------------------------------------------------- OffsetForLeaderEpoch

fn epoch_end_offsets(
    broker: &Broker,
    topic: &str,
    partitions: &[(i32, i32, i32)],
) -> Vec<(ErrorCode, i32, i64)> {
    let request = OffsetForLeaderEpochRequest {
        replica_id: -1,
        topics: vec![OffsetForLeaderTopic {
            topic: topic.into(),
            partitions: partitions
                .iter()
                .map(
                    |&(partition, current_leader_epoch, leader_epoch)| OffsetForLeaderPartition {
                        partition,
                        current_leader_epoch,
                        leader_epoch,
                    },
                )
                .collect(),
        }],
    };
    let response = offset_for_leader_epoch::handle(broker, &request, 4);
    assert_eq!(response.topics[0].topic, topic);
    response.topics[0]
        .partitions
        .iter()
        .zip(partitions)
        .map(|(p, (index, _, _))| {
            assert_eq!(p.partition, *index);
            (p.error_code, p.leader_epoch, p.end_offset)
        })
        .collect()
}

#[test]
fn test_offset_for_leader_epoch() {
    let broker = start_broker(&[]);
    create_topic(&broker, "orders", 2, &[]);
    append(&broker, "orders", 0, 4);
    append(&broker, "orders", 0, 3);
    let none = ErrorCode::NONE;
    let undefined = (none, -1, -1);

    assert_eq!(
        epoch_end_offsets(
            &broker,
            "orders",
            &[
                (0, 0, 0),  // the current epoch ends at the log end
                (0, -1, 0), // -1 skips the fencing check
                (1, 0, 0),  // an empty log still knows its current epoch
                (0, 0, 1),  // an epoch newer than the leader's
                (0, 0, -1), // no epoch asked
            ]
        ),
        [
            (none, 0, 7),
            (none, 0, 7),
            (none, 0, 0),
            undefined,
            undefined
        ]
    );
    assert_eq!(
        epoch_end_offsets(&broker, "orders", &[(0, 1, 0), (0, -5, 0), (2, 0, 0)]),
        [
            (ErrorCode::UNKNOWN_LEADER_EPOCH, -1, -1),
            (ErrorCode::FENCED_LEADER_EPOCH, -1, -1),
            (ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, -1, -1),
        ]
    );
    assert_eq!(
        epoch_end_offsets(&broker, "missing", &[(0, 0, 0)]),
        [(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, -1, -1)]
    );
}

// ---------------------------------------------------------------- DescribeLogDirs

#[test]
fn test_describe_log_dirs_lists_partitions_per_dir() {
    let broker = start_broker_with_dirs(2, &[]);
    create_topic(&broker, "orders", 3, &[]);
    create_topic(&broker, "audit", 1, &[]);
    append(&broker, "orders", 0, 10);
    append(&broker, "orders", 2, 1);

    let response = describe_log_dirs::handle(&broker, &DescribeLogDirsRequest { topics: None }, 4);
    assert_eq!(response.error_code, ErrorCode::NONE);
    assert_eq!(response.results.len(), 2);
    let mut found = Vec::new();
    for (result, dir) in response.results.iter().zip(&broker.dirs) {
        assert_eq!(result.error_code, ErrorCode::NONE);
        assert_eq!(result.log_dir, dir.path().display().to_string());
        assert_eq!((result.total_bytes, result.usable_bytes), (-1, -1));
        for topic in &result.topics {
            assert_ne!(topic.name, "__cluster_metadata");
            for p in &topic.partitions {
                let log = broker.leader_log(&topic.name, p.partition_index).unwrap().0;
                assert_eq!(log.dir().parent(), Some(dir.path()));
                assert_eq!(p.partition_size, log.size() as i64);
                assert_eq!((p.offset_lag, p.is_future_key), (0, false));
                found.push((topic.name.clone(), p.partition_index));
            }
        }
    }
    found.sort();
    assert_eq!(
        found,
        [("audit", 0), ("orders", 0), ("orders", 1), ("orders", 2)]
            .map(|(t, p)| (String::from(t), p))
    );
    let size_of = |partition: i32| {
        response
            .results
            .iter()
            .flat_map(|r| &r.topics)
            .filter(|t| t.name == "orders")
            .flat_map(|t| &t.partitions)
            .find(|p| p.partition_index == partition)
            .unwrap()
            .partition_size
    };
    assert!(size_of(0) > size_of(2) && size_of(2) > 0);
    assert_eq!(size_of(1), 0);

    // Only the partitions asked for; unknown ones are left out.
    let request = DescribeLogDirsRequest {
        topics: Some(vec![DescribableLogDirTopic {
            topic: "orders".into(),
            partitions: vec![1, 9],
        }]),
    };
    let response = describe_log_dirs::handle(&broker, &request, 4);
    assert_eq!(response.results.len(), 2);
    let listed: Vec<_> = response
        .results
        .iter()
        .flat_map(|r| &r.topics)
        .map(|t| {
            (
                t.name.as_str(),
                t.partitions
                    .iter()
                    .map(|p| p.partition_index)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(listed, [("orders", vec![1])]);
}

#[test]
fn test_describe_topic_partitions_pages_with_a_cursor() {
    use fjord_broker::handlers::describe_topic_partitions;
    use fjord_protocol::messages::describe_topic_partitions::{
        Cursor, DescribeTopicPartitionsRequest, TopicRequest,
    };

    let broker = start_broker(&[]);
    create_topic(&broker, "alpha", 3, &[]);
    create_topic(&broker, "beta", 2, &[]);
    let request = |cursor: Option<Cursor>| DescribeTopicPartitionsRequest {
        topics: vec![
            TopicRequest {
                name: "beta".into(),
            },
            TopicRequest {
                name: "alpha".into(),
            },
            TopicRequest {
                name: "missing".into(),
            },
        ],
        response_partition_limit: 2,
        cursor,
    };
    let first = describe_topic_partitions::handle(&broker, &request(None), 0);
    assert_eq!(first.topics.len(), 1);
    assert_eq!(first.topics[0].name.as_deref(), Some("alpha"));
    assert_eq!(
        first.topics[0]
            .partitions
            .iter()
            .map(|p| p.partition_index)
            .collect::<Vec<_>>(),
        vec![0, 1]
    );
    let cursor = first.next_cursor.expect("more to come");
    assert_eq!(
        (cursor.topic_name.as_str(), cursor.partition_index),
        ("alpha", 2)
    );
    let second = describe_topic_partitions::handle(&broker, &request(Some(cursor)), 0);
    let seen: Vec<(Option<String>, Vec<i32>)> = second
        .topics
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                t.partitions.iter().map(|p| p.partition_index).collect(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (Some("alpha".into()), vec![2]),
            (Some("beta".into()), vec![0])
        ]
    );
    let third = describe_topic_partitions::handle(&broker, &request(second.next_cursor), 0);
    assert_eq!(third.topics[0].partitions.len(), 1);
    assert_eq!(
        third.topics[1].error_code,
        fjord_protocol::ErrorCode::UNKNOWN_TOPIC_OR_PARTITION
    );
    assert!(third.next_cursor.is_none());
}
