//! Where the broker meets the group coordinator: its settings from the broker's
//! configuration, the `__consumer_offsets` topic (created on first use, as Kafka does),
//! and handing the coordinator the partitions of it this node leads.

use fjord_config::ServerConfig;
use fjord_group_coordinator::GroupConfig;
use fjord_protocol::ErrorCode;
use fjord_storage::TopicPartition;

use crate::metadata::{MetadataError, Placement, TopicMetadata};
use crate::Broker;

pub const OFFSETS_TOPIC: &str = "__consumer_offsets";

/// READ, DELETE and DESCRIBE on a group (bits are Kafka's AclOperation codes): all
/// there is while no authorizer is configured. Describe answers give it when asked.
pub const GROUP_OPERATIONS: i32 = (1 << 3) | (1 << 6) | (1 << 8);

/// `authorized_operations` in a describe answer.
pub fn authorized_operations(include: bool) -> i32 {
    if include {
        GROUP_OPERATIONS
    } else {
        i32::MIN
    }
}

pub fn group_config(config: &ServerConfig) -> GroupConfig {
    let size = |n: i32| usize::try_from(n).unwrap_or(usize::MAX);
    GroupConfig {
        offsets_topic_num_partitions: config.offsets_topic_num_partitions,
        min_session_timeout_ms: config.group_min_session_timeout_ms,
        max_session_timeout_ms: config.group_max_session_timeout_ms,
        initial_rebalance_delay_ms: config.group_initial_rebalance_delay_ms,
        max_size: size(config.group_max_size),
        offset_metadata_max_bytes: size(config.offset_metadata_max_bytes),
        offsets_retention_ms: i64::from(config.offsets_retention_minutes) * 60_000,
        offsets_retention_check_interval_ms: config.offsets_retention_check_interval_ms,
        consumer_session_timeout_ms: config.group_consumer_session_timeout_ms,
        consumer_heartbeat_interval_ms: config.group_consumer_heartbeat_interval_ms,
        consumer_max_size: size(config.group_consumer_max_size),
        consumer_assignors: config.group_consumer_assignors.clone(),
    }
}

impl Broker {
    /// `__consumer_offsets`, created with Kafka's settings for it if it does not
    /// exist yet (the first FindCoordinator does this in Kafka too).
    pub fn ensure_offsets_topic(&self) -> Result<(), MetadataError> {
        if self.metadata.image().topic(OFFSETS_TOPIC).is_some() {
            return Ok(());
        }
        let brokers = self.metadata.image().broker_ids().len().max(1);
        let replication =
            i32::from(self.config.offsets_topic_replication_factor).min(brokers as i32) as i16;
        let configs = vec![
            ("cleanup.policy".to_owned(), "compact".to_owned()),
            ("compression.type".to_owned(), "producer".to_owned()),
            (
                "segment.bytes".to_owned(),
                self.config.offsets_topic_segment_bytes.to_string(),
            ),
        ];
        let placement = Placement::Spread {
            count: self.config.offsets_topic_num_partitions,
            replication_factor: replication,
        };
        match self.create_topic_placed(OFFSETS_TOPIC, placement, configs, false) {
            Ok(_) => {
                tracing::info!("created {OFFSETS_TOPIC}");
                Ok(())
            }
            Err(err) if err.code == ErrorCode::TOPIC_ALREADY_EXISTS => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Hands the coordinator every partition of `__consumer_offsets` this node leads
    /// and has not loaded yet.
    pub(crate) fn load_group_partitions(&self, topic: &TopicMetadata) {
        for partition in &topic.partitions {
            if partition.leader != self.config.node_id || self.groups.is_leading(partition.index) {
                continue;
            }
            let tp = TopicPartition::new(OFFSETS_TOPIC, partition.index);
            match self.logs.get_log(&tp) {
                Some(log) => self
                    .groups
                    .load(partition.index, log, partition.leader_epoch),
                None => tracing::warn!(
                    partition = partition.index,
                    "no log for a led {OFFSETS_TOPIC} partition"
                ),
            }
        }
    }
}

/// The metadata image as the group coordinator sees topics (KIP-848 groups subscribe
/// by name and are assigned by topic id).
pub struct ImageTopics(pub std::sync::Arc<crate::metadata::MetadataImage>);

impl fjord_group_coordinator::consumer::TopicsView for ImageTopics {
    fn topic(&self, name: &str) -> Option<([u8; 16], i32)> {
        self.0
            .topic(name)
            .map(|t| (*t.id.as_bytes(), t.partitions.len() as i32))
    }

    fn topic_names(&self) -> Vec<String> {
        self.0.topics().map(|t| t.name.clone()).collect()
    }

    fn topic_name(&self, id: &[u8; 16]) -> Option<String> {
        self.0
            .topic_by_id(uuid::Uuid::from_bytes(*id))
            .map(|t| t.name.clone())
    }
}
