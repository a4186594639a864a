//! ConsumerGroupDescribe (key 69): the state of KIP-848 consumer groups, the
//! counterpart of DescribeGroups for groups whose assignment the coordinator computes;
//! what `kafka-consumer-groups --describe` uses for them.
//!
//! Every version is flexible. Each member shows two assignments: the one it has
//! acknowledged and the target the coordinator is moving it to, which differ while a
//! rebalance is under way.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

/// 1 adds each member's type (KIP-1099); the request is unchanged.
pub const VERSIONS: RangeInclusive<i16> = 0..=1;
const FLEXIBLE: i16 = 0;

/// [`DescribedMember::member_type`]: not known (and what v0 decodes to).
pub const MEMBER_TYPE_UNKNOWN: i8 = -1;
/// [`DescribedMember::member_type`]: a classic-protocol member of a consumer group
/// (KIP-848's upgrade path).
pub const MEMBER_TYPE_CLASSIC: i8 = 0;
/// [`DescribedMember::member_type`]: a KIP-848 consumer.
pub const MEMBER_TYPE_CONSUMER: i8 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerGroupDescribeRequest {
    pub group_ids: Vec<String>,
    /// Computing the ACL bitfield costs an authorizer call per operation, so it is
    /// only done when asked for.
    pub include_authorized_operations: bool,
}

impl Decode for ConsumerGroupDescribeRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let request = Self {
            group_ids: r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?,
            include_authorized_operations: r.bool()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for ConsumerGroupDescribeRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.array(flexible, &self.group_ids, |w, id| w.string(flexible, id));
        w.bool(self.include_authorized_operations);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumerGroupDescribeResponse {
    pub throttle_time_ms: i32,
    pub groups: Vec<DescribedGroup>,
}

/// One requested group. A group that does not exist, or is a classic group, is
/// answered with GROUP_ID_NOT_FOUND here rather than failing the whole request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedGroup {
    pub error_code: ErrorCode,
    pub error_message: Option<String>,
    pub group_id: String,
    /// "Empty", "Assigning", "Reconciling", "Stable" or "Dead"; `""` on error.
    pub group_state: String,
    /// Bumped on every change of membership or subscriptions.
    pub group_epoch: i32,
    /// The group epoch the current target assignment was computed for.
    pub assignment_epoch: i32,
    pub assignor_name: String,
    pub members: Vec<DescribedMember>,
    /// A bitfield of the ACL operations the caller may perform on the group;
    /// `i32::MIN` when not requested.
    pub authorized_operations: i32,
}

impl Default for DescribedGroup {
    fn default() -> Self {
        Self {
            error_code: ErrorCode::NONE,
            error_message: None,
            group_id: String::new(),
            group_state: String::new(),
            group_epoch: 0,
            assignment_epoch: 0,
            assignor_name: String::new(),
            members: Vec::new(),
            authorized_operations: i32::MIN,
        }
    }
}

impl DescribedGroup {
    /// int16, a nullable string and three strings, two int32s, an array, an int32, no
    /// tagged fields.
    const MIN_SIZE: usize = 2 + 4 * string_min(true) + 8 + array_min(true) + 4 + tags_min(true);

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let group = Self {
            error_code: ErrorCode(r.i16()?),
            error_message: r.nullable_string(flexible)?.map(str::to_owned),
            group_id: r.string(flexible)?.to_owned(),
            group_state: r.string(flexible)?.to_owned(),
            group_epoch: r.i32()?,
            assignment_epoch: r.i32()?,
            assignor_name: r.string(flexible)?.to_owned(),
            members: r.array(flexible, DescribedMember::min_size(version), |r| {
                DescribedMember::read(r, version)
            })?,
            authorized_operations: r.i32()?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(group)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i16(self.error_code.0);
        w.nullable_string(flexible, self.error_message.as_deref());
        w.string(flexible, &self.group_id);
        w.string(flexible, &self.group_state);
        w.i32(self.group_epoch);
        w.i32(self.assignment_epoch);
        w.string(flexible, &self.assignor_name);
        w.array(flexible, &self.members, |w, member| {
            member.write(w, version)
        });
        w.i32(self.authorized_operations);
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedMember {
    pub member_id: String,
    pub instance_id: Option<String>,
    pub rack_id: Option<String>,
    pub member_epoch: i32,
    pub client_id: String,
    pub client_host: String,
    pub subscribed_topic_names: Vec<String>,
    pub subscribed_topic_regex: Option<String>,
    /// What the member owns now.
    pub assignment: MemberAssignment,
    /// What the coordinator wants it to own.
    pub target_assignment: MemberAssignment,
    /// One of the `MEMBER_TYPE_*` constants (v1+).
    pub member_type: i8,
}

impl Default for DescribedMember {
    fn default() -> Self {
        Self {
            member_id: String::new(),
            instance_id: None,
            rack_id: None,
            member_epoch: 0,
            client_id: String::new(),
            client_host: String::new(),
            subscribed_topic_names: Vec::new(),
            subscribed_topic_regex: None,
            assignment: MemberAssignment::default(),
            target_assignment: MemberAssignment::default(),
            member_type: MEMBER_TYPE_UNKNOWN,
        }
    }
}

impl DescribedMember {
    /// Three strings and three nullable ones, an int32, an array, two empty
    /// assignments, from v1 an int8, no tagged fields.
    fn min_size(version: i16) -> usize {
        6 * string_min(true)
            + 4
            + array_min(true)
            + 2 * MemberAssignment::MIN_SIZE
            + when(version >= 1, 1)
            + tags_min(true)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut member = Self {
            member_id: r.string(flexible)?.to_owned(),
            instance_id: r.nullable_string(flexible)?.map(str::to_owned),
            rack_id: r.nullable_string(flexible)?.map(str::to_owned),
            member_epoch: r.i32()?,
            client_id: r.string(flexible)?.to_owned(),
            client_host: r.string(flexible)?.to_owned(),
            subscribed_topic_names: r.array(flexible, string_min(flexible), |r| {
                Ok(r.string(flexible)?.to_owned())
            })?,
            subscribed_topic_regex: r.nullable_string(flexible)?.map(str::to_owned),
            assignment: MemberAssignment::read(r, flexible)?,
            target_assignment: MemberAssignment::read(r, flexible)?,
            ..Default::default()
        };
        if version >= 1 {
            member.member_type = r.i8()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(member)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.string(flexible, &self.member_id);
        w.nullable_string(flexible, self.instance_id.as_deref());
        w.nullable_string(flexible, self.rack_id.as_deref());
        w.i32(self.member_epoch);
        w.string(flexible, &self.client_id);
        w.string(flexible, &self.client_host);
        let names = &self.subscribed_topic_names;
        w.array(flexible, names, |w, name| w.string(flexible, name));
        w.nullable_string(flexible, self.subscribed_topic_regex.as_deref());
        self.assignment.write(w, flexible);
        self.target_assignment.write(w, flexible);
        if version >= 1 {
            w.i8(self.member_type);
        }
        w.empty_tagged_fields(flexible);
    }
}

/// A struct of its own (with its own tagged fields) so that fields can be added to
/// both assignments at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberAssignment {
    pub topic_partitions: Vec<AssignedTopicPartitions>,
}

impl MemberAssignment {
    /// An empty array, no tagged fields.
    const MIN_SIZE: usize = array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let assignment = Self {
            topic_partitions: r.array(flexible, AssignedTopicPartitions::MIN_SIZE, |r| {
                AssignedTopicPartitions::read(r, flexible)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(assignment)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.array(flexible, &self.topic_partitions, |w, topic| {
            topic.write(w, flexible)
        });
        w.empty_tagged_fields(flexible);
    }
}

/// Both the id (what the assignment really refers to) and the name (for people).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssignedTopicPartitions {
    pub topic_id: [u8; 16],
    pub topic_name: String,
    pub partitions: Vec<i32>,
}

impl AssignedTopicPartitions {
    /// A uuid, a string, an int32 array, no tagged fields.
    const MIN_SIZE: usize = 16 + string_min(true) + array_min(true) + tags_min(true);

    fn read(r: &mut Reader<'_>, flexible: bool) -> Result<Self, DecodeError> {
        let topic = Self {
            topic_id: r.uuid()?,
            topic_name: r.string(flexible)?.to_owned(),
            partitions: r.array(flexible, 4, |r| r.i32())?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, flexible: bool) {
        w.uuid(&self.topic_id);
        w.string(flexible, &self.topic_name);
        w.array(flexible, &self.partitions, |w, p| w.i32(*p));
        w.empty_tagged_fields(flexible);
    }
}

impl Encode for ConsumerGroupDescribeResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.throttle_time_ms);
        w.array(flexible, &self.groups, |w, group| group.write(w, version));
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for ConsumerGroupDescribeResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let response = Self {
            throttle_time_ms: r.i32()?,
            groups: r.array(flexible, DescribedGroup::MIN_SIZE, |r| {
                DescribedGroup::read(r, version)
            })?,
        };
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_without_panicking, encode_to_vec,
        written_len,
    };

    fn sample_request() -> ConsumerGroupDescribeRequest {
        ConsumerGroupDescribeRequest {
            group_ids: vec!["billing".into(), "audit".into()],
            include_authorized_operations: true,
        }
    }

    fn sample_response(version: i16) -> ConsumerGroupDescribeResponse {
        let orders = |partitions: Vec<i32>| AssignedTopicPartitions {
            topic_id: [0x11; 16],
            topic_name: "orders".into(),
            partitions,
        };
        ConsumerGroupDescribeResponse {
            throttle_time_ms: 9,
            groups: vec![
                DescribedGroup {
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    group_id: "billing".into(),
                    group_state: "Reconciling".into(),
                    group_epoch: 12,
                    assignment_epoch: 12,
                    assignor_name: "uniform".into(),
                    members: vec![
                        DescribedMember {
                            member_id: "Xy1kAbCdEfGhIjKlMnOpQr".into(),
                            instance_id: Some("billing-pod-3".into()),
                            rack_id: Some("eu-west-1a".into()),
                            member_epoch: 11,
                            client_id: "billing-app".into(),
                            client_host: "/10.0.0.7".into(),
                            subscribed_topic_names: vec!["orders".into()],
                            subscribed_topic_regex: None,
                            assignment: MemberAssignment {
                                topic_partitions: vec![orders(vec![0, 1, 2])],
                            },
                            target_assignment: MemberAssignment {
                                topic_partitions: vec![orders(vec![0, 1])],
                            },
                            member_type: if version >= 1 {
                                MEMBER_TYPE_CONSUMER
                            } else {
                                MEMBER_TYPE_UNKNOWN
                            },
                        },
                        DescribedMember {
                            member_id: "second".into(),
                            subscribed_topic_regex: Some("ord.*".into()),
                            target_assignment: MemberAssignment {
                                topic_partitions: vec![orders(vec![2])],
                            },
                            ..Default::default()
                        },
                    ],
                    authorized_operations: 0x0f8,
                },
                DescribedGroup {
                    error_code: ErrorCode::GROUP_ID_NOT_FOUND,
                    error_message: Some("Group audit not found.".into()),
                    group_id: "audit".into(),
                    ..Default::default()
                },
            ],
        }
    }

    #[test]
    fn test_consumer_group_describe_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(), [version]);
            assert_round_trips(&ConsumerGroupDescribeRequest::default(), [version]);
            assert_round_trips(&sample_response(version), [version]);
        }
    }

    #[test]
    fn test_consumer_group_describe_request_v0_golden() {
        #[rustfmt::skip]
        let bytes = [
            0x03, // group_ids: 2 (compact)
            0x02, b'a', // "a"
            0x02, b'b', // "b"
            0x00, // include_authorized_operations: false
            0x00, // request tagged fields
        ];
        let request = ConsumerGroupDescribeRequest {
            group_ids: vec!["a".into(), "b".into()],
            include_authorized_operations: false,
        };
        assert_golden(&request, 0, &bytes);
        assert_golden(&request, 1, &bytes);
    }

    /// One group with one member; `member_type` is the last member field in v1.
    fn golden_response_bytes(version: i16) -> Vec<u8> {
        #[rustfmt::skip]
        let mut bytes = vec![
            0x00, 0x00, 0x00, 0x00, // throttle_time_ms: 0
            0x02, // groups: 1 (compact)
            0x00, 0x00, // error_code: NONE
            0x00, // error_message: null
            0x02, b'g', // group_id: "g"
            0x07, b'S', b't', b'a', b'b', b'l', b'e', // group_state: "Stable"
            0x00, 0x00, 0x00, 0x03, // group_epoch: 3
            0x00, 0x00, 0x00, 0x03, // assignment_epoch: 3
            0x06, b'r', b'a', b'n', b'g', b'e', // assignor_name: "range"
            0x02, // members: 1
            0x02, b'm', // member_id: "m"
            0x00, // instance_id: null
            0x00, // rack_id: null
            0x00, 0x00, 0x00, 0x05, // member_epoch: 5
            0x02, b'c', // client_id: "c"
            0x02, b'h', // client_host: "h"
            0x02, 0x02, b't', // subscribed_topic_names: ["t"]
            0x00, // subscribed_topic_regex: null
            0x02, // assignment.topic_partitions: 1
        ];
        bytes.extend([0x42; 16]); // topic_id
        #[rustfmt::skip]
        bytes.extend([
            0x02, b't', // topic_name: "t"
            0x02, 0x00, 0x00, 0x00, 0x00, // partitions: [0]
            0x00, // topic tagged fields
            0x00, // assignment tagged fields
            0x01, // target_assignment.topic_partitions: 0
            0x00, // target_assignment tagged fields
        ]);
        if version >= 1 {
            bytes.push(0x00); // member_type: classic
        }
        #[rustfmt::skip]
        bytes.extend([
            0x00, // member tagged fields
            0x80, 0x00, 0x00, 0x00, // authorized_operations: i32::MIN
            0x00, // group tagged fields
            0x00, // response tagged fields
        ]);
        bytes
    }

    fn golden_response(version: i16) -> ConsumerGroupDescribeResponse {
        ConsumerGroupDescribeResponse {
            throttle_time_ms: 0,
            groups: vec![DescribedGroup {
                group_id: "g".into(),
                group_state: "Stable".into(),
                group_epoch: 3,
                assignment_epoch: 3,
                assignor_name: "range".into(),
                members: vec![DescribedMember {
                    member_id: "m".into(),
                    member_epoch: 5,
                    client_id: "c".into(),
                    client_host: "h".into(),
                    subscribed_topic_names: vec!["t".into()],
                    assignment: MemberAssignment {
                        topic_partitions: vec![AssignedTopicPartitions {
                            topic_id: [0x42; 16],
                            topic_name: "t".into(),
                            partitions: vec![0],
                        }],
                    },
                    member_type: if version >= 1 {
                        MEMBER_TYPE_CLASSIC
                    } else {
                        MEMBER_TYPE_UNKNOWN
                    },
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    #[test]
    fn test_consumer_group_describe_response_v0_golden() {
        assert_golden(&golden_response(0), 0, &golden_response_bytes(0));
    }

    #[test]
    fn test_consumer_group_describe_response_v1_golden() {
        assert_golden(&golden_response(1), 1, &golden_response_bytes(1));
    }

    #[test]
    fn test_consumer_group_describe_min_sizes_match_the_smallest_encodings() {
        let topic = AssignedTopicPartitions::default();
        assert_eq!(
            written_len(|w| topic.write(w, true)),
            AssignedTopicPartitions::MIN_SIZE
        );
        let assignment = MemberAssignment::default();
        assert_eq!(
            written_len(|w| assignment.write(w, true)),
            MemberAssignment::MIN_SIZE
        );
        for version in VERSIONS {
            let member = DescribedMember::default();
            assert_eq!(
                written_len(|w| member.write(w, version)),
                DescribedMember::min_size(version),
                "v{version}"
            );
            let group = DescribedGroup::default();
            assert_eq!(
                written_len(|w| group.write(w, version)),
                DescribedGroup::MIN_SIZE,
                "v{version}"
            );
        }
    }

    proptest! {
        #[test]
        fn test_consumer_group_describe_decode_never_panics_on_arbitrary_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
            version in VERSIONS,
        ) {
            decode_without_panicking::<ConsumerGroupDescribeRequest>(&bytes, [version]);
            decode_without_panicking::<ConsumerGroupDescribeResponse>(&bytes, [version]);
        }

        #[test]
        fn test_consumer_group_describe_decode_never_panics_on_damaged_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<ConsumerGroupDescribeRequest>(&bytes, [version]);
                decode_without_panicking::<ConsumerGroupDescribeResponse>(&bytes, [version]);
            }
        }
    }
}
