//! The cluster as this node sees it: brokers, topics, partitions, leaders, leader
//! epochs, replicas, ISR and topic configs, behind one interface.
//!
//! Today the metadata lives in a log of this node (`__cluster_metadata-0`, Kafka's
//! name for the KRaft metadata log), written through the storage engine and replayed
//! at start. The cluster issue puts a Raft quorum behind the same interface: handlers
//! never assume they run on one node; they read leaders and ISR from here.

mod assignment;
mod image;
mod meta_properties;
mod metadata_log;
mod topic_name;

use std::sync::Arc;

use fjord_protocol::ErrorCode;
use fjord_storage::LogManager;
use parking_lot::{Mutex, RwLock};

pub use assignment::{validate_assignment, Placement};
pub use image::{BrokerEndpoint, MetadataImage, PartitionMetadata, TopicMetadata};
pub use meta_properties::load_or_format;
pub use topic_name::{validate_topic_name, INTERNAL_TOPICS};

use metadata_log::MetadataLog;

/// A metadata change refused, with the Kafka error code and message a client sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MetadataError {
    pub code: ErrorCode,
    pub message: String,
}

impl MetadataError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The cluster metadata. Reads take a snapshot ([`ClusterMetadata::image`]); changes go
/// through the metadata log first, then into the image. Thread-safe.
pub struct ClusterMetadata {
    node_id: i32,
    /// The next producer id to hand out and the end of the block reserved in the log.
    producer_ids: Mutex<(i64, i64)>,
    image: RwLock<Arc<MetadataImage>>,
    log: Mutex<MetadataLog>,
}

impl ClusterMetadata {
    /// Replays the metadata log under `log_manager`.
    pub fn open(
        node_id: i32,
        cluster_id: String,
        brokers: Vec<BrokerEndpoint>,
        log_manager: &LogManager,
    ) -> Result<Self, MetadataError> {
        let log = MetadataLog::open(log_manager)?;
        let mut image = MetadataImage::new(cluster_id, node_id, brokers);
        let mut producer_block_end = 0;
        for record in log.replay()? {
            match record {
                metadata_log::MetadataRecord::Topic(topic) => image.put_topic(topic),
                metadata_log::MetadataRecord::RemoveTopic { name } => image.remove_topic(&name),
                metadata_log::MetadataRecord::ProducerIds { block_end } => {
                    producer_block_end = producer_block_end.max(block_end)
                }
            }
        }
        Ok(Self {
            node_id,
            producer_ids: Mutex::new((producer_block_end, producer_block_end)),
            image: RwLock::new(Arc::new(image)),
            log: Mutex::new(log),
        })
    }

    pub fn node_id(&self) -> i32 {
        self.node_id
    }

    /// A consistent snapshot of the whole cluster.
    pub fn image(&self) -> Arc<MetadataImage> {
        Arc::clone(&self.image.read())
    }

    /// Creates a topic with every partition led by a live broker, validating as Kafka
    /// does. `configs` are the topic overrides, already validated by the caller.
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

    /// Creates a topic with its partitions placed by `placement`.
    pub fn create_topic_placed(
        &self,
        name: &str,
        placement: Placement,
        configs: Vec<(String, String)>,
        validate_only: bool,
    ) -> Result<Arc<TopicMetadata>, MetadataError> {
        validate_topic_name(name)?;
        let mut log = self.log.lock();
        let image = self.image();
        if image.topic(name).is_some() {
            return Err(MetadataError::new(
                ErrorCode::TOPIC_ALREADY_EXISTS,
                format!("Topic '{name}' already exists."),
            ));
        }
        let brokers = image.broker_ids();
        let topic = match placement {
            Placement::Spread {
                count,
                replication_factor,
            } => {
                check_spread(count, replication_factor, brokers.len())?;
                image.assign_new_topic(name, count, replication_factor, configs)
            }
            Placement::Assigned(assignment) => {
                validate_assignment(&assignment, &brokers, None)?;
                image.assigned_new_topic(name, assignment, configs)
            }
        };
        if validate_only {
            return Ok(Arc::new(topic));
        }
        log.append(&metadata_log::MetadataRecord::Topic(topic.clone()))?;
        let topic = Arc::new(topic);
        self.update(|image| image.put_topic((*topic).clone()));
        tracing::info!(
            topic = name,
            partitions = topic.partitions.len(),
            "created topic"
        );
        Ok(topic)
    }

    /// Deletes a topic by name.
    pub fn delete_topic(&self, name: &str) -> Result<Arc<TopicMetadata>, MetadataError> {
        let mut log = self.log.lock();
        let topic = self.image().topic(name).ok_or_else(unknown_topic)?;
        if topic.internal {
            return Err(MetadataError::new(
                ErrorCode::INVALID_TOPIC_EXCEPTION,
                format!("Cannot delete internal topic {name}"),
            ));
        }
        log.append(&metadata_log::MetadataRecord::RemoveTopic {
            name: name.to_owned(),
        })?;
        self.update(|image| image.remove_topic(name));
        tracing::info!(topic = name, "deleted topic");
        Ok(topic)
    }

    /// Grows a topic to `count` partitions (never shrinks, as Kafka).
    pub fn create_partitions(
        &self,
        name: &str,
        count: i32,
        assignment: Option<Vec<Vec<i32>>>,
        validate_only: bool,
    ) -> Result<Arc<TopicMetadata>, MetadataError> {
        let mut log = self.log.lock();
        let topic = self.image().topic(name).ok_or_else(unknown_topic)?;
        let current = topic.partitions.len() as i32;
        if count < current {
            return Err(MetadataError::new(
                ErrorCode::INVALID_PARTITIONS,
                format!("Topic currently has {current} partitions, which is higher than the requested {count}."),
            ));
        }
        if count == current {
            return Err(MetadataError::new(
                ErrorCode::INVALID_PARTITIONS,
                format!("Topic already has {current} partitions."),
            ));
        }
        let grown = match assignment {
            None => self.image().grow_topic(&topic, count),
            Some(assignment) => {
                let added = (count - current) as usize;
                if assignment.len() != added {
                    return Err(MetadataError::new(
                        ErrorCode::INVALID_REPLICA_ASSIGNMENT,
                        format!("Increasing the number of partitions by {added} but {} assignments provided.", assignment.len()),
                    ));
                }
                let brokers = self.image().broker_ids();
                let replication_factor = topic.partitions.first().map(|p| p.replicas.len());
                validate_assignment(&assignment, &brokers, replication_factor)?;
                let mut grown = (*topic).clone();
                MetadataImage::append_assigned(&mut grown, assignment);
                grown
            }
        };
        if validate_only {
            return Ok(Arc::new(grown));
        }
        log.append(&metadata_log::MetadataRecord::Topic(grown.clone()))?;
        self.update(|image| image.put_topic(grown.clone()));
        Ok(Arc::new(grown))
    }

    /// Replaces a topic's config overrides.
    pub fn set_topic_configs(
        &self,
        name: &str,
        configs: Vec<(String, String)>,
    ) -> Result<Arc<TopicMetadata>, MetadataError> {
        let mut log = self.log.lock();
        let topic = self.image().topic(name).ok_or_else(unknown_topic)?;
        let updated = TopicMetadata {
            configs,
            ..(*topic).clone()
        };
        log.append(&metadata_log::MetadataRecord::Topic(updated.clone()))?;
        self.update(|image| image.put_topic(updated.clone()));
        Ok(Arc::new(updated))
    }

    /// A producer id never handed out before, also across restarts: ids are reserved
    /// in blocks recorded in the metadata log, as Kafka's controller does.
    pub fn allocate_producer_id(&self) -> Result<i64, MetadataError> {
        const BLOCK: i64 = 1000;
        let mut ids = self.producer_ids.lock();
        if ids.0 >= ids.1 {
            let block_end = ids.1 + BLOCK;
            self.log
                .lock()
                .append(&metadata_log::MetadataRecord::ProducerIds { block_end })?;
            ids.1 = block_end;
        }
        let id = ids.0;
        ids.0 += 1;
        Ok(id)
    }

    fn update(&self, change: impl FnOnce(&mut MetadataImage)) {
        let mut guard = self.image.write();
        let mut next = (**guard).clone();
        change(&mut next);
        *guard = Arc::new(next);
    }
}

/// Kafka's checks of a partition count and replication factor.
fn check_spread(count: i32, replication_factor: i16, brokers: usize) -> Result<(), MetadataError> {
    if count <= 0 {
        return Err(MetadataError::new(
            ErrorCode::INVALID_PARTITIONS,
            "Number of partitions must be larger than 0.",
        ));
    }
    if replication_factor <= 0 {
        return Err(MetadataError::new(
            ErrorCode::INVALID_REPLICATION_FACTOR,
            "Replication factor must be larger than 0.",
        ));
    }
    if replication_factor as usize > brokers {
        return Err(MetadataError::new(
            ErrorCode::INVALID_REPLICATION_FACTOR,
            format!("Replication factor: {replication_factor} larger than available brokers: {brokers}."),
        ));
    }
    Ok(())
}

fn unknown_topic() -> MetadataError {
    MetadataError::new(
        ErrorCode::UNKNOWN_TOPIC_OR_PARTITION,
        "This server does not host this topic-partition.",
    )
}
