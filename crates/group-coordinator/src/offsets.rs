//! Committed offsets of the groups of one `__consumer_offsets` partition.

use std::collections::{BTreeMap, HashMap};

use crate::records::OffsetCommitValue;

/// (topic, partition) → committed offset.
pub type GroupOffsets = BTreeMap<(String, i32), OffsetCommitValue>;

#[derive(Default)]
pub struct OffsetStore {
    groups: HashMap<String, GroupOffsets>,
}

impl OffsetStore {
    pub fn get(&self, group: &str, topic: &str, partition: i32) -> Option<&OffsetCommitValue> {
        self.groups
            .get(group)
            .and_then(|offsets| offsets.get(&(topic.to_owned(), partition)))
    }

    pub fn group(&self, group: &str) -> Option<&GroupOffsets> {
        self.groups.get(group)
    }

    pub fn has_offsets(&self, group: &str) -> bool {
        self.groups.get(group).is_some_and(|o| !o.is_empty())
    }

    pub fn groups(&self) -> impl Iterator<Item = (&String, &GroupOffsets)> {
        self.groups.iter()
    }

    pub fn put(&mut self, group: &str, topic: &str, partition: i32, value: OffsetCommitValue) {
        self.groups
            .entry(group.to_owned())
            .or_default()
            .insert((topic.to_owned(), partition), value);
    }

    pub fn remove(&mut self, group: &str, topic: &str, partition: i32) {
        if let Some(offsets) = self.groups.get_mut(group) {
            offsets.remove(&(topic.to_owned(), partition));
            if offsets.is_empty() {
                self.groups.remove(group);
            }
        }
    }

    pub fn remove_group(&mut self, group: &str) -> GroupOffsets {
        self.groups.remove(group).unwrap_or_default()
    }

    /// The offsets of `group` that have expired at `now_ms`: by their explicit expiry
    /// if they have one, else `retention_ms` after `since_ms(commit timestamp)`.
    pub fn expired(
        &self,
        group: &str,
        now_ms: i64,
        retention_ms: i64,
        since_ms: impl Fn(&OffsetCommitValue) -> i64,
    ) -> Vec<(String, i32)> {
        let Some(offsets) = self.groups.get(group) else {
            return Vec::new();
        };
        offsets
            .iter()
            .filter(|(_, value)| {
                let expiry = if value.expire_timestamp >= 0 {
                    value.expire_timestamp
                } else {
                    since_ms(value).saturating_add(retention_ms)
                };
                expiry <= now_ms
            })
            .map(|(key, _)| key.clone())
            .collect()
    }
}
