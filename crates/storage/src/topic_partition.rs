//! `TopicPartition` and its directory name, `<topic>-<partition>`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }

    /// The name of the partition's directory under a log dir.
    pub fn dir_name(&self) -> String {
        format!("{}-{}", self.topic, self.partition)
    }

    /// Parses a partition directory name. The topic may itself contain `-`, so the
    /// partition is what follows the last one. Kafka's marker suffixes for directories
    /// being deleted or moved (`-delete`, `-future`, `-stray`) are not partitions.
    pub fn parse_dir_name(name: &str) -> Option<Self> {
        let (topic, partition) = name.rsplit_once('-')?;
        if topic.is_empty()
            || partition.is_empty()
            || !partition.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let partition = partition.parse().ok()?;
        Some(Self::new(topic, partition))
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_dir_name_round_trip_with_dashes_in_topic() {
        let tp = TopicPartition::new("retail-data-test", 12);
        assert_eq!(TopicPartition::parse_dir_name(&tp.dir_name()), Some(tp));
    }

    #[test]
    fn test_dir_name_rejects_marker_suffixes() {
        assert_eq!(TopicPartition::parse_dir_name("t-0.abc-delete"), None);
        assert_eq!(TopicPartition::parse_dir_name("t-future"), None);
        assert_eq!(TopicPartition::parse_dir_name("nodash"), None);
    }
}
