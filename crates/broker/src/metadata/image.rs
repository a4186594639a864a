//! `MetadataImage`: an immutable snapshot of the cluster metadata.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerEndpoint {
    pub node_id: i32,
    /// The listener this address belongs to (`advertised.listeners` has one per name).
    pub listener: String,
    pub host: String,
    pub port: i32,
    pub rack: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionMetadata {
    pub index: i32,
    pub leader: i32,
    pub leader_epoch: i32,
    pub replicas: Vec<i32>,
    pub isr: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicMetadata {
    pub name: String,
    pub id: uuid::Uuid,
    pub partitions: Vec<PartitionMetadata>,
    /// The topic's config overrides (`cleanup.policy=compact`, ...), in the order set.
    pub configs: Vec<(String, String)>,
    pub internal: bool,
}

#[derive(Debug, Clone)]
pub struct MetadataImage {
    cluster_id: String,
    controller_id: i32,
    brokers: Vec<BrokerEndpoint>,
    topics: BTreeMap<String, Arc<TopicMetadata>>,
}

impl MetadataImage {
    pub fn new(cluster_id: String, controller_id: i32, brokers: Vec<BrokerEndpoint>) -> Self {
        Self {
            cluster_id,
            controller_id,
            brokers,
            topics: BTreeMap::new(),
        }
    }

    pub fn cluster_id(&self) -> &str {
        &self.cluster_id
    }
    pub fn controller_id(&self) -> i32 {
        self.controller_id
    }
    /// Every endpoint of every broker, all listeners.
    pub fn brokers(&self) -> &[BrokerEndpoint] {
        &self.brokers
    }

    /// The brokers' endpoints on `listener`, as Metadata answers a client that connected
    /// through it.
    pub fn brokers_on(&self, listener: &str) -> Vec<&BrokerEndpoint> {
        self.brokers
            .iter()
            .filter(|b| b.listener == listener)
            .collect()
    }

    /// The ids of the live brokers.
    pub fn broker_ids(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = self.brokers.iter().map(|b| b.node_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
    pub fn topics(&self) -> impl Iterator<Item = &Arc<TopicMetadata>> {
        self.topics.values()
    }
    pub fn topic(&self, name: &str) -> Option<Arc<TopicMetadata>> {
        self.topics.get(name).cloned()
    }
    pub fn topic_by_id(&self, id: uuid::Uuid) -> Option<Arc<TopicMetadata>> {
        self.topics.values().find(|t| t.id == id).cloned()
    }

    pub(super) fn put_topic(&mut self, topic: TopicMetadata) {
        self.topics.insert(topic.name.clone(), Arc::new(topic));
    }
    pub(super) fn remove_topic(&mut self, name: &str) {
        self.topics.remove(name);
    }

    /// A new topic with replicas spread round-robin over the brokers, the first replica
    /// leading, as Kafka's default placement does (without racks).
    pub(super) fn assign_new_topic(
        &self,
        name: &str,
        partitions: i32,
        replication_factor: i16,
        configs: Vec<(String, String)>,
    ) -> TopicMetadata {
        let topic = TopicMetadata {
            name: name.to_owned(),
            id: uuid::Uuid::new_v4(),
            partitions: Vec::new(),
            configs,
            internal: super::INTERNAL_TOPICS.contains(&name),
        };
        self.grow_topic_with(topic, partitions, replication_factor)
    }

    /// A new topic with the replicas a client assigned, the first leading.
    pub(super) fn assigned_new_topic(
        &self,
        name: &str,
        assignment: Vec<Vec<i32>>,
        configs: Vec<(String, String)>,
    ) -> TopicMetadata {
        let mut topic = TopicMetadata {
            name: name.to_owned(),
            id: uuid::Uuid::new_v4(),
            partitions: Vec::new(),
            configs,
            internal: super::INTERNAL_TOPICS.contains(&name),
        };
        Self::append_assigned(&mut topic, assignment);
        topic
    }

    /// Adds partitions with the given replicas after the existing ones.
    pub(super) fn append_assigned(topic: &mut TopicMetadata, assignment: Vec<Vec<i32>>) {
        for replicas in assignment {
            let index = topic.partitions.len() as i32;
            topic.partitions.push(PartitionMetadata {
                index,
                leader: replicas[0],
                leader_epoch: 0,
                isr: replicas.clone(),
                replicas,
            });
        }
    }

    pub(super) fn grow_topic(&self, topic: &TopicMetadata, count: i32) -> TopicMetadata {
        let replication_factor = topic
            .partitions
            .first()
            .map_or(1, |p| p.replicas.len() as i16);
        self.grow_topic_with(topic.clone(), count, replication_factor)
    }

    fn grow_topic_with(
        &self,
        mut topic: TopicMetadata,
        count: i32,
        replication_factor: i16,
    ) -> TopicMetadata {
        let ids = self.broker_ids();
        for index in topic.partitions.len() as i32..count {
            let replicas: Vec<i32> = (0..replication_factor as usize)
                .map(|r| ids[(index as usize + r) % ids.len().max(1)])
                .collect();
            topic.partitions.push(PartitionMetadata {
                index,
                leader: replicas[0],
                leader_epoch: 0,
                isr: replicas.clone(),
                replicas,
            });
        }
        topic
    }
}
