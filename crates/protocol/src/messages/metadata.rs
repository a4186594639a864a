//! Metadata (key 3): the brokers, and the partitions and leaders of some or all topics.
//!
//! Fields a version lacks are skipped when encoding and take Kafka's default when
//! decoding (`allow_auto_topic_creation` true, `controller_id` and `leader_epoch` -1,
//! authorized operations `i32::MIN`, meaning "not requested"). A `None` name in a
//! version whose name is not nullable is written as the empty string.

use std::ops::RangeInclusive;

use crate::codec::min_size::{array_min, string_min, tags_min, when};
use crate::codec::{Decode, DecodeError, Encode, Reader, Writer};
use crate::ErrorCode;

pub const VERSIONS: RangeInclusive<i16> = 0..=12;
const FLEXIBLE: i16 = 9;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataRequest {
    /// The topics to describe; `None` means all topics. Version 0 has no null array:
    /// there an empty array means all topics and decodes as `None`, and `Some` of an
    /// empty list (no topics) cannot be expressed, so it is sent as all topics.
    pub topics: Option<Vec<MetadataRequestTopic>>,
    /// v4+; older clients always get auto-creation (where the broker allows it).
    pub allow_auto_topic_creation: bool,
    /// v8-10 only; later clients ask DescribeCluster.
    pub include_cluster_authorized_operations: bool,
    /// v8+.
    pub include_topic_authorized_operations: bool,
}

impl Default for MetadataRequest {
    fn default() -> Self {
        Self {
            topics: Some(Vec::new()),
            allow_auto_topic_creation: true,
            include_cluster_authorized_operations: false,
            include_topic_authorized_operations: false,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataRequestTopic {
    /// v10+; all zeros when the topic is named.
    pub topic_id: [u8; 16],
    /// Nullable from v10 (a topic asked for by id).
    pub name: Option<String>,
}

impl MetadataRequestTopic {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        when(version >= 10, 16) + string_min(flexible) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut topic = Self::default();
        if version >= 10 {
            topic.topic_id = r.uuid()?;
            topic.name = r.nullable_string(flexible)?.map(str::to_owned);
        } else {
            topic.name = Some(r.string(flexible)?.to_owned());
        }
        r.skip_tagged_fields(flexible)?;
        Ok(topic)
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 10 {
            w.uuid(&self.topic_id);
            w.nullable_string(flexible, self.name.as_deref());
        } else {
            w.string(flexible, self.name.as_deref().unwrap_or_default());
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for MetadataRequest {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut request = Self::default();
        let topics = r.nullable_array(flexible, MetadataRequestTopic::min_size(version), |r| {
            MetadataRequestTopic::read(r, version)
        })?;
        request.topics = match topics {
            Some(topics) if version == 0 && topics.is_empty() => None,
            topics => topics,
        };
        if version >= 4 {
            request.allow_auto_topic_creation = r.bool()?;
        }
        if (8..=10).contains(&version) {
            request.include_cluster_authorized_operations = r.bool()?;
        }
        if version >= 8 {
            request.include_topic_authorized_operations = r.bool()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(request)
    }
}

impl Encode for MetadataRequest {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        match &self.topics {
            None if version == 0 => w.array_len(flexible, Some(0)),
            None => w.array_len(flexible, None),
            Some(topics) => w.array(flexible, topics, |w, topic| topic.write(w, version)),
        }
        if version >= 4 {
            w.bool(self.allow_auto_topic_creation);
        }
        if (8..=10).contains(&version) {
            w.bool(self.include_cluster_authorized_operations);
        }
        if version >= 8 {
            w.bool(self.include_topic_authorized_operations);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResponse {
    /// v3+.
    pub throttle_time_ms: i32,
    pub brokers: Vec<MetadataResponseBroker>,
    /// v2+.
    pub cluster_id: Option<String>,
    /// v1+; -1 when there is none.
    pub controller_id: i32,
    pub topics: Vec<MetadataResponseTopic>,
    /// v8-10 only; `i32::MIN` when not requested.
    pub cluster_authorized_operations: i32,
}

impl Default for MetadataResponse {
    fn default() -> Self {
        Self {
            throttle_time_ms: 0,
            brokers: Vec::new(),
            cluster_id: None,
            controller_id: -1,
            topics: Vec::new(),
            cluster_authorized_operations: i32::MIN,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataResponseBroker {
    pub node_id: i32,
    pub host: String,
    pub port: i32,
    /// v1+.
    pub rack: Option<String>,
}

impl MetadataResponseBroker {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let s = string_min(flexible);
        4 + s + 4 + when(version >= 1, s) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let node_id = r.i32()?;
        let host = r.string(flexible)?.to_owned();
        let port = r.i32()?;
        let rack = if version >= 1 {
            r.nullable_string(flexible)?.map(str::to_owned)
        } else {
            None
        };
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            node_id,
            host,
            port,
            rack,
        })
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i32(self.node_id);
        w.string(flexible, &self.host);
        w.i32(self.port);
        if version >= 1 {
            w.nullable_string(flexible, self.rack.as_deref());
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResponseTopic {
    pub error_code: ErrorCode,
    /// Nullable from v12 (an unknown topic asked for by id).
    pub name: Option<String>,
    /// v10+; all zeros for an unknown topic asked for by name.
    pub topic_id: [u8; 16],
    /// v1+.
    pub is_internal: bool,
    pub partitions: Vec<MetadataResponsePartition>,
    /// v8+; `i32::MIN` when not requested.
    pub topic_authorized_operations: i32,
}

impl MetadataResponseTopic {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        2 + string_min(flexible)
            + when(version >= 10, 16)
            + when(version >= 1, 1)
            + array_min(flexible)
            + when(version >= 8, 4)
            + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let error_code = ErrorCode(r.i16()?);
        let name = if version >= 12 {
            r.nullable_string(flexible)?.map(str::to_owned)
        } else {
            Some(r.string(flexible)?.to_owned())
        };
        let topic_id = if version >= 10 { r.uuid()? } else { [0; 16] };
        let is_internal = version >= 1 && r.bool()?;
        let partitions = r.array(
            flexible,
            MetadataResponsePartition::min_size(version),
            |r| MetadataResponsePartition::read(r, version),
        )?;
        let topic_authorized_operations = if version >= 8 { r.i32()? } else { i32::MIN };
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            error_code,
            name,
            topic_id,
            is_internal,
            partitions,
            topic_authorized_operations,
        })
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i16(self.error_code.0);
        if version >= 12 {
            w.nullable_string(flexible, self.name.as_deref());
        } else {
            w.string(flexible, self.name.as_deref().unwrap_or_default());
        }
        if version >= 10 {
            w.uuid(&self.topic_id);
        }
        if version >= 1 {
            w.bool(self.is_internal);
        }
        w.array(flexible, &self.partitions, |w, partition| {
            partition.write(w, version)
        });
        if version >= 8 {
            w.i32(self.topic_authorized_operations);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataResponsePartition {
    pub error_code: ErrorCode,
    pub partition_index: i32,
    pub leader_id: i32,
    /// v7+; -1 when unknown.
    pub leader_epoch: i32,
    pub replica_nodes: Vec<i32>,
    pub isr_nodes: Vec<i32>,
    /// v5+.
    pub offline_replicas: Vec<i32>,
}

impl MetadataResponsePartition {
    fn min_size(version: i16) -> usize {
        let flexible = version >= FLEXIBLE;
        let a = array_min(flexible);
        2 + 4 + 4 + when(version >= 7, 4) + a + a + when(version >= 5, a) + tags_min(flexible)
    }

    fn read(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let error_code = ErrorCode(r.i16()?);
        let partition_index = r.i32()?;
        let leader_id = r.i32()?;
        let leader_epoch = if version >= 7 { r.i32()? } else { -1 };
        let replica_nodes = r.array(flexible, 4, |r| r.i32())?;
        let isr_nodes = r.array(flexible, 4, |r| r.i32())?;
        let offline_replicas = if version >= 5 {
            r.array(flexible, 4, |r| r.i32())?
        } else {
            Vec::new()
        };
        r.skip_tagged_fields(flexible)?;
        Ok(Self {
            error_code,
            partition_index,
            leader_id,
            leader_epoch,
            replica_nodes,
            isr_nodes,
            offline_replicas,
        })
    }

    fn write(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        w.i16(self.error_code.0);
        w.i32(self.partition_index);
        w.i32(self.leader_id);
        if version >= 7 {
            w.i32(self.leader_epoch);
        }
        w.array(flexible, &self.replica_nodes, |w, id| w.i32(*id));
        w.array(flexible, &self.isr_nodes, |w, id| w.i32(*id));
        if version >= 5 {
            w.array(flexible, &self.offline_replicas, |w, id| w.i32(*id));
        }
        w.empty_tagged_fields(flexible);
    }
}

impl Decode for MetadataResponse {
    fn decode(r: &mut Reader<'_>, version: i16) -> Result<Self, DecodeError> {
        let flexible = version >= FLEXIBLE;
        let mut response = Self::default();
        if version >= 3 {
            response.throttle_time_ms = r.i32()?;
        }
        response.brokers = r.array(flexible, MetadataResponseBroker::min_size(version), |r| {
            MetadataResponseBroker::read(r, version)
        })?;
        if version >= 2 {
            response.cluster_id = r.nullable_string(flexible)?.map(str::to_owned);
        }
        if version >= 1 {
            response.controller_id = r.i32()?;
        }
        response.topics = r.array(flexible, MetadataResponseTopic::min_size(version), |r| {
            MetadataResponseTopic::read(r, version)
        })?;
        if (8..=10).contains(&version) {
            response.cluster_authorized_operations = r.i32()?;
        }
        r.skip_tagged_fields(flexible)?;
        Ok(response)
    }
}

impl Encode for MetadataResponse {
    fn encode(&self, w: &mut Writer, version: i16) {
        let flexible = version >= FLEXIBLE;
        if version >= 3 {
            w.i32(self.throttle_time_ms);
        }
        w.array(flexible, &self.brokers, |w, broker| {
            broker.write(w, version)
        });
        if version >= 2 {
            w.nullable_string(flexible, self.cluster_id.as_deref());
        }
        if version >= 1 {
            w.i32(self.controller_id);
        }
        w.array(flexible, &self.topics, |w, topic| topic.write(w, version));
        if (8..=10).contains(&version) {
            w.i32(self.cluster_authorized_operations);
        }
        w.empty_tagged_fields(flexible);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::codec::test_support::{
        assert_golden, assert_round_trips, damage, decode_exact, decode_without_panicking,
        encode_to_vec, written_len,
    };

    /// A request with a non-default value in every field `version` has.
    fn sample_request(version: i16) -> MetadataRequest {
        MetadataRequest {
            topics: Some(vec![
                MetadataRequestTopic {
                    topic_id: if version >= 10 { [7; 16] } else { [0; 16] },
                    name: Some("orders".to_owned()),
                },
                MetadataRequestTopic {
                    topic_id: if version >= 10 { [9; 16] } else { [0; 16] },
                    name: if version >= 10 {
                        None
                    } else {
                        Some("é".to_owned())
                    },
                },
            ]),
            allow_auto_topic_creation: version < 4,
            include_cluster_authorized_operations: (8..=10).contains(&version),
            include_topic_authorized_operations: version >= 8,
        }
    }

    /// A response with a non-default value in every field `version` has.
    fn sample_response(version: i16) -> MetadataResponse {
        MetadataResponse {
            throttle_time_ms: if version >= 3 { 250 } else { 0 },
            brokers: vec![
                MetadataResponseBroker {
                    node_id: 1,
                    host: "broker-1".to_owned(),
                    port: 9092,
                    rack: (version >= 1).then(|| "rack-a".to_owned()),
                },
                MetadataResponseBroker {
                    node_id: 2,
                    host: "broker-2".to_owned(),
                    port: 9093,
                    rack: None,
                },
            ],
            cluster_id: (version >= 2).then(|| "fjord-cluster".to_owned()),
            controller_id: if version >= 1 { 2 } else { -1 },
            topics: vec![
                MetadataResponseTopic {
                    error_code: ErrorCode::LEADER_NOT_AVAILABLE,
                    name: Some("orders".to_owned()),
                    topic_id: if version >= 10 { [3; 16] } else { [0; 16] },
                    is_internal: version >= 1,
                    partitions: vec![MetadataResponsePartition {
                        error_code: ErrorCode::REPLICA_NOT_AVAILABLE,
                        partition_index: 4,
                        leader_id: 1,
                        leader_epoch: if version >= 7 { 17 } else { -1 },
                        replica_nodes: vec![1, 2, 3],
                        isr_nodes: vec![1, 2],
                        offline_replicas: if version >= 5 { vec![3] } else { vec![] },
                    }],
                    topic_authorized_operations: if version >= 8 { 0x0f8 } else { i32::MIN },
                },
                MetadataResponseTopic {
                    error_code: ErrorCode::UNKNOWN_TOPIC_ID,
                    name: if version >= 12 {
                        None
                    } else {
                        Some("gone".to_owned())
                    },
                    topic_id: [0; 16],
                    is_internal: false,
                    partitions: vec![],
                    topic_authorized_operations: i32::MIN,
                },
            ],
            cluster_authorized_operations: if (8..=10).contains(&version) {
                0x1000
            } else {
                i32::MIN
            },
        }
    }

    #[test]
    fn test_metadata_request_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_request(version), [version]);
            let all_topics = MetadataRequest {
                topics: None,
                ..sample_request(version)
            };
            assert_round_trips(&all_topics, [version]);
            if version >= 1 {
                let no_topics = MetadataRequest {
                    topics: Some(vec![]),
                    ..sample_request(version)
                };
                assert_round_trips(&no_topics, [version]);
            }
        }
    }

    #[test]
    fn test_metadata_response_round_trips_in_every_version() {
        for version in VERSIONS {
            assert_round_trips(&sample_response(version), [version]);
        }
        assert_round_trips(&MetadataResponse::default(), VERSIONS);
    }

    #[test]
    fn test_metadata_request_v0_empty_array_means_all_topics() {
        let request = MetadataRequest::decode(&mut Reader::new(&[0, 0, 0, 0]), 0).unwrap();
        assert_eq!(request.topics, None);
        assert!(request.allow_auto_topic_creation);
        // From v1 an empty array means no topics, and null means all.
        let request = MetadataRequest::decode(&mut Reader::new(&[0, 0, 0, 0, 1]), 4).unwrap();
        assert_eq!(request.topics, Some(vec![]));
        let request =
            MetadataRequest::decode(&mut Reader::new(&[0xff, 0xff, 0xff, 0xff]), 1).unwrap();
        assert_eq!(request.topics, None);
    }

    #[test]
    fn test_metadata_request_v10_golden_bytes() {
        let mut bytes = vec![0x03]; // compact array of 2 topics
        bytes.extend([0xab; 16]); // topic_id
        bytes.extend([0x02, b't', 0x00]); // name "t", no tagged fields
        bytes.extend([0x00; 16]); // topic_id
        bytes.extend([0x00, 0x00]); // null name, no tagged fields
        bytes.extend([0x00]); // allow_auto_topic_creation false
        bytes.extend([0x01]); // include_cluster_authorized_operations
        bytes.extend([0x00]); // include_topic_authorized_operations
        bytes.extend([0x00]); // no tagged fields
        let request = MetadataRequest {
            topics: Some(vec![
                MetadataRequestTopic {
                    topic_id: [0xab; 16],
                    name: Some("t".to_owned()),
                },
                MetadataRequestTopic {
                    topic_id: [0; 16],
                    name: None,
                },
            ]),
            allow_auto_topic_creation: false,
            include_cluster_authorized_operations: true,
            include_topic_authorized_operations: false,
        };
        assert_eq!(encode_to_vec(&request, 10), bytes);
        assert_eq!(
            MetadataRequest::decode(&mut Reader::new(&bytes), 10).unwrap(),
            request
        );
    }

    #[test]
    fn test_metadata_response_v1_golden_bytes() {
        #[rustfmt::skip]
        let bytes = [
            0, 0, 0, 1,             // 1 broker
            0, 0, 0, 5,             // node_id 5
            0, 1, b'h',             // host "h"
            0, 0, 0x23, 0x84,       // port 9092
            0xff, 0xff,             // rack null
            0, 0, 0, 5,             // controller_id 5
            0, 0, 0, 1,             // 1 topic
            0, 0,                   // error_code NONE
            0, 1, b't',             // name "t"
            1,                      // is_internal
            0, 0, 0, 1,             // 1 partition
            0, 9,                   // error_code REPLICA_NOT_AVAILABLE
            0, 0, 0, 2,             // partition_index 2
            0, 0, 0, 5,             // leader_id 5
            0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 6, // replica_nodes [5, 6]
            0, 0, 0, 1, 0, 0, 0, 5, // isr_nodes [5]
        ];
        let response = MetadataResponse {
            brokers: vec![MetadataResponseBroker {
                node_id: 5,
                host: "h".to_owned(),
                port: 9092,
                rack: None,
            }],
            controller_id: 5,
            topics: vec![MetadataResponseTopic {
                error_code: ErrorCode::NONE,
                name: Some("t".to_owned()),
                topic_id: [0; 16],
                is_internal: true,
                partitions: vec![MetadataResponsePartition {
                    error_code: ErrorCode::REPLICA_NOT_AVAILABLE,
                    partition_index: 2,
                    leader_id: 5,
                    leader_epoch: -1,
                    replica_nodes: vec![5, 6],
                    isr_nodes: vec![5],
                    offline_replicas: vec![],
                }],
                topic_authorized_operations: i32::MIN,
            }],
            ..MetadataResponse::default()
        };
        assert_golden(&response, 1, &bytes);
    }

    #[test]
    fn test_metadata_response_v12_golden_bytes_skips_unknown_tags() {
        #[rustfmt::skip]
        let mut bytes = vec![
            0, 0, 0, 0,             // throttle_time_ms
            0x01,                   // no brokers
            0x00,                   // cluster_id null
            0xff, 0xff, 0xff, 0xff, // controller_id -1
            0x02,                   // 1 topic
            0, 100,                 // error_code UNKNOWN_TOPIC_ID
            0x00,                   // name null
        ];
        bytes.extend([0x11; 16]); // topic_id
        #[rustfmt::skip]
        bytes.extend([
            0,                      // is_internal
            0x01,                   // no partitions
            0x80, 0, 0, 0,          // topic_authorized_operations i32::MIN
            1, 7, 2, 0xaa, 0xbb,    // one unknown tagged field: tag 7, 2 bytes
            0,                      // no tagged fields
        ]);
        let response = MetadataResponse {
            topics: vec![MetadataResponseTopic {
                error_code: ErrorCode::UNKNOWN_TOPIC_ID,
                name: None,
                topic_id: [0x11; 16],
                is_internal: false,
                partitions: vec![],
                topic_authorized_operations: i32::MIN,
            }],
            ..MetadataResponse::default()
        };
        assert_eq!(decode_exact::<MetadataResponse>(&bytes, 12), response);
    }

    #[test]
    fn test_metadata_min_sizes_match_the_smallest_encodings() {
        for version in VERSIONS {
            let topic = MetadataRequestTopic {
                topic_id: [0; 16],
                name: Some(String::new()),
            };
            assert_eq!(
                written_len(|w| topic.write(w, version)),
                MetadataRequestTopic::min_size(version)
            );
            assert_eq!(
                written_len(|w| MetadataResponseBroker::default().write(w, version)),
                MetadataResponseBroker::min_size(version)
            );
            let partition = MetadataResponsePartition {
                error_code: ErrorCode::NONE,
                partition_index: 0,
                leader_id: 0,
                leader_epoch: -1,
                replica_nodes: vec![],
                isr_nodes: vec![],
                offline_replicas: vec![],
            };
            assert_eq!(
                written_len(|w| partition.write(w, version)),
                MetadataResponsePartition::min_size(version)
            );
            let topic = MetadataResponseTopic {
                error_code: ErrorCode::NONE,
                name: Some(String::new()),
                topic_id: [0; 16],
                is_internal: false,
                partitions: vec![],
                topic_authorized_operations: 0,
            };
            assert_eq!(
                written_len(|w| topic.write(w, version)),
                MetadataResponseTopic::min_size(version)
            );
        }
    }

    proptest! {
        #[test]
        fn test_metadata_decoders_never_panic_on_random_bytes(
            bytes in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            decode_without_panicking::<MetadataRequest>(&bytes, VERSIONS);
            decode_without_panicking::<MetadataResponse>(&bytes, VERSIONS);
        }

        #[test]
        fn test_metadata_decoders_never_panic_on_corrupted_messages(
            version in VERSIONS,
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            for message in [
                encode_to_vec(&sample_request(version), version),
                encode_to_vec(&sample_response(version), version),
            ] {
                let bytes = damage(message, at, byte, cut);
                decode_without_panicking::<MetadataRequest>(&bytes, [version]);
                decode_without_panicking::<MetadataResponse>(&bytes, [version]);
            }
        }
    }
}
