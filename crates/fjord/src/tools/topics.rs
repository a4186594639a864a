//! `fjord topics` (Kafka's `kafka-topics`): create, list, describe, alter and delete
//! topics over the Kafka protocol, with Kafka's flags, output and exit codes.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Duration;

use base64::Engine as _;
use fjord_client::{ClientError, Connection};
use fjord_protocol::messages::{
    create_partitions, create_topics, delete_topics, describe_configs, metadata,
};
use fjord_protocol::{ApiKey, ErrorCode};

use crate::cli::TopicsArgs;

/// How long a request may take before the tool gives up.
const TIMEOUT: Duration = Duration::from_secs(30);
/// DescribeConfigs' resource type for topics, and the source of a topic override.
const TOPIC_RESOURCE: i8 = 2;
const DYNAMIC_TOPIC_CONFIG: i8 = 1;

/// Prints a line to stdout; a closed pipe (`| head`) ends the output quietly rather
/// than failing.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        if let Err(err) = writeln!(stdout, $($arg)*) {
            if err.kind() != std::io::ErrorKind::BrokenPipe {
                return Err(Failure(err.to_string()));
            }
            return Ok(());
        }
    }};
}

/// Why a command failed: Kafka's sentence for it.
struct Failure(String);

impl From<ClientError> for Failure {
    fn from(err: ClientError) -> Self {
        Failure(err.to_string())
    }
}

pub fn run(args: TopicsArgs) -> ExitCode {
    match execute(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("Error while executing topic command : {message}");
            ExitCode::FAILURE
        }
    }
}

fn execute(args: &TopicsArgs) -> Result<(), Failure> {
    let actions = [
        args.create,
        args.list,
        args.describe,
        args.alter,
        args.delete,
    ];
    if actions.iter().filter(|a| **a).count() != 1 {
        return Err(Failure(
            "Command must include exactly one action: --list, --describe, --create, --alter or --delete".into(),
        ));
    }
    let bootstrap = args
        .bootstrap_server
        .as_deref()
        .ok_or_else(|| Failure("Missing required argument \"[bootstrap-server]\"".into()))?;
    let mut connection = Connection::connect(bootstrap, "fjord-topics", TIMEOUT)?;
    if args.create {
        create(&mut connection, args)
    } else if args.list {
        list(&mut connection, args)
    } else if args.describe {
        describe(&mut connection, args)
    } else if args.alter {
        alter(&mut connection, args)
    } else {
        delete(&mut connection, args)
    }
}

fn required_topic(args: &TopicsArgs) -> Result<&str, Failure> {
    args.topic
        .as_deref()
        .ok_or_else(|| Failure("Missing required argument \"[topic]\"".into()))
}

fn create(connection: &mut Connection, args: &TopicsArgs) -> Result<(), Failure> {
    let name = required_topic(args)?;
    let configs = args
        .config
        .iter()
        .map(|(k, v)| create_topics::CreatableTopicConfig {
            name: k.clone(),
            value: Some(v.clone()),
        })
        .collect();
    let request = create_topics::CreateTopicsRequest {
        topics: vec![create_topics::CreatableTopic {
            name: name.to_owned(),
            num_partitions: args.partitions.unwrap_or(-1),
            replication_factor: args.replication_factor.unwrap_or(-1),
            assignments: Vec::new(),
            configs,
        }],
        timeout_ms: TIMEOUT.as_millis() as i32,
        validate_only: false,
    };
    let (response, _): (create_topics::CreateTopicsResponse, _) =
        connection.send(ApiKey::CreateTopics, &create_topics::VERSIONS, &request)?;
    let Some(result) = response.topics.first() else {
        return Err(Failure("the broker answered no topic".into()));
    };
    match result.error_code {
        ErrorCode::NONE => {
            out!("Created topic {name}.");
            Ok(())
        }
        ErrorCode::TOPIC_ALREADY_EXISTS if args.if_not_exists => Ok(()),
        code => Err(Failure(error_text(code, result.error_message.as_deref()))),
    }
}

fn list(connection: &mut Connection, args: &TopicsArgs) -> Result<(), Failure> {
    for topic in topics(connection, args)? {
        out!("{}", topic.name.unwrap_or_default());
    }
    Ok(())
}

fn describe(connection: &mut Connection, args: &TopicsArgs) -> Result<(), Failure> {
    let topics = topics(connection, args)?;
    if topics.is_empty() {
        if let Some(name) = &args.topic {
            if !args.if_exists {
                return Err(Failure(format!(
                    "Topic '{name}' does not exist as expected"
                )));
            }
        }
    }
    for topic in topics {
        let name = topic.name.clone().unwrap_or_default();
        let partitions: Vec<&metadata::MetadataResponsePartition> = topic
            .partitions
            .iter()
            .filter(|p| {
                !args.under_replicated_partitions || p.isr_nodes.len() < p.replica_nodes.len()
            })
            .collect();
        if args.under_replicated_partitions && partitions.is_empty() {
            continue;
        }
        if !args.under_replicated_partitions {
            let replication = topic
                .partitions
                .first()
                .map_or(0, |p| p.replica_nodes.len());
            let configs = overrides(connection, &name)?;
            out!(
                "Topic: {name}\tTopicId: {}\tPartitionCount: {}\tReplicationFactor: {replication}\tConfigs: {configs}",
                topic_id(&topic.topic_id),
                topic.partitions.len()
            );
        }
        for p in partitions {
            out!(
                "\tTopic: {name}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}\tElr: \tLastKnownElr: ",
                p.partition_index,
                if p.leader_id < 0 { "none".to_owned() } else { p.leader_id.to_string() },
                join(&p.replica_nodes),
                join(&p.isr_nodes),
            );
        }
    }
    Ok(())
}

fn alter(connection: &mut Connection, args: &TopicsArgs) -> Result<(), Failure> {
    let name = required_topic(args)?;
    let Some(count) = args.partitions else {
        return Err(Failure("--alter needs --partitions".into()));
    };
    if topics(connection, args)?.is_empty() {
        if args.if_exists {
            return Ok(());
        }
        return Err(Failure(format!(
            "Topic '{name}' does not exist as expected"
        )));
    }
    let request = create_partitions::CreatePartitionsRequest {
        topics: vec![create_partitions::CreatePartitionsTopic {
            name: name.to_owned(),
            count,
            assignments: None,
        }],
        timeout_ms: TIMEOUT.as_millis() as i32,
        validate_only: false,
    };
    let (response, _): (create_partitions::CreatePartitionsResponse, _) = connection.send(
        ApiKey::CreatePartitions,
        &create_partitions::VERSIONS,
        &request,
    )?;
    match response.results.first() {
        Some(r) if !r.error_code.is_none() => Err(Failure(error_text(
            r.error_code,
            r.error_message.as_deref(),
        ))),
        _ => Ok(()),
    }
}

fn delete(connection: &mut Connection, args: &TopicsArgs) -> Result<(), Failure> {
    let name = required_topic(args)?;
    let existing = topics(connection, args)?;
    if existing.is_empty() {
        if args.if_exists {
            return Ok(());
        }
        return Err(Failure(format!(
            "Topic '{name}' does not exist as expected"
        )));
    }
    let names: Vec<String> = existing.into_iter().filter_map(|t| t.name).collect();
    let request = delete_topics::DeleteTopicsRequest {
        topics: names
            .iter()
            .map(|n| delete_topics::DeleteTopicState {
                name: Some(n.clone()),
                topic_id: [0; 16],
            })
            .collect(),
        topic_names: names,
        timeout_ms: TIMEOUT.as_millis() as i32,
    };
    let (response, _): (delete_topics::DeleteTopicsResponse, _) =
        connection.send(ApiKey::DeleteTopics, &delete_topics::VERSIONS, &request)?;
    match response.responses.iter().find(|r| !r.error_code.is_none()) {
        Some(r) => Err(Failure(error_text(
            r.error_code,
            r.error_message.as_deref(),
        ))),
        None => Ok(()),
    }
}

/// The topics `--topic` names (a regular expression, as in Kafka; all when absent),
/// sorted by name, internal ones left out with `--exclude-internal`.
fn topics(
    connection: &mut Connection,
    args: &TopicsArgs,
) -> Result<Vec<metadata::MetadataResponseTopic>, Failure> {
    let request = metadata::MetadataRequest {
        topics: None,
        allow_auto_topic_creation: false,
        include_cluster_authorized_operations: false,
        include_topic_authorized_operations: false,
    };
    let (response, _): (metadata::MetadataResponse, _) =
        connection.send(ApiKey::Metadata, &metadata::VERSIONS, &request)?;
    let pattern = match &args.topic {
        Some(t) => Some(
            regex_lite_anchor(t)
                .map_err(|err| Failure(format!("Invalid topic pattern {t}: {err}")))?,
        ),
        None => None,
    };
    let mut topics: Vec<metadata::MetadataResponseTopic> = response
        .topics
        .into_iter()
        .filter(|t| !(args.exclude_internal && t.is_internal))
        .filter(|t| {
            let name = t.name.as_deref().unwrap_or_default();
            pattern.as_ref().is_none_or(|p| p.is_match(name))
        })
        .collect();
    topics.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(topics)
}

/// Kafka's `--topic` is a whole-name regular expression (so `orders` means exactly
/// that topic, and `orders.*` a family).
fn regex_lite_anchor(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^(?:{pattern})$"))
}

/// The topic's overrides (`Configs:` in the describe line), as `k=v,k=v`.
fn overrides(connection: &mut Connection, topic: &str) -> Result<String, Failure> {
    let request = describe_configs::DescribeConfigsRequest {
        resources: vec![describe_configs::DescribeConfigsResource {
            resource_type: TOPIC_RESOURCE,
            resource_name: topic.to_owned(),
            configuration_keys: None,
        }],
        include_synonyms: false,
        include_documentation: false,
    };
    let (response, _): (describe_configs::DescribeConfigsResponse, _) = connection.send(
        ApiKey::DescribeConfigs,
        &describe_configs::VERSIONS,
        &request,
    )?;
    let configs: BTreeMap<String, String> = response
        .results
        .into_iter()
        .flat_map(|r| r.configs)
        .filter(|c| c.config_source == DYNAMIC_TOPIC_CONFIG)
        .map(|c| (c.name, c.value.unwrap_or_default()))
        .collect();
    Ok(configs
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(","))
}

/// Kafka prints topic ids as URL-safe base64 without padding.
fn topic_id(id: &[u8; 16]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

fn join(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// The broker's message, or the error's name when it sent none.
fn error_text(code: ErrorCode, message: Option<&str>) -> String {
    message
        .filter(|m| !m.is_empty())
        .map_or_else(|| code.name().to_owned(), str::to_owned)
}
