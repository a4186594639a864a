//! `ServerConfig`: the broker's resolved, typed and cross-checked configuration.
//!
//! Sources, lowest precedence first: the defaults in `server_keys.rs`, the properties
//! file, `FJORD_*` environment variables, `--override key=value` arguments. Keys that
//! Kafka derives from others are resolved here the way Kafka does it:
//!
//! - `log.retention.ms` over `log.retention.minutes` over `log.retention.hours`; any
//!   negative result means "keep forever" (-1).
//! - `log.roll.ms` over `log.roll.hours`; `log.roll.jitter.ms` over `.hours`.
//! - `log.flush.interval.ms` falls back to `log.flush.scheduler.interval.ms`.
//! - `log.dirs` over `log.dir`; `metadata.log.dir` falls back to the first log dir.
//! - `advertised.listeners`, when unset, is `listeners` without the controller
//!   listeners, with a wildcard host (empty, `0.0.0.0`, `::`) advertised as
//!   `localhost`: what a client on the same machine can reach. Set it explicitly for
//!   clients on other machines. A port of 0 (ephemeral) is left for the network layer
//!   to replace with the port it bound.
//! - `listener.security.protocol.map`, when unset, maps the controller listener names
//!   to PLAINTEXT as well, as Kafka's KRaft mode does.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use fjord_storage::{CleanupPolicy, LogConfig, LogManagerConfig, TimestampType};

use crate::def::{ResolvedConfig, Setting};
use crate::error::{ConfigError, ConfigSource};
use crate::listener::{
    is_wildcard, parse_http_listeners, parse_listeners, parse_quorum_voters,
    parse_security_protocol_map, HttpListener, Listener, QuorumVoter, SecurityProtocol,
};
use crate::server_keys::SERVER_CONFIG_DEF;
use crate::sources::{env_settings, file_settings, override_settings};
use crate::topic::{cleanup_policy_of, timestamp_type_of, BrokerCompressionType, TopicConfig};

/// A role in `process.roles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProcessRole {
    Broker,
    Controller,
}

impl ProcessRole {
    /// The role's name in `process.roles`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessRole::Broker => "broker",
            ProcessRole::Controller => "controller",
        }
    }
}

impl std::fmt::Display for ProcessRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The broker's configuration. Fields are named after their Kafka keys; derived keys
/// hold their resolved value (see the module docs). Built only by the loaders, so
/// every instance has passed validation.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    // Identity and roles.
    pub node_id: i32,
    pub process_roles: Vec<ProcessRole>,
    /// Empty: this node alone is the quorum.
    pub controller_quorum_voters: Vec<QuorumVoter>,
    pub controller_listener_names: Vec<String>,
    pub broker_rack: Option<String>,

    // Network.
    pub listeners: Vec<Listener>,
    pub advertised_listeners: Vec<Listener>,
    pub listener_security_protocol_map: BTreeMap<String, SecurityProtocol>,
    /// `None` on a controller-only node.
    pub inter_broker_listener_name: Option<String>,
    pub num_network_threads: i32,
    pub num_io_threads: i32,
    pub queued_max_requests: i32,
    pub socket_send_buffer_bytes: i32,
    pub socket_receive_buffer_bytes: i32,
    pub socket_request_max_bytes: i32,
    pub connections_max_idle_ms: i64,
    pub max_connections: i32,
    pub max_connections_per_ip: i32,

    // Topic defaults.
    pub num_partitions: i32,
    pub default_replication_factor: i32,
    pub min_insync_replicas: i32,
    pub auto_create_topics_enable: bool,
    pub delete_topic_enable: bool,
    pub unclean_leader_election_enable: bool,
    pub compression_type: BrokerCompressionType,

    // Log.
    pub log_dirs: Vec<PathBuf>,
    pub metadata_log_dir: PathBuf,
    pub log_segment_bytes: i32,
    pub log_roll_ms: i64,
    pub log_roll_jitter_ms: i64,
    pub log_index_size_max_bytes: i32,
    pub log_index_interval_bytes: i32,
    pub log_retention_ms: i64,
    pub log_retention_bytes: i64,
    pub log_retention_check_interval_ms: i64,
    pub log_segment_delete_delay_ms: i64,
    pub log_cleanup_policy: CleanupPolicy,
    pub log_cleaner_enable: bool,
    pub log_cleaner_backoff_ms: i64,
    pub log_cleaner_delete_retention_ms: i64,
    pub log_cleaner_min_cleanable_ratio: f64,
    pub log_cleaner_min_compaction_lag_ms: i64,
    pub log_cleaner_max_compaction_lag_ms: i64,
    pub log_message_timestamp_type: TimestampType,
    pub log_message_timestamp_before_max_ms: i64,
    pub log_message_timestamp_after_max_ms: i64,
    pub log_preallocate: bool,
    pub log_flush_interval_messages: i64,
    pub log_flush_interval_ms: i64,
    pub log_flush_scheduler_interval_ms: i64,
    pub log_flush_offset_checkpoint_interval_ms: i32,
    pub log_flush_start_offset_checkpoint_interval_ms: i32,
    pub message_max_bytes: i32,
    pub num_recovery_threads_per_data_dir: i32,

    // Coordinators.
    pub offsets_topic_num_partitions: i32,
    pub offsets_topic_replication_factor: i16,
    pub offsets_retention_minutes: i32,
    pub transaction_state_log_num_partitions: i32,
    pub transaction_state_log_replication_factor: i16,
    pub transaction_state_log_min_isr: i32,
    pub transaction_max_timeout_ms: i32,
    pub transaction_abort_timed_out_transaction_cleanup_interval_ms: i32,
    pub group_initial_rebalance_delay_ms: i32,
    pub group_min_session_timeout_ms: i32,
    pub group_max_session_timeout_ms: i32,
    pub group_max_size: i32,
    pub offset_metadata_max_bytes: i32,
    pub offsets_retention_check_interval_ms: i64,
    pub offsets_topic_segment_bytes: i32,
    pub group_coordinator_rebalance_protocols: Vec<String>,
    pub group_consumer_session_timeout_ms: i32,
    pub group_consumer_heartbeat_interval_ms: i32,
    pub group_consumer_max_size: i32,
    pub group_consumer_assignors: Vec<String>,

    // HTTP services; an empty list means the service is off.
    pub schema_registry_listeners: Vec<HttpListener>,
    pub connect_listeners: Vec<HttpListener>,
    pub console_listeners: Vec<HttpListener>,

    resolved: ResolvedConfig,
}

/// One broker key as DescribeConfigs (and the startup log) reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfigEntry {
    pub name: &'static str,
    /// Kafka's string form; `None` for an unset key with a `null` default.
    pub value: Option<String>,
    pub source: ConfigSource,
    pub doc: &'static str,
}

impl ServerConfig {
    /// Loads the configuration the way `fjord server` does: defaults, then `file`
    /// (if any), then `FJORD_*` variables of this process's environment, then
    /// `overrides`.
    pub fn load(file: Option<&Path>, overrides: &[(String, String)]) -> Result<Self, ConfigError> {
        Self::load_with_env(file, std::env::vars_os(), overrides)
    }

    /// [`ServerConfig::load`] with an explicit environment (for tests and embedding).
    pub fn load_with_env(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (OsString, OsString)>,
        overrides: &[(String, String)],
    ) -> Result<Self, ConfigError> {
        let mut settings = match file {
            Some(path) => file_settings(path)?,
            None => Vec::new(),
        };
        settings.extend(env_settings(env)?);
        settings.extend(override_settings(overrides));
        Self::from_settings(settings)
    }

    /// Resolves settings given in precedence order (a later setting of a key wins).
    pub fn from_settings(settings: Vec<Setting>) -> Result<Self, ConfigError> {
        build(SERVER_CONFIG_DEF.resolve(settings)?)
    }

    /// Every key at its default: what `fjord server` runs with when given nothing.
    pub fn defaults() -> Self {
        Self::from_settings(Vec::new()).expect("the built-in defaults are valid")
    }

    pub fn is_broker(&self) -> bool {
        self.process_roles.contains(&ProcessRole::Broker)
    }

    pub fn is_controller(&self) -> bool {
        self.process_roles.contains(&ProcessRole::Controller)
    }

    /// The listeners clients connect to (those not named in `controller.listener.names`).
    pub fn broker_listeners(&self) -> impl Iterator<Item = &Listener> {
        self.listeners
            .iter()
            .filter(|l| !self.controller_listener_names.contains(&l.name))
    }

    /// Where a key's value came from. Panics for a name that is not a broker key.
    pub fn source_of(&self, name: &str) -> &ConfigSource {
        self.resolved.origin(name)
    }

    /// Every broker key with its value and source, in definition order.
    pub fn describe(&self) -> Vec<ServerConfigEntry> {
        self.resolved
            .entries()
            .iter()
            .map(|e| ServerConfigEntry {
                name: e.key.name,
                value: e.value.as_ref().map(ToString::to_string),
                source: e.origin.clone(),
                doc: e.key.doc,
            })
            .collect()
    }

    /// The topic-level defaults these broker settings imply.
    pub fn log_config(&self) -> LogConfig {
        LogConfig {
            segment_bytes: non_negative(self.log_segment_bytes.into()),
            segment_ms: self.log_roll_ms,
            segment_jitter_ms: self.log_roll_jitter_ms,
            segment_index_bytes: non_negative(self.log_index_size_max_bytes.into()),
            index_interval_bytes: non_negative(self.log_index_interval_bytes.into()),
            retention_ms: self.log_retention_ms,
            retention_bytes: self.log_retention_bytes,
            cleanup_policy: self.log_cleanup_policy,
            delete_retention_ms: self.log_cleaner_delete_retention_ms,
            min_compaction_lag_ms: self.log_cleaner_min_compaction_lag_ms,
            min_cleanable_dirty_ratio: self.log_cleaner_min_cleanable_ratio,
            max_message_bytes: usize::try_from(self.message_max_bytes).unwrap_or(0),
            flush_messages: self.log_flush_interval_messages,
            flush_ms: self.log_flush_interval_ms,
            file_delete_delay_ms: self.log_segment_delete_delay_ms,
            message_timestamp_type: self.log_message_timestamp_type,
            preallocate: self.log_preallocate,
        }
    }

    /// The topic-level defaults, including the keys the broker enforces itself.
    pub fn topic_config(&self) -> TopicConfig {
        TopicConfig {
            log: self.log_config(),
            max_compaction_lag_ms: self.log_cleaner_max_compaction_lag_ms,
            message_timestamp_before_max_ms: self.log_message_timestamp_before_max_ms,
            message_timestamp_after_max_ms: self.log_message_timestamp_after_max_ms,
            min_insync_replicas: self.min_insync_replicas,
            compression_type: self.compression_type,
            unclean_leader_election_enable: self.unclean_leader_election_enable,
        }
    }

    /// The storage engine's settings.
    pub fn log_manager_config(&self) -> LogManagerConfig {
        LogManagerConfig {
            log_dirs: self.log_dirs.clone(),
            default_log_config: self.log_config(),
            recovery_threads_per_data_dir: usize::try_from(self.num_recovery_threads_per_data_dir)
                .unwrap_or(1),
            flush_scheduler_interval_ms: non_negative(self.log_flush_scheduler_interval_ms),
            flush_offset_checkpoint_interval_ms: non_negative(
                self.log_flush_offset_checkpoint_interval_ms.into(),
            ),
            flush_start_offset_checkpoint_interval_ms: non_negative(
                self.log_flush_start_offset_checkpoint_interval_ms.into(),
            ),
            retention_check_interval_ms: non_negative(self.log_retention_check_interval_ms),
            cleaner_enable: self.log_cleaner_enable,
            cleaner_backoff_ms: non_negative(self.log_cleaner_backoff_ms),
        }
    }
}

/// A value the validators have already bounded below by zero.
fn non_negative(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

const MS_PER_MINUTE: i64 = 60 * 1000;
const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;

fn build(r: ResolvedConfig) -> Result<ServerConfig, ConfigError> {
    let process_roles: Vec<ProcessRole> = r
        .list("process.roles")
        .iter()
        .map(|role| match role.as_str() {
            "broker" => ProcessRole::Broker,
            _ => ProcessRole::Controller,
        })
        .collect();
    let is_broker = process_roles.contains(&ProcessRole::Broker);
    let is_controller = process_roles.contains(&ProcessRole::Controller);
    let node_id = r.int("node.id");

    let network = build_network(&r, is_broker, is_controller, node_id)?;

    let log_dirs: Vec<PathBuf> = match r.opt_list("log.dirs") {
        Some(dirs) => dirs.iter().map(PathBuf::from).collect(),
        None => vec![PathBuf::from(r.string("log.dir"))],
    };
    let metadata_log_dir = r
        .opt_string("metadata.log.dir")
        .map(PathBuf::from)
        .unwrap_or_else(|| log_dirs[0].clone());

    let log_retention_ms = r
        .opt_long("log.retention.ms")
        .or_else(|| {
            r.opt_long("log.retention.minutes")
                .map(|m| m.saturating_mul(MS_PER_MINUTE))
        })
        .unwrap_or_else(|| r.long("log.retention.hours").saturating_mul(MS_PER_HOUR));
    let log_retention_ms = if log_retention_ms < 0 {
        -1
    } else {
        log_retention_ms
    };
    let log_roll_ms = r
        .opt_long("log.roll.ms")
        .unwrap_or_else(|| r.long("log.roll.hours").saturating_mul(MS_PER_HOUR));
    let log_roll_jitter_ms = r
        .opt_long("log.roll.jitter.ms")
        .unwrap_or_else(|| r.long("log.roll.jitter.hours").saturating_mul(MS_PER_HOUR));
    let log_flush_scheduler_interval_ms = r.long("log.flush.scheduler.interval.ms");
    let log_flush_interval_ms = r
        .opt_long("log.flush.interval.ms")
        .unwrap_or(log_flush_scheduler_interval_ms);

    let min_lag = r.long("log.cleaner.min.compaction.lag.ms");
    let max_lag = r.long("log.cleaner.max.compaction.lag.ms");
    if min_lag > max_lag {
        return Err(r.invalid(
            "log.cleaner.min.compaction.lag.ms",
            format!("must not be greater than log.cleaner.max.compaction.lag.ms ({max_lag})"),
        ));
    }
    let min_session = r.int("group.min.session.timeout.ms");
    let max_session = r.int("group.max.session.timeout.ms");
    if min_session > max_session {
        return Err(r.invalid(
            "group.min.session.timeout.ms",
            format!("must not be greater than group.max.session.timeout.ms ({max_session})"),
        ));
    }

    Ok(ServerConfig {
        node_id,
        process_roles,
        controller_quorum_voters: network.voters,
        controller_listener_names: network.controller_listener_names,
        broker_rack: r.opt_string("broker.rack").map(str::to_string),

        listeners: network.listeners,
        advertised_listeners: network.advertised,
        listener_security_protocol_map: network.protocol_map,
        inter_broker_listener_name: network.inter_broker,
        num_network_threads: r.int("num.network.threads"),
        num_io_threads: r.int("num.io.threads"),
        queued_max_requests: r.int("queued.max.requests"),
        socket_send_buffer_bytes: r.int("socket.send.buffer.bytes"),
        socket_receive_buffer_bytes: r.int("socket.receive.buffer.bytes"),
        socket_request_max_bytes: r.int("socket.request.max.bytes"),
        connections_max_idle_ms: r.long("connections.max.idle.ms"),
        max_connections: r.int("max.connections"),
        max_connections_per_ip: r.int("max.connections.per.ip"),

        num_partitions: r.int("num.partitions"),
        default_replication_factor: r.int("default.replication.factor"),
        min_insync_replicas: r.int("min.insync.replicas"),
        auto_create_topics_enable: r.bool("auto.create.topics.enable"),
        delete_topic_enable: r.bool("delete.topic.enable"),
        unclean_leader_election_enable: r.bool("unclean.leader.election.enable"),
        compression_type: r
            .string("compression.type")
            .parse()
            .map_err(|e| r.invalid("compression.type", e))?,

        log_dirs,
        metadata_log_dir,
        log_segment_bytes: r.int("log.segment.bytes"),
        log_roll_ms,
        log_roll_jitter_ms,
        log_index_size_max_bytes: r.int("log.index.size.max.bytes"),
        log_index_interval_bytes: r.int("log.index.interval.bytes"),
        log_retention_ms,
        log_retention_bytes: r.long("log.retention.bytes"),
        log_retention_check_interval_ms: r.long("log.retention.check.interval.ms"),
        log_segment_delete_delay_ms: r.long("log.segment.delete.delay.ms"),
        log_cleanup_policy: cleanup_policy_of(r.list("log.cleanup.policy")),
        log_cleaner_enable: r.bool("log.cleaner.enable"),
        log_cleaner_backoff_ms: r.long("log.cleaner.backoff.ms"),
        log_cleaner_delete_retention_ms: r.long("log.cleaner.delete.retention.ms"),
        log_cleaner_min_cleanable_ratio: r.double("log.cleaner.min.cleanable.ratio"),
        log_cleaner_min_compaction_lag_ms: min_lag,
        log_cleaner_max_compaction_lag_ms: max_lag,
        log_message_timestamp_type: timestamp_type_of(r.string("log.message.timestamp.type")),
        log_message_timestamp_before_max_ms: r.long("log.message.timestamp.before.max.ms"),
        log_message_timestamp_after_max_ms: r.long("log.message.timestamp.after.max.ms"),
        log_preallocate: r.bool("log.preallocate"),
        log_flush_interval_messages: r.long("log.flush.interval.messages"),
        log_flush_interval_ms,
        log_flush_scheduler_interval_ms,
        log_flush_offset_checkpoint_interval_ms: r.int("log.flush.offset.checkpoint.interval.ms"),
        log_flush_start_offset_checkpoint_interval_ms: r
            .int("log.flush.start.offset.checkpoint.interval.ms"),
        message_max_bytes: r.int("message.max.bytes"),
        num_recovery_threads_per_data_dir: r.int("num.recovery.threads.per.data.dir"),

        offsets_topic_num_partitions: r.int("offsets.topic.num.partitions"),
        offsets_topic_replication_factor: r.short("offsets.topic.replication.factor"),
        offsets_retention_minutes: r.int("offsets.retention.minutes"),
        transaction_state_log_num_partitions: r.int("transaction.state.log.num.partitions"),
        transaction_state_log_replication_factor: r
            .short("transaction.state.log.replication.factor"),
        transaction_state_log_min_isr: r.int("transaction.state.log.min.isr"),
        transaction_max_timeout_ms: r.int("transaction.max.timeout.ms"),
        transaction_abort_timed_out_transaction_cleanup_interval_ms: r
            .int("transaction.abort.timed.out.transaction.cleanup.interval.ms"),
        group_initial_rebalance_delay_ms: r.int("group.initial.rebalance.delay.ms"),
        group_min_session_timeout_ms: min_session,
        group_max_session_timeout_ms: max_session,
        group_max_size: r.int("group.max.size"),
        offset_metadata_max_bytes: r.int("offset.metadata.max.bytes"),
        offsets_retention_check_interval_ms: r.long("offsets.retention.check.interval.ms"),
        offsets_topic_segment_bytes: r.int("offsets.topic.segment.bytes"),
        group_coordinator_rebalance_protocols: r
            .list("group.coordinator.rebalance.protocols")
            .to_vec(),
        group_consumer_session_timeout_ms: r.int("group.consumer.session.timeout.ms"),
        group_consumer_heartbeat_interval_ms: r.int("group.consumer.heartbeat.interval.ms"),
        group_consumer_max_size: r.int("group.consumer.max.size"),
        group_consumer_assignors: r.list("group.consumer.assignors").to_vec(),

        schema_registry_listeners: network.schema_registry,
        connect_listeners: network.connect,
        console_listeners: network.console,

        resolved: r,
    })
}

/// The listener-related keys, checked together.
struct Network {
    listeners: Vec<Listener>,
    advertised: Vec<Listener>,
    protocol_map: BTreeMap<String, SecurityProtocol>,
    controller_listener_names: Vec<String>,
    inter_broker: Option<String>,
    voters: Vec<QuorumVoter>,
    schema_registry: Vec<HttpListener>,
    connect: Vec<HttpListener>,
    console: Vec<HttpListener>,
}

fn build_network(
    r: &ResolvedConfig,
    is_broker: bool,
    is_controller: bool,
    node_id: i32,
) -> Result<Network, ConfigError> {
    let listeners = parse_listeners(r.list("listeners")).map_err(|e| r.invalid("listeners", e))?;
    let controller_listener_names: Vec<String> = r
        .list("controller.listener.names")
        .iter()
        .map(|n| n.to_ascii_uppercase())
        .collect();
    let is_controller_listener = |l: &Listener| controller_listener_names.contains(&l.name);

    let mut protocol_map = parse_security_protocol_map(r.list("listener.security.protocol.map"))
        .map_err(|e| r.invalid("listener.security.protocol.map", e))?;
    if !r.is_set("listener.security.protocol.map") {
        for name in &controller_listener_names {
            protocol_map
                .entry(name.clone())
                .or_insert(SecurityProtocol::Plaintext);
        }
    }
    if let Some(l) = listeners
        .iter()
        .find(|l| !protocol_map.contains_key(&l.name))
    {
        return Err(r.invalid(
            "listeners",
            format!(
                "No security protocol defined for listener {} in listener.security.protocol.map",
                l.name
            ),
        ));
    }

    if is_controller {
        if !listeners.iter().any(is_controller_listener) {
            return Err(r.invalid(
                "controller.listener.names",
                "must name at least one of the listeners when process.roles contains controller",
            ));
        }
    } else if let Some(l) = listeners.iter().find(|l| is_controller_listener(l)) {
        return Err(r.invalid(
            "listeners",
            format!(
                "{} is a controller listener, but process.roles does not contain controller",
                l.name
            ),
        ));
    }
    let broker_listeners: Vec<&Listener> = listeners
        .iter()
        .filter(|l| !is_controller_listener(l))
        .collect();
    if is_broker && broker_listeners.is_empty() {
        return Err(r.invalid(
            "listeners",
            "a broker needs at least one listener that is not in controller.listener.names",
        ));
    }

    let advertised = match r.opt_list("advertised.listeners") {
        Some(items) => {
            let advertised =
                parse_listeners(items).map_err(|e| r.invalid("advertised.listeners", e))?;
            for a in &advertised {
                if !listeners.iter().any(|l| l.name == a.name) {
                    return Err(r.invalid(
                        "advertised.listeners",
                        format!("listener {} is not in listeners", a.name),
                    ));
                }
                if is_wildcard(&a.host) && !a.host.is_empty() {
                    return Err(r.invalid(
                        "advertised.listeners",
                        format!(
                            "cannot use the nonroutable meta-address {}; use a routable address",
                            a.host
                        ),
                    ));
                }
            }
            advertised
        }
        None => broker_listeners
            .iter()
            .map(|l| Listener {
                host: if l.is_wildcard_host() {
                    "localhost".to_string()
                } else {
                    l.host.clone()
                },
                ..(*l).clone()
            })
            .collect(),
    };

    let inter_broker = if is_broker {
        let name = match r.opt_string("inter.broker.listener.name") {
            Some(name) => {
                let name = name.to_ascii_uppercase();
                if !broker_listeners.iter().any(|l| l.name == name) {
                    return Err(r.invalid(
                        "inter.broker.listener.name",
                        "must be one of the broker's listeners (not a controller listener)",
                    ));
                }
                name
            }
            None => broker_listeners
                .iter()
                .find(|l| l.name == "PLAINTEXT")
                .unwrap_or(&broker_listeners[0])
                .name
                .clone(),
        };
        if !advertised.iter().any(|a| a.name == name) {
            return Err(r.invalid(
                "advertised.listeners",
                format!("must contain the inter-broker listener {name}"),
            ));
        }
        Some(name)
    } else {
        None
    };

    let voters = parse_quorum_voters(r.list("controller.quorum.voters"))
        .map_err(|e| r.invalid("controller.quorum.voters", e))?;
    if is_controller && !voters.is_empty() && !voters.iter().any(|v| v.id == node_id) {
        return Err(r.invalid(
            "controller.quorum.voters",
            format!("node.id {node_id} must be one of the voters when process.roles contains controller"),
        ));
    }
    if !is_controller && voters.is_empty() {
        return Err(r.invalid(
            "controller.quorum.voters",
            "a node without the controller role needs the controller quorum's voters",
        ));
    }

    let http = |key: &str| parse_http_listeners(r.list(key)).map_err(|e| r.invalid(key, e));
    let schema_registry = http("schema.registry.listeners")?;
    let connect = http("connect.listeners")?;
    let console = http("console.listeners")?;

    // Two sockets cannot bind the same port when their hosts overlap.
    let mut bound: Vec<(&str, String, &str, u16)> = Vec::new();
    let kafka = listeners
        .iter()
        .map(|l| ("listeners", l.name.clone(), l.host.as_str(), l.port));
    let services = [
        ("schema.registry.listeners", &schema_registry),
        ("connect.listeners", &connect),
        ("console.listeners", &console),
    ]
    .into_iter()
    .flat_map(|(key, ls)| {
        ls.iter()
            .map(move |l| (key, l.to_string(), l.host.as_str(), l.port))
    });
    for (key, label, host, port) in kafka.chain(services) {
        if port != 0 {
            if let Some((other_key, other, _, _)) = bound.iter().find(|(_, _, h, p)| {
                *p == port && (*h == host || is_wildcard(h) || is_wildcard(host))
            }) {
                return Err(r.invalid(
                    key,
                    format!("port {port} is already used by {other} in {other_key}"),
                ));
            }
        }
        bound.push((key, label, host, port));
    }

    Ok(Network {
        listeners,
        advertised,
        protocol_map,
        controller_listener_names,
        inter_broker,
        voters,
        schema_registry,
        connect,
        console,
    })
}

#[cfg(test)]
mod tests;
