//! `Broker`: what every handler reaches — configuration, logs, cluster metadata.

use std::sync::Arc;

use fjord_config::topic::BrokerCompressionType;
use fjord_config::{ServerConfig, TopicConfig};
use fjord_protocol::CompressionType;
use fjord_storage::{Log, LogConfig, LogManager, TopicPartition};

use crate::metadata::{BrokerEndpoint, ClusterMetadata, MetadataError, Placement, TopicMetadata};

/// A topic's settings that the produce path reads on every request.
#[derive(Debug, Clone, Copy)]
struct ProduceSettings {
    compression: Option<CompressionType>,
    min_insync_replicas: i32,
}

pub struct Broker {
    pub config: Arc<ServerConfig>,
    pub logs: Arc<LogManager>,
    pub metadata: ClusterMetadata,
    /// Signalled after every append, to wake fetches waiting for data.
    pub appended: tokio::sync::Notify,
    /// What the produce path needs of each topic's config, resolved when it changes.
    produce_settings: parking_lot::RwLock<std::collections::HashMap<String, ProduceSettings>>,
    /// KIP-227 incremental fetch sessions.
    pub fetch_sessions: crate::handlers::fetch_session::FetchSessionCache,
    /// Consumer groups and committed offsets of the `__consumer_offsets` partitions
    /// this node leads.
    pub groups: Arc<fjord_group_coordinator::GroupCoordinator>,
    /// Transactional ids of the `__transaction_state` partitions this node leads.
    pub txns: Arc<fjord_transaction_coordinator::TransactionCoordinator>,
}

impl Broker {
    /// Opens the metadata and makes sure every partition this node hosts has its log,
    /// with the topic's configuration. `endpoints` are the advertised addresses, with
    /// ports resolved when a listener was bound to port 0.
    pub fn start(
        config: Arc<ServerConfig>,
        logs: Arc<LogManager>,
        endpoints: Vec<BrokerEndpoint>,
    ) -> Result<Arc<Self>, MetadataError> {
        let cluster_id = crate::metadata::load_or_format(&config.log_dirs, config.node_id)?;
        let metadata = ClusterMetadata::open(config.node_id, cluster_id, endpoints, &logs)?;
        let broker = Arc::new(Self {
            config: Arc::clone(&config),
            logs,
            metadata,
            appended: tokio::sync::Notify::new(),
            produce_settings: Default::default(),
            fetch_sessions: Default::default(),
            groups: Arc::new(fjord_group_coordinator::GroupCoordinator::new(
                crate::group_coordination::group_config(&config),
            )),
            txns: Arc::new(fjord_transaction_coordinator::TransactionCoordinator::new(
                crate::transaction_coordination::transaction_config(&config),
            )),
        });
        crate::transaction_coordination::connect(&broker);
        for topic in broker.metadata.image().topics() {
            broker.ensure_logs(topic)?;
        }
        Ok(broker)
    }

    /// The storage settings of `topic`: the broker defaults with the topic's overrides.
    pub fn log_config(&self, topic: &TopicMetadata) -> LogConfig {
        self.topic_config(topic).log
    }

    /// The effective configuration of `topic`: the broker defaults with its overrides.
    pub fn topic_config(&self, topic: &TopicMetadata) -> TopicConfig {
        match self.config.topic_config().with_overrides(&topic.configs) {
            Ok(config) => config,
            Err(err) => {
                tracing::warn!(topic = %topic.name, %err, "ignoring invalid stored topic config");
                self.config.topic_config()
            }
        }
    }

    /// The codec produced batches of `topic` are stored with, when its
    /// `compression.type` names one (`None`: as the producer sent them). Resolved when
    /// the topic's config changes, not per request.
    pub fn target_compression(&self, topic: &str) -> Option<CompressionType> {
        self.produce_settings
            .read()
            .get(topic)
            .and_then(|s| s.compression)
    }

    /// The topic's `min.insync.replicas`.
    pub fn min_insync_replicas(&self, topic: &str) -> i32 {
        self.produce_settings
            .read()
            .get(topic)
            .map_or(self.config.min_insync_replicas, |s| s.min_insync_replicas)
    }

    /// Creates (or reconfigures) the logs of the partitions of `topic` this node hosts.
    pub fn ensure_logs(&self, topic: &TopicMetadata) -> Result<(), MetadataError> {
        let topic_config = self.topic_config(topic);
        let codec = match topic_config.compression_type {
            BrokerCompressionType::Producer => None,
            BrokerCompressionType::Uncompressed => Some(CompressionType::None),
            BrokerCompressionType::Gzip => Some(CompressionType::Gzip),
            BrokerCompressionType::Snappy => Some(CompressionType::Snappy),
            BrokerCompressionType::Lz4 => Some(CompressionType::Lz4),
            BrokerCompressionType::Zstd => Some(CompressionType::Zstd),
        };
        let settings = ProduceSettings {
            compression: codec,
            min_insync_replicas: topic_config.min_insync_replicas,
        };
        self.produce_settings
            .write()
            .insert(topic.name.clone(), settings);
        let config = topic_config.log;
        for partition in &topic.partitions {
            if !partition.replicas.contains(&self.config.node_id) {
                continue;
            }
            let tp = TopicPartition::new(topic.name.clone(), partition.index);
            let log = self
                .logs
                .get_or_create_log(&tp, Some(topic.id), Some(config.clone()))
                .map_err(|err| {
                    MetadataError::new(crate::error::storage_error_code(&err), err.to_string())
                })?;
            log.update_config(config.clone());
        }
        if topic.name == crate::group_coordination::OFFSETS_TOPIC {
            self.load_group_partitions(topic);
        }
        if topic.name == crate::transaction_coordination::TRANSACTION_STATE_TOPIC {
            self.load_transaction_partitions(topic);
        }
        Ok(())
    }

    /// The log of a partition this node leads and its leader epoch, or the error a
    /// client gets.
    pub fn leader_log(
        &self,
        topic: &str,
        partition: i32,
    ) -> Result<(Arc<Log>, i32), fjord_protocol::ErrorCode> {
        use fjord_protocol::ErrorCode;
        let image = self.metadata.image();
        let topic = image
            .topic(topic)
            .ok_or(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)?;
        let index =
            usize::try_from(partition).map_err(|_| ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)?;
        let partition = topic
            .partitions
            .get(index)
            .ok_or(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION)?;
        if partition.leader != self.config.node_id {
            return Err(ErrorCode::NOT_LEADER_OR_FOLLOWER);
        }
        let log = self
            .logs
            .get_log(&TopicPartition::new(topic.name.clone(), partition.index))
            .ok_or(ErrorCode::NOT_LEADER_OR_FOLLOWER)?;
        Ok((log, partition.leader_epoch))
    }
}

impl Broker {
    /// Creates a topic and the logs of the partitions this node hosts. `configs` are
    /// validated against the topic config keys first.
    pub fn create_topic(
        &self,
        name: &str,
        num_partitions: i32,
        replication_factor: i16,
        configs: Vec<(String, String)>,
        validate_only: bool,
    ) -> Result<Arc<TopicMetadata>, MetadataError> {
        let placement = Placement::Spread {
            count: num_partitions,
            replication_factor,
        };
        self.create_topic_placed(name, placement, configs, validate_only)
    }

    /// As [`Broker::create_topic`], with the partitions placed by `placement`.
    pub fn create_topic_placed(
        &self,
        name: &str,
        placement: Placement,
        configs: Vec<(String, String)>,
        validate_only: bool,
    ) -> Result<Arc<TopicMetadata>, MetadataError> {
        if let Err(err) = self.config.topic_config().with_overrides(&configs) {
            return Err(MetadataError::new(
                fjord_protocol::ErrorCode::INVALID_CONFIG,
                err.to_string(),
            ));
        }
        let topic = self
            .metadata
            .create_topic_placed(name, placement, configs, validate_only)?;
        if !validate_only {
            self.ensure_logs(&topic)?;
        }
        Ok(topic)
    }

    /// Creates `name` with the broker's defaults, as a Metadata or Produce request for
    /// an unknown topic does when `auto.create.topics.enable` is on.
    pub fn auto_create_topic(&self, name: &str) -> Result<Arc<TopicMetadata>, MetadataError> {
        let replication = self
            .config
            .default_replication_factor
            .clamp(1, i16::MAX as i32) as i16;
        match self.create_topic(
            name,
            self.config.num_partitions,
            replication,
            Vec::new(),
            false,
        ) {
            Err(err) if err.code == fjord_protocol::ErrorCode::TOPIC_ALREADY_EXISTS => {
                self.metadata.image().topic(name).ok_or(err)
            }
            other => other,
        }
    }
}
