//! The records of KIP-848 consumer groups: group epoch (type 3), member subscription
//! (5), target assignment epoch (6) and per member (7), and each member's current
//! assignment (8). All values are flexible version 0. Type 4 (subscription metadata,
//! dropped by Kafka 4.x) is not written and is skipped when read.

use std::collections::{BTreeMap, BTreeSet};

use fjord_protocol::codec::{DecodeError, Reader, Writer};

use super::value_version;

/// A topic id (Kafka's UUID).
pub type TopicId = [u8; 16];
/// Partitions by topic id.
pub type Assignment = BTreeMap<TopicId, BTreeSet<i32>>;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberSubscription {
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub subscribed_topic_regex: Option<String>,
    pub rebalance_timeout_ms: i32,
    pub server_assignor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CurrentAssignmentValue {
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    /// Kafka's MemberState: 0 stable, 1 unrevoked partitions, 2 unreleased partitions.
    pub state: i8,
    pub assigned: Assignment,
    pub pending_revocation: Assignment,
}

/// Encodes a value that is just one int32 (group epoch, assignment epoch).
pub fn encode_epoch(epoch: i32) -> Vec<u8> {
    let mut w = Writer::new();
    w.i16(0);
    w.i32(epoch);
    w.empty_tagged_fields(true);
    w.bytes_written().to_vec()
}

pub fn decode_epoch(bytes: &[u8]) -> Result<i32, DecodeError> {
    let mut r = Reader::new(bytes);
    value_version(&mut r, 0)?;
    let epoch = r.i32()?;
    r.skip_tagged_fields(true)?;
    Ok(epoch)
}

impl MemberSubscription {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.i16(0);
        w.nullable_string(true, self.instance_id.as_deref());
        w.nullable_string(true, self.rack_id.as_deref());
        w.string(true, &self.client_id);
        w.string(true, &self.client_host);
        w.array(true, &self.subscribed_topic_names, |w, t| w.string(true, t));
        w.nullable_string(true, self.subscribed_topic_regex.as_deref());
        w.i32(self.rebalance_timeout_ms);
        w.nullable_string(true, self.server_assignor.as_deref());
        w.empty_tagged_fields(true);
        w.bytes_written().to_vec()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        value_version(&mut r, 0)?;
        let value = Self {
            instance_id: r.nullable_string(true)?.map(str::to_owned),
            rack_id: r.nullable_string(true)?.map(str::to_owned),
            client_id: r.string(true)?.to_owned(),
            client_host: r.string(true)?.to_owned(),
            subscribed_topic_names: r.array(true, 1, |r| r.string(true).map(str::to_owned))?,
            subscribed_topic_regex: r.nullable_string(true)?.map(str::to_owned),
            rebalance_timeout_ms: r.i32()?,
            server_assignor: r.nullable_string(true)?.map(str::to_owned),
        };
        // Tag 0 (classic member metadata) belongs to groups upgraded from the classic
        // protocol, which Fjord does not do; it is skipped.
        r.skip_tagged_fields(true)?;
        Ok(value)
    }
}

/// Value of a target assignment member record (type 7).
pub fn encode_assignment(assignment: &Assignment) -> Vec<u8> {
    let mut w = Writer::new();
    w.i16(0);
    write_assignment(&mut w, assignment);
    w.empty_tagged_fields(true);
    w.bytes_written().to_vec()
}

pub fn decode_assignment(bytes: &[u8]) -> Result<Assignment, DecodeError> {
    let mut r = Reader::new(bytes);
    value_version(&mut r, 0)?;
    let assignment = read_assignment(&mut r)?;
    r.skip_tagged_fields(true)?;
    Ok(assignment)
}

impl CurrentAssignmentValue {
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.i16(0);
        w.i32(self.member_epoch);
        w.i32(self.previous_member_epoch);
        w.i8(self.state);
        write_assignment(&mut w, &self.assigned);
        write_assignment(&mut w, &self.pending_revocation);
        w.empty_tagged_fields(true);
        w.bytes_written().to_vec()
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        value_version(&mut r, 0)?;
        let value = Self {
            member_epoch: r.i32()?,
            previous_member_epoch: r.i32()?,
            state: r.i8()?,
            assigned: read_assignment(&mut r)?,
            pending_revocation: read_assignment(&mut r)?,
        };
        r.skip_tagged_fields(true)?;
        Ok(value)
    }
}

fn write_assignment(w: &mut Writer, assignment: &Assignment) {
    let topics: Vec<(&TopicId, &BTreeSet<i32>)> = assignment.iter().collect();
    w.array(true, &topics, |w, (id, partitions)| {
        w.uuid(id);
        let partitions: Vec<i32> = partitions.iter().copied().collect();
        w.array(true, &partitions, |w, p| w.i32(*p));
        w.empty_tagged_fields(true);
    });
}

fn read_assignment(r: &mut Reader<'_>) -> Result<Assignment, DecodeError> {
    // A topic takes at least its uuid, an empty partition array and tagged fields.
    let topics = r.array(true, 18, |r| {
        let id = r.uuid()?;
        let partitions = r.array(true, 4, |r| r.i32())?;
        r.skip_tagged_fields(true)?;
        Ok((id, partitions.into_iter().collect::<BTreeSet<i32>>()))
    })?;
    Ok(topics.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assignment() -> Assignment {
        let mut a = Assignment::new();
        a.insert([1; 16], [0, 2].into_iter().collect());
        a.insert([2; 16], [1].into_iter().collect());
        a
    }

    #[test]
    fn test_consumer_group_values_round_trip() {
        assert_eq!(decode_epoch(&encode_epoch(7)).unwrap(), 7);
        assert_eq!(
            decode_assignment(&encode_assignment(&assignment())).unwrap(),
            assignment()
        );
        let current = CurrentAssignmentValue {
            member_epoch: 5,
            previous_member_epoch: 4,
            state: 1,
            assigned: assignment(),
            pending_revocation: Assignment::new(),
        };
        assert_eq!(
            CurrentAssignmentValue::decode(&current.encode()).unwrap(),
            current
        );
        let subscription = MemberSubscription {
            instance_id: Some("i".into()),
            rack_id: None,
            client_id: "c".into(),
            client_host: "/1.2.3.4".into(),
            subscribed_topic_names: vec!["a".into(), "b".into()],
            subscribed_topic_regex: None,
            rebalance_timeout_ms: 300_000,
            server_assignor: Some("range".into()),
        };
        assert_eq!(
            MemberSubscription::decode(&subscription.encode()).unwrap(),
            subscription
        );
    }

    #[test]
    fn test_group_epoch_value_golden() {
        assert_eq!(encode_epoch(3), [0, 0, 0, 0, 0, 3, 0]);
    }

    #[test]
    fn test_truncated_values_are_errors() {
        let bytes = CurrentAssignmentValue::default().encode();
        assert!(CurrentAssignmentValue::decode(&bytes[..bytes.len() - 2]).is_err());
        assert!(MemberSubscription::decode(&[0, 0, 5]).is_err());
    }
}
