//! A seed corpus made by the encoders: valid request frames and response frames for
//! every API at every supported version, record batches in every codec, and a few
//! inputs for the primitives. Generated at run time (`scripts/fuzz.sh` writes them with
//! the `seeds` binary) rather than committed.

use fjord_group_coordinator::records::consumer_group::{
    encode_assignment, encode_epoch, Assignment, CurrentAssignmentValue, MemberSubscription,
};
use fjord_group_coordinator::records::{
    CoordinatorRecord, GroupMetadataValue, MemberMetadata, OffsetCommitValue, RecordKey,
};
use fjord_protocol::codec::{Encode, Writer};
use fjord_protocol::messages::{
    add_offsets_to_txn, add_partitions_to_txn, alter_configs, api_versions,
    consumer_group_describe, consumer_group_heartbeat, create_partitions, create_topics,
    delete_groups, delete_records, delete_topics, describe_cluster, describe_configs,
    describe_groups, describe_log_dirs, describe_producers, describe_topic_partitions,
    describe_transactions, end_txn, fetch, find_coordinator, heartbeat, incremental_alter_configs,
    init_producer_id, join_group, leave_group, list_groups, list_offsets, list_transactions,
    metadata, offset_commit, offset_delete, offset_fetch, offset_for_leader_epoch, produce,
    sync_group, txn_offset_commit, write_txn_markers,
};
use fjord_protocol::records::{RecordBatchBuilder, NO_PRODUCER_EPOCH, NO_PRODUCER_ID};
use fjord_protocol::{ApiKey, CompressionType, ErrorCode};

use crate::coordinator;
use crate::request::{versions, APIS};

/// One corpus file.
pub struct Seed {
    /// The fuzz target whose corpus it belongs to.
    pub target: &'static str,
    /// The file name: what it is, readable in crash reports.
    pub name: String,
    pub bytes: Vec<u8>,
    /// True if it is a well-formed encoding (the seed tests check it decodes).
    pub valid: bool,
}

const CODECS: [CompressionType; 5] = [
    CompressionType::None,
    CompressionType::Gzip,
    CompressionType::Snappy,
    CompressionType::Lz4,
    CompressionType::Zstd,
];

/// Every seed, for every target.
pub fn all() -> Vec<Seed> {
    let mut seeds = Vec::new();
    request_seeds(&mut seeds);
    batch_seeds(&mut seeds);
    primitive_seeds(&mut seeds);
    coordinator_seeds(&mut seeds);
    seeds
}

fn request_seeds(seeds: &mut Vec<Seed>) {
    let batch = sample_batch(CompressionType::None, 3);
    for api in APIS {
        for version in versions(api).into_iter().flatten() {
            let name = format!("{api:?}");
            if let Some(body) = request_body(api, version, &batch) {
                seeds.push(Seed {
                    target: "request_decode",
                    name: format!("req-{name}-v{version}"),
                    bytes: request_frame(api, version, &body),
                    valid: true,
                });
            }
            seeds.push(Seed {
                target: "request_decode",
                name: format!("resp-{name}-v{version}"),
                bytes: response_frame(api, version, &response_body(api, version)),
                valid: true,
            });
        }
    }
    // Produce and fetch carrying batches in every codec.
    for codec in CODECS {
        let batch = sample_batch(codec, 4);
        for version in [3, 9, 11] {
            seeds.push(Seed {
                target: "request_decode",
                name: format!("req-Produce-v{version}-{}", codec.name()),
                bytes: request_frame(ApiKey::Produce, version, &produce_request(&batch, version)),
                valid: true,
            });
        }
        for version in [4, 12, 16] {
            seeds.push(Seed {
                target: "request_decode",
                name: format!("resp-Fetch-v{version}-{}", codec.name()),
                bytes: response_frame(ApiKey::Fetch, version, &fetch_response(&batch, version)),
                valid: true,
            });
        }
    }
}

fn batch_seeds(seeds: &mut Vec<Seed>) {
    for codec in CODECS {
        let mut push = |name: String, bytes: Vec<u8>| {
            seeds.push(Seed {
                target: "record_batch",
                name: format!("{name}-{}", codec.name()),
                bytes,
                valid: true,
            })
        };
        push("one".into(), sample_batch(codec, 1));
        push("three".into(), sample_batch(codec, 3));
        let mut two = sample_batch(codec, 2);
        two.extend(sample_batch(codec, 5));
        push("two-batches".into(), two);
        let empty = RecordBatchBuilder::new(codec, 0, 1_700_000_000_000)
            .build()
            .expect("an empty batch builds");
        push("empty".into(), empty);
        let mut transactional = RecordBatchBuilder::new(codec, 100, 1_700_000_000_000)
            .with_producer(4000, 2, 17)
            .with_transactional(true)
            .with_partition_leader_epoch(5)
            .with_log_append_time(1_700_000_000_500);
        transactional.append(0, 1_700_000_000_001, Some(b"k"), None, &[]);
        transactional.append(2, 1_700_000_000_002, None, Some(b"tombstone?"), &[]);
        push("transactional".into(), build(transactional));
        let mut control = RecordBatchBuilder::new(codec, 7, 1_700_000_000_000)
            .with_producer(4000, 2, -1)
            .with_transactional(true)
            .with_control(true);
        // An end-transaction marker: version 0, type 1 (commit); value: version, epoch.
        control.append(
            0,
            1_700_000_000_000,
            Some(&[0, 0, 0, 1]),
            Some(&[0, 0, 0, 0, 0, 5]),
            &[],
        );
        push("control".into(), build(control));
    }
}

fn primitive_seeds(seeds: &mut Vec<Seed>) {
    let mut push = |name: &str, bytes: Vec<u8>| {
        seeds.push(Seed {
            target: "codec_primitives",
            name: name.into(),
            bytes,
            valid: false,
        })
    };
    push("varint-max", vec![0xff, 0xff, 0xff, 0xff, 0x0f]);
    push(
        "varlong-max",
        vec![0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
    );
    // A program of reader calls (one per byte) and the frame they read.
    let program = [3u8, 2, 10, 0x8a, 11, 0x8b, 13, 0x8d, 14, 0x8e, 0x8f, 5, 7];
    let mut frame = vec![program.len() as u8];
    frame.extend_from_slice(&program);
    frame.extend_from_slice(&[
        0, 0, 0, 1, 0, 2, 0, 3, b'a', b'b', b'c', 4, b'x', b'y', b'z',
    ]);
    frame.extend_from_slice(&[0, 0, 0, 2, 9, 8, 3, 0xaa, 0xbb, 0, 0, 0, 1, 4, 2, 0]);
    frame.extend_from_slice(&[1, 0, 2, 2, b'h', 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    push("reader-program", frame);
    for codec in CODECS {
        let mut out = Vec::new();
        codec
            .compress(b"fjord fjord fjord fjord fjord fjord fjord", &mut out)
            .expect("compresses");
        push(&format!("compressed-{}", codec.name()), out);
    }
    let batch = sample_batch(CompressionType::None, 3);
    push(
        "records",
        batch[fjord_protocol::RECORD_BATCH_OVERHEAD..].to_vec(),
    );
}

fn coordinator_seeds(seeds: &mut Vec<Seed>) {
    let mut push = |name: &str, records: &[CoordinatorRecord]| {
        seeds.push(Seed {
            target: "coordinator_records",
            name: name.into(),
            bytes: coordinator_input(records),
            valid: true,
        })
    };
    let commit = offset_commit_record("orders-app", 0, 42);
    let group = group_metadata_record("orders-app");
    push("offset-commit", std::slice::from_ref(&commit));
    push(
        "offset-commit-with-expiry",
        &[CoordinatorRecord::offset_commit(
            "orders-app",
            "events",
            1,
            &OffsetCommitValue {
                expire_timestamp: 1_700_086_400_000,
                leader_epoch: -1,
                ..offset_commit_value(7)
            },
        )],
    );
    push("group-metadata", std::slice::from_ref(&group));
    push(
        "group-empty",
        &[CoordinatorRecord::group_metadata(
            "offsets-only",
            &GroupMetadataValue {
                current_state_timestamp: 1_699_999_000_000,
                ..GroupMetadataValue::default()
            },
        )],
    );
    push(
        "group-then-tombstones",
        &[
            group.clone(),
            commit.clone(),
            offset_commit_record("orders-app", 1, 43),
            CoordinatorRecord::offset_tombstone("orders-app", "events", 0),
            CoordinatorRecord::group_tombstone("orders-app"),
        ],
    );
    let consumer = consumer_group_records("payments", "member-1");
    push("consumer-group", &consumer);
    let mut everything = vec![group, commit];
    everything.extend(consumer);
    everything.push(CoordinatorRecord::keyed(RecordKey::Other(4), None));
    push("everything", &everything);
    // Values as Kafka writes them: the flexible v4 offset commit and group metadata
    // values (with a tagged field), and a legacy (type 0) key.
    let mut push_raw = |name: &str, key: Vec<u8>, value: Vec<u8>| {
        seeds.push(Seed {
            target: "coordinator_records",
            name: name.into(),
            bytes: coordinator::input(&[(Some(&key), Some(&value))]),
            valid: true,
        })
    };
    #[rustfmt::skip]
    let offset_v4 = vec![
        0x00, 0x04, // version 4
        0, 0, 0, 0, 0, 0, 0, 42, // offset
        0, 0, 0, 3, // leader epoch
        0x02, b'm', // metadata (compact)
        0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, // commit timestamp
        0x01, 0x00, 0x01, 0xff, // one tagged field: tag 0, 1 byte
    ];
    push_raw(
        "offset-commit-v4",
        legacy_offset_key("g", "events", 2),
        offset_v4,
    );
    #[rustfmt::skip]
    let group_v4 = vec![
        0x00, 0x04, // version 4
        0x09, b'c', b'o', b'n', b's', b'u', b'm', b'e', b'r', // protocol type
        0, 0, 0, 5, // generation
        0x06, b'r', b'a', b'n', b'g', b'e', // protocol
        0x02, b'm', // leader
        0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, // current state timestamp
        0x02, // one member
        0x02, b'm', // member id
        0x00, // group instance id: null
        0x02, b'c', // client id
        0x02, b'h', // client host
        0, 0, 0x27, 0x10, // rebalance timeout
        0, 0, 0x27, 0x10, // session timeout
        0x03, 0, 1, // subscription
        0x01, // assignment: empty
        0x00, // member tagged fields
        0x00, // tagged fields
    ];
    push_raw(
        "group-metadata-v4",
        RecordKey::GroupMetadata { group: "g".into() }.encode(),
        group_v4,
    );
}

/// A `coordinator_records` input holding `records`.
pub fn coordinator_input(records: &[CoordinatorRecord]) -> Vec<u8> {
    let keys: Vec<Vec<u8>> = records.iter().map(|r| r.key.encode()).collect();
    let fields: Vec<coordinator::Record<'_>> = records
        .iter()
        .zip(&keys)
        .map(|(r, key)| (Some(key.as_slice()), r.value.as_deref()))
        .collect();
    coordinator::input(&fields)
}

pub fn offset_commit_value(offset: i64) -> OffsetCommitValue {
    OffsetCommitValue {
        offset,
        leader_epoch: 3,
        metadata: "meta".into(),
        commit_timestamp: 1_699_999_999_000,
        expire_timestamp: -1,
    }
}

/// The offset commit of `events`-`partition` by `group`, as the coordinator writes it.
pub fn offset_commit_record(group: &str, partition: i32, offset: i64) -> CoordinatorRecord {
    CoordinatorRecord::offset_commit(group, "events", partition, &offset_commit_value(offset))
}

/// A stable classic group of two "consumer" members, as the coordinator writes it.
pub fn group_metadata_record(group: &str) -> CoordinatorRecord {
    // ConsumerProtocolSubscription v1: version, topics, user data (null), owned
    // partitions (none).
    let subscription = vec![
        0, 1, 0, 0, 0, 1, 0, 6, b'e', b'v', b'e', b'n', b't', b's', 0xff, 0xff, 0xff, 0xff, 0, 0,
        0, 0,
    ];
    let member = |id: &str, instance: Option<&str>| MemberMetadata {
        member_id: id.into(),
        group_instance_id: instance.map(Into::into),
        client_id: "client".into(),
        client_host: "/127.0.0.1".into(),
        rebalance_timeout: 300_000,
        session_timeout: 45_000,
        subscription: subscription.clone(),
        assignment: vec![0, 1, 0, 0, 0, 1, 0, 6, b'e', b'v', b'e', b'n', b't', b's'],
    };
    CoordinatorRecord::group_metadata(
        group,
        &GroupMetadataValue {
            protocol_type: "consumer".into(),
            generation: 3,
            protocol: Some("range".into()),
            leader: Some("member-1".into()),
            current_state_timestamp: 1_699_999_990_000,
            members: vec![member("member-1", None), member("member-2", Some("i-2"))],
        },
    )
}

/// A KIP-848 group of one member, its records in the order the coordinator writes
/// them: group epoch, subscription, target epoch, target and current assignment.
pub fn consumer_group_records(group: &str, member: &str) -> Vec<CoordinatorRecord> {
    let mut assignment = Assignment::new();
    assignment.insert([0x33; 16], [0, 1, 2].into_iter().collect());
    let key = |kind: fn(String, String) -> RecordKey| kind(group.into(), member.into());
    vec![
        CoordinatorRecord::keyed(
            RecordKey::ConsumerGroupMetadata {
                group: group.into(),
            },
            Some(encode_epoch(4)),
        ),
        CoordinatorRecord::keyed(
            key(|group, member| RecordKey::ConsumerGroupMember { group, member }),
            Some(
                MemberSubscription {
                    instance_id: None,
                    rack_id: Some("r1".into()),
                    client_id: "client".into(),
                    client_host: "/127.0.0.1".into(),
                    subscribed_topic_names: vec!["events".into()],
                    subscribed_topic_regex: None,
                    rebalance_timeout_ms: 300_000,
                    server_assignor: Some("uniform".into()),
                }
                .encode(),
            ),
        ),
        CoordinatorRecord::keyed(
            RecordKey::TargetAssignmentMetadata {
                group: group.into(),
            },
            Some(encode_epoch(4)),
        ),
        CoordinatorRecord::keyed(
            key(|group, member| RecordKey::TargetAssignmentMember { group, member }),
            Some(encode_assignment(&assignment)),
        ),
        CoordinatorRecord::keyed(
            key(|group, member| RecordKey::CurrentMemberAssignment { group, member }),
            Some(
                CurrentAssignmentValue {
                    member_epoch: 4,
                    previous_member_epoch: 3,
                    state: 0,
                    assigned: assignment,
                    pending_revocation: Assignment::new(),
                }
                .encode(),
            ),
        ),
    ]
}

/// An offset commit key of the legacy record type 0 (same layout as type 1).
fn legacy_offset_key(group: &str, topic: &str, partition: i32) -> Vec<u8> {
    let mut key = RecordKey::OffsetCommit {
        group: group.into(),
        topic: topic.into(),
        partition,
    }
    .encode();
    key[..2].copy_from_slice(&0i16.to_be_bytes());
    key
}

/// A batch of `count` records with keys, values and headers.
pub fn sample_batch(codec: CompressionType, count: i32) -> Vec<u8> {
    let base_timestamp = 1_700_000_000_000;
    let mut builder = RecordBatchBuilder::new(codec, 0, base_timestamp).with_producer(
        NO_PRODUCER_ID,
        NO_PRODUCER_EPOCH,
        -1,
    );
    for i in 0..count {
        let key = format!("key-{i}");
        let value = format!(
            "value {i} of the sample batch, repeated: {}",
            "abc".repeat(5)
        );
        let headers: &[(&[u8], Option<&[u8]>)] = if i % 2 == 0 {
            &[(b"trace", Some(b"0123")), (b"empty", None)]
        } else {
            &[]
        };
        let key = (i != 1).then_some(key.as_bytes());
        builder.append(
            i,
            base_timestamp + i64::from(i),
            key,
            Some(value.as_bytes()),
            headers,
        );
    }
    build(builder)
}

fn build(builder: RecordBatchBuilder) -> Vec<u8> {
    builder.build().expect("sample records fit in a batch")
}

fn encode<T: Encode>(value: &T, version: i16) -> Vec<u8> {
    let mut writer = Writer::new();
    value.encode(&mut writer, version);
    writer.into()
}

/// A request frame without the size prefix: header v1 or v2, then `body`.
pub fn request_frame(api: ApiKey, version: i16, body: &[u8]) -> Vec<u8> {
    let mut writer = Writer::new();
    writer.i16(api as i16);
    writer.i16(version);
    writer.i32(0x0102_0304);
    writer.nullable_string(false, Some("fuzz-seed"));
    writer.empty_tagged_fields(api.request_header_version(version) >= 2);
    let mut frame: Vec<u8> = writer.into();
    frame.extend_from_slice(body);
    frame
}

/// The API key and version, then a response frame: correlation id, header tagged
/// fields (header v1), `body`. The `request_decode` target reads bytes 4.. as such.
pub fn response_frame(api: ApiKey, version: i16, body: &[u8]) -> Vec<u8> {
    let mut writer = Writer::new();
    writer.i16(api as i16);
    writer.i16(version);
    writer.i32(0x0102_0304);
    writer.empty_tagged_fields(api.response_header_version(version) >= 1);
    let mut frame: Vec<u8> = writer.into();
    frame.extend_from_slice(body);
    frame
}

fn produce_request(batch: &[u8], version: i16) -> Vec<u8> {
    let request = produce::ProduceRequest::<&[u8]> {
        transactional_id: None,
        acks: -1,
        timeout_ms: 30_000,
        topic_data: vec![produce::TopicProduceData {
            name: "events".into(),
            partition_data: vec![
                produce::PartitionProduceData {
                    index: 0,
                    records: Some(batch),
                },
                produce::PartitionProduceData {
                    index: 1,
                    records: None,
                },
            ],
        }],
    };
    encode(&request, version)
}

fn fetch_response(batch: &[u8], version: i16) -> Vec<u8> {
    let partition = fetch::PartitionData {
        partition_index: 0,
        high_watermark: 42,
        last_stable_offset: 42,
        log_start_offset: 0,
        aborted_transactions: Some(vec![fetch::AbortedTransaction {
            producer_id: 4000,
            first_offset: 3,
        }]),
        current_leader: Some(fetch::LeaderIdAndEpoch {
            leader_id: 1,
            leader_epoch: 3,
        }),
        records: fetch::FetchRecords::Bytes(batch.to_vec()),
        ..Default::default()
    };
    let response = fetch::FetchResponse {
        session_id: 9,
        responses: vec![fetch::FetchableTopicResponse {
            topic: "events".into(),
            topic_id: [7; 16],
            partitions: vec![partition],
        }],
        node_endpoints: vec![fetch::NodeEndpoint {
            node_id: 1,
            host: "localhost".into(),
            port: 9092,
            rack: Some("r1".into()),
        }],
        ..Default::default()
    };
    encode(&response, version)
}

/// A request of `api` with a little of everything in it (`None` for ApiVersions below
/// v3, whose body is empty: the header-only frame is its seed).
fn request_body(api: ApiKey, version: i16, batch: &[u8]) -> Option<Vec<u8>> {
    let topic_id = [0x11; 16];
    Some(match api {
        ApiKey::Produce => produce_request(batch, version),
        ApiKey::Fetch => encode(
            &fetch::FetchRequest {
                cluster_id: Some("cluster".into()),
                max_wait_ms: 500,
                min_bytes: 1,
                max_bytes: 1 << 20,
                isolation_level: 1,
                session_id: 3,
                session_epoch: 1,
                topics: vec![fetch::FetchTopic {
                    topic: "events".into(),
                    topic_id,
                    partitions: vec![fetch::FetchPartition {
                        partition: 0,
                        fetch_offset: 10,
                        partition_max_bytes: 65536,
                        ..Default::default()
                    }],
                }],
                forgotten_topics_data: vec![fetch::ForgottenTopic {
                    topic: "old".into(),
                    topic_id,
                    partitions: vec![1, 2],
                }],
                rack_id: "r1".into(),
                ..Default::default()
            },
            version,
        ),
        ApiKey::ListOffsets => encode(
            &list_offsets::ListOffsetsRequest {
                replica_id: -1,
                isolation_level: 0,
                topics: vec![list_offsets::ListOffsetsTopic {
                    name: "events".into(),
                    partitions: vec![list_offsets::ListOffsetsPartition {
                        partition_index: 0,
                        timestamp: list_offsets::EARLIEST_TIMESTAMP,
                        ..Default::default()
                    }],
                }],
            },
            version,
        ),
        ApiKey::Metadata => encode(
            &metadata::MetadataRequest {
                topics: Some(vec![metadata::MetadataRequestTopic {
                    topic_id: if version >= 10 { topic_id } else { [0; 16] },
                    name: Some("events".into()),
                }]),
                ..Default::default()
            },
            version,
        ),
        ApiKey::ApiVersions => {
            if version < 3 {
                return Some(Vec::new());
            }
            let mut writer = Writer::new();
            writer.string(true, "fjord-fuzz");
            writer.string(true, "0.0.0");
            writer.empty_tagged_fields(true);
            writer.into()
        }
        ApiKey::CreateTopics => encode(
            &create_topics::CreateTopicsRequest {
                topics: vec![create_topics::CreatableTopic {
                    name: "events".into(),
                    num_partitions: -1,
                    replication_factor: -1,
                    assignments: vec![create_topics::CreatableReplicaAssignment {
                        partition_index: 0,
                        broker_ids: vec![1],
                    }],
                    configs: vec![create_topics::CreatableTopicConfig {
                        name: "cleanup.policy".into(),
                        value: Some("compact".into()),
                    }],
                }],
                timeout_ms: 1000,
                validate_only: true,
            },
            version,
        ),
        ApiKey::DeleteTopics => encode(
            &delete_topics::DeleteTopicsRequest {
                topics: vec![delete_topics::DeleteTopicState {
                    name: Some("events".into()),
                    topic_id: [0; 16],
                }],
                topic_names: vec!["events".into()],
                timeout_ms: 1000,
            },
            version,
        ),
        ApiKey::DeleteRecords => encode(
            &delete_records::DeleteRecordsRequest {
                topics: vec![delete_records::DeleteRecordsTopic {
                    name: "events".into(),
                    partitions: vec![delete_records::DeleteRecordsPartition {
                        partition_index: 0,
                        offset: 5,
                    }],
                }],
                timeout_ms: 1000,
            },
            version,
        ),
        ApiKey::InitProducerId => encode(
            &init_producer_id::InitProducerIdRequest {
                transactional_id: Some("tx".into()),
                transaction_timeout_ms: 60_000,
                ..Default::default()
            },
            version,
        ),
        ApiKey::OffsetForLeaderEpoch => encode(
            &offset_for_leader_epoch::OffsetForLeaderEpochRequest {
                topics: vec![offset_for_leader_epoch::OffsetForLeaderTopic {
                    topic: "events".into(),
                    partitions: vec![offset_for_leader_epoch::OffsetForLeaderPartition {
                        partition: 0,
                        current_leader_epoch: -1,
                        leader_epoch: 2,
                    }],
                }],
                ..Default::default()
            },
            version,
        ),
        ApiKey::DescribeConfigs => encode(
            &describe_configs::DescribeConfigsRequest {
                resources: vec![describe_configs::DescribeConfigsResource {
                    resource_type: 2,
                    resource_name: "events".into(),
                    configuration_keys: Some(vec!["retention.ms".into()]),
                }],
                include_synonyms: true,
                include_documentation: version >= 3,
            },
            version,
        ),
        ApiKey::AlterConfigs => encode(
            &alter_configs::AlterConfigsRequest {
                resources: vec![alter_configs::AlterConfigsResource {
                    resource_type: 2,
                    resource_name: "events".into(),
                    configs: vec![alter_configs::AlterableConfig {
                        name: "retention.ms".into(),
                        value: Some("1000".into()),
                    }],
                }],
                validate_only: false,
            },
            version,
        ),
        ApiKey::DescribeLogDirs => encode(
            &describe_log_dirs::DescribeLogDirsRequest {
                topics: Some(vec![describe_log_dirs::DescribableLogDirTopic {
                    topic: "events".into(),
                    partitions: vec![0, 1],
                }]),
            },
            version,
        ),
        ApiKey::CreatePartitions => encode(
            &create_partitions::CreatePartitionsRequest {
                topics: vec![create_partitions::CreatePartitionsTopic {
                    name: "events".into(),
                    count: 3,
                    assignments: Some(vec![create_partitions::CreatePartitionsAssignment {
                        broker_ids: vec![1],
                    }]),
                }],
                timeout_ms: 1000,
                validate_only: false,
            },
            version,
        ),
        ApiKey::IncrementalAlterConfigs => encode(
            &incremental_alter_configs::IncrementalAlterConfigsRequest {
                resources: vec![incremental_alter_configs::AlterConfigsResource {
                    resource_type: 2,
                    resource_name: "events".into(),
                    configs: vec![incremental_alter_configs::AlterableConfig {
                        name: "retention.ms".into(),
                        config_operation: 0,
                        value: Some("1000".into()),
                    }],
                }],
                validate_only: false,
            },
            version,
        ),
        ApiKey::DescribeCluster => encode(
            &describe_cluster::DescribeClusterRequest {
                include_cluster_authorized_operations: true,
                ..Default::default()
            },
            version,
        ),
        ApiKey::DescribeTopicPartitions => encode(
            &describe_topic_partitions::DescribeTopicPartitionsRequest {
                topics: vec![describe_topic_partitions::TopicRequest {
                    name: "events".into(),
                }],
                cursor: Some(describe_topic_partitions::Cursor {
                    topic_name: "events".into(),
                    partition_index: 1,
                }),
                ..Default::default()
            },
            version,
        ),
        ApiKey::OffsetCommit => encode(
            &offset_commit::OffsetCommitRequest {
                group_id: "orders-app".into(),
                generation_id_or_member_epoch: 3,
                member_id: "member-1".into(),
                group_instance_id: Some("instance-1".into()),
                retention_time_ms: 86_400_000,
                topics: vec![offset_commit::OffsetCommitRequestTopic {
                    name: "events".into(),
                    partitions: vec![offset_commit::OffsetCommitRequestPartition {
                        partition_index: 0,
                        committed_offset: 42,
                        committed_leader_epoch: 2,
                        commit_timestamp: 1_700_000_000_000,
                        committed_metadata: Some("meta".into()),
                    }],
                }],
            },
            version,
        ),
        ApiKey::OffsetFetch => {
            let topics = Some(vec![offset_fetch::OffsetFetchRequestTopic {
                name: "events".into(),
                partition_indexes: vec![0, 1],
            }]);
            encode(
                &offset_fetch::OffsetFetchRequest {
                    group_id: "orders-app".into(),
                    topics: topics.clone(),
                    groups: vec![
                        offset_fetch::OffsetFetchRequestGroup {
                            group_id: "orders-app".into(),
                            member_id: Some("member-1".into()),
                            member_epoch: 5,
                            topics,
                        },
                        offset_fetch::OffsetFetchRequestGroup {
                            group_id: "all-topics".into(),
                            member_id: None,
                            member_epoch: -1,
                            topics: None,
                        },
                    ],
                    require_stable: true,
                },
                version,
            )
        }
        ApiKey::FindCoordinator => encode(
            &find_coordinator::FindCoordinatorRequest {
                key: if version >= 4 {
                    String::new()
                } else {
                    "orders-app".into()
                },
                key_type: find_coordinator::KEY_TYPE_GROUP,
                coordinator_keys: vec!["orders-app".into(), "payments".into()],
            },
            version,
        ),
        ApiKey::JoinGroup => encode(
            &join_group::JoinGroupRequest {
                group_id: "orders-app".into(),
                session_timeout_ms: 45_000,
                rebalance_timeout_ms: 300_000,
                member_id: "member-1".into(),
                group_instance_id: Some("instance-1".into()),
                protocol_type: "consumer".into(),
                protocols: vec![join_group::JoinGroupRequestProtocol {
                    name: "range".into(),
                    metadata: vec![0, 1, 0, 0, 0, 1, 0, 6, b'e', b'v', b'e', b'n', b't', b's'],
                }],
                reason: Some("rejoin".into()),
            },
            version,
        ),
        ApiKey::Heartbeat => encode(
            &heartbeat::HeartbeatRequest {
                group_id: "orders-app".into(),
                generation_id: 3,
                member_id: "member-1".into(),
                group_instance_id: Some("instance-1".into()),
            },
            version,
        ),
        ApiKey::LeaveGroup => encode(
            &leave_group::LeaveGroupRequest {
                group_id: "orders-app".into(),
                member_id: "member-1".into(),
                members: vec![leave_group::MemberIdentity {
                    member_id: "member-1".into(),
                    group_instance_id: Some("instance-1".into()),
                    reason: Some("shutdown".into()),
                }],
            },
            version,
        ),
        ApiKey::SyncGroup => encode(
            &sync_group::SyncGroupRequest {
                group_id: "orders-app".into(),
                generation_id: 3,
                member_id: "member-1".into(),
                group_instance_id: Some("instance-1".into()),
                protocol_type: Some("consumer".into()),
                protocol_name: Some("range".into()),
                assignments: vec![sync_group::SyncGroupRequestAssignment {
                    member_id: "member-1".into(),
                    assignment: vec![0, 1, 0, 0, 0, 1],
                }],
            },
            version,
        ),
        ApiKey::DescribeGroups => encode(
            &describe_groups::DescribeGroupsRequest {
                groups: vec!["orders-app".into(), "payments".into()],
                include_authorized_operations: true,
            },
            version,
        ),
        ApiKey::ListGroups => encode(
            &list_groups::ListGroupsRequest {
                states_filter: vec!["Stable".into()],
                types_filter: vec!["classic".into(), "consumer".into()],
            },
            version,
        ),
        ApiKey::DeleteGroups => encode(
            &delete_groups::DeleteGroupsRequest {
                groups_names: vec!["orders-app".into(), "payments".into()],
            },
            version,
        ),
        ApiKey::OffsetDelete => encode(
            &offset_delete::OffsetDeleteRequest {
                group_id: "orders-app".into(),
                topics: vec![offset_delete::OffsetDeleteRequestTopic {
                    name: "events".into(),
                    partition_indexes: vec![0, 1],
                }],
            },
            version,
        ),
        ApiKey::ConsumerGroupHeartbeat => encode(
            &consumer_group_heartbeat::ConsumerGroupHeartbeatRequest {
                group_id: "orders-app".into(),
                member_id: "member-1".into(),
                member_epoch: 0,
                instance_id: Some("instance-1".into()),
                rack_id: Some("r1".into()),
                rebalance_timeout_ms: 300_000,
                subscribed_topic_names: Some(vec!["events".into()]),
                subscribed_topic_regex: Some("ev.*".into()),
                server_assignor: Some("uniform".into()),
                topic_partitions: Some(vec![consumer_group_heartbeat::HeartbeatTopicPartitions {
                    topic_id,
                    partitions: vec![0, 2],
                }]),
            },
            version,
        ),
        ApiKey::ConsumerGroupDescribe => encode(
            &consumer_group_describe::ConsumerGroupDescribeRequest {
                group_ids: vec!["orders-app".into()],
                include_authorized_operations: true,
            },
            version,
        ),
        ApiKey::AddPartitionsToTxn => {
            let topics = vec![add_partitions_to_txn::AddPartitionsToTxnTopic {
                name: "events".into(),
                partitions: vec![0, 1],
            }];
            encode(
                &add_partitions_to_txn::AddPartitionsToTxnRequest {
                    transactions: vec![add_partitions_to_txn::AddPartitionsToTxnTransaction {
                        transactional_id: "tx".into(),
                        producer_id: 4000,
                        producer_epoch: 1,
                        verify_only: true,
                        topics: topics.clone(),
                    }],
                    v3_and_below_transactional_id: "tx".into(),
                    v3_and_below_producer_id: 4000,
                    v3_and_below_producer_epoch: 1,
                    v3_and_below_topics: topics,
                },
                version,
            )
        }
        ApiKey::AddOffsetsToTxn => encode(
            &add_offsets_to_txn::AddOffsetsToTxnRequest {
                transactional_id: "tx".into(),
                producer_id: 4000,
                producer_epoch: 1,
                group_id: "orders-app".into(),
            },
            version,
        ),
        ApiKey::EndTxn => encode(
            &end_txn::EndTxnRequest {
                transactional_id: "tx".into(),
                producer_id: 4000,
                producer_epoch: 1,
                committed: true,
            },
            version,
        ),
        ApiKey::WriteTxnMarkers => encode(
            &write_txn_markers::WriteTxnMarkersRequest {
                markers: vec![write_txn_markers::WritableTxnMarker {
                    producer_id: 4000,
                    producer_epoch: 1,
                    transaction_result: true,
                    topics: vec![write_txn_markers::WritableTxnMarkerTopic {
                        name: "events".into(),
                        partition_indexes: vec![0, 1],
                    }],
                    coordinator_epoch: 2,
                }],
            },
            version,
        ),
        ApiKey::TxnOffsetCommit => encode(
            &txn_offset_commit::TxnOffsetCommitRequest {
                transactional_id: "tx".into(),
                group_id: "orders-app".into(),
                producer_id: 4000,
                producer_epoch: 1,
                generation_id: 3,
                member_id: "member-1".into(),
                group_instance_id: Some("instance-1".into()),
                topics: vec![txn_offset_commit::TxnOffsetCommitRequestTopic {
                    name: "events".into(),
                    partitions: vec![txn_offset_commit::TxnOffsetCommitRequestPartition {
                        partition_index: 0,
                        committed_offset: 42,
                        committed_leader_epoch: 2,
                        committed_metadata: Some("meta".into()),
                    }],
                }],
            },
            version,
        ),
        ApiKey::DescribeProducers => encode(
            &describe_producers::DescribeProducersRequest {
                topics: vec![describe_producers::TopicRequest {
                    name: "events".into(),
                    partition_indexes: vec![0, 1],
                }],
            },
            version,
        ),
        ApiKey::DescribeTransactions => encode(
            &describe_transactions::DescribeTransactionsRequest {
                transactional_ids: vec!["tx".into(), "other".into()],
            },
            version,
        ),
        ApiKey::ListTransactions => encode(
            &list_transactions::ListTransactionsRequest {
                state_filters: vec!["Ongoing".into()],
                producer_id_filters: vec![4000],
                duration_filter: 60_000,
            },
            version,
        ),
        _ => return None,
    })
}

/// A response of `api` with a little of everything in it.
fn response_body(api: ApiKey, version: i16) -> Vec<u8> {
    let topic_id = [0x22; 16];
    let message = Some("message".to_string());
    match api {
        ApiKey::Produce => encode(
            &produce::ProduceResponse {
                responses: vec![produce::TopicProduceResponse {
                    name: "events".into(),
                    partition_responses: vec![produce::PartitionProduceResponse {
                        index: 0,
                        error_code: ErrorCode::NOT_LEADER_OR_FOLLOWER,
                        record_errors: vec![produce::BatchIndexAndErrorMessage {
                            batch_index: 0,
                            batch_index_error_message: message.clone(),
                        }],
                        error_message: message.clone(),
                        current_leader: Some(fetch::LeaderIdAndEpoch {
                            leader_id: 2,
                            leader_epoch: 4,
                        }),
                        ..Default::default()
                    }],
                }],
                throttle_time_ms: 1,
                node_endpoints: vec![fetch::NodeEndpoint {
                    node_id: 2,
                    host: "localhost".into(),
                    port: 9093,
                    rack: None,
                }],
            },
            version,
        ),
        ApiKey::Fetch => fetch_response(&sample_batch(CompressionType::None, 2), version),
        ApiKey::ListOffsets => encode(
            &list_offsets::ListOffsetsResponse {
                throttle_time_ms: 1,
                topics: vec![list_offsets::ListOffsetsTopicResponse {
                    name: "events".into(),
                    partitions: vec![list_offsets::ListOffsetsPartitionResponse {
                        partition_index: 0,
                        offset: 12,
                        ..Default::default()
                    }],
                }],
            },
            version,
        ),
        ApiKey::Metadata => encode(
            &metadata::MetadataResponse {
                brokers: vec![metadata::MetadataResponseBroker {
                    node_id: 1,
                    host: "localhost".into(),
                    port: 9092,
                    rack: None,
                }],
                cluster_id: Some("cluster".into()),
                controller_id: 1,
                topics: vec![metadata::MetadataResponseTopic {
                    error_code: ErrorCode::NONE,
                    name: Some("events".into()),
                    topic_id,
                    is_internal: false,
                    partitions: vec![metadata::MetadataResponsePartition {
                        error_code: ErrorCode::NONE,
                        partition_index: 0,
                        leader_id: 1,
                        leader_epoch: 0,
                        replica_nodes: vec![1],
                        isr_nodes: vec![1],
                        offline_replicas: vec![],
                    }],
                    topic_authorized_operations: i32::MIN,
                }],
                ..Default::default()
            },
            version,
        ),
        ApiKey::ApiVersions => encode(
            &api_versions::ApiVersionsResponse {
                error_code: ErrorCode::NONE,
                api_keys: APIS
                    .iter()
                    .map(|&api| {
                        let range = versions(api).expect("APIS have versions");
                        api_versions::ApiVersion {
                            api_key: api as i16,
                            min_version: *range.start(),
                            max_version: *range.end(),
                        }
                    })
                    .collect(),
                throttle_time_ms: 0,
            },
            version,
        ),
        ApiKey::CreateTopics => encode(
            &create_topics::CreateTopicsResponse {
                throttle_time_ms: 1,
                topics: vec![create_topics::CreatableTopicResult {
                    name: "events".into(),
                    topic_id,
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    topic_config_error_code: ErrorCode::NONE,
                    num_partitions: 1,
                    replication_factor: 1,
                    configs: Some(vec![create_topics::CreatableTopicConfigs {
                        name: "cleanup.policy".into(),
                        value: Some("delete".into()),
                        read_only: false,
                        config_source: 5,
                        is_sensitive: false,
                    }]),
                }],
            },
            version,
        ),
        ApiKey::DeleteTopics => encode(
            &delete_topics::DeleteTopicsResponse {
                throttle_time_ms: 1,
                responses: vec![delete_topics::DeletableTopicResult {
                    name: Some("events".into()),
                    topic_id,
                    error_code: ErrorCode::NONE,
                    error_message: message.clone(),
                }],
            },
            version,
        ),
        ApiKey::DeleteRecords => encode(
            &delete_records::DeleteRecordsResponse {
                throttle_time_ms: 1,
                topics: vec![delete_records::DeleteRecordsTopicResult {
                    name: "events".into(),
                    partitions: vec![delete_records::DeleteRecordsPartitionResult {
                        partition_index: 0,
                        low_watermark: 5,
                        error_code: ErrorCode::NONE,
                    }],
                }],
            },
            version,
        ),
        ApiKey::InitProducerId => encode(
            &init_producer_id::InitProducerIdResponse {
                producer_id: 4000,
                producer_epoch: 1,
                ..Default::default()
            },
            version,
        ),
        ApiKey::OffsetForLeaderEpoch => encode(
            &offset_for_leader_epoch::OffsetForLeaderEpochResponse {
                throttle_time_ms: 1,
                topics: vec![offset_for_leader_epoch::OffsetForLeaderTopicResult {
                    topic: "events".into(),
                    partitions: vec![offset_for_leader_epoch::EpochEndOffset {
                        error_code: ErrorCode::NONE,
                        partition: 0,
                        leader_epoch: 2,
                        end_offset: 40,
                    }],
                }],
            },
            version,
        ),
        ApiKey::DescribeConfigs => encode(
            &describe_configs::DescribeConfigsResponse {
                throttle_time_ms: 1,
                results: vec![describe_configs::DescribeConfigsResult {
                    error_code: ErrorCode::NONE,
                    error_message: None,
                    resource_type: 2,
                    resource_name: "events".into(),
                    configs: vec![describe_configs::DescribeConfigsResourceResult {
                        name: "retention.ms".into(),
                        value: Some("1000".into()),
                        read_only: false,
                        config_source: 1,
                        is_sensitive: false,
                        synonyms: vec![describe_configs::DescribeConfigsSynonym {
                            name: "log.retention.ms".into(),
                            value: None,
                            source: 5,
                        }],
                        config_type: if version >= 3 { 5 } else { 0 },
                        documentation: (version >= 3).then(|| "doc".into()),
                    }],
                }],
            },
            version,
        ),
        ApiKey::AlterConfigs => encode(
            &alter_configs::AlterConfigsResponse {
                throttle_time_ms: 1,
                responses: vec![alter_configs::AlterConfigsResourceResponse {
                    error_code: ErrorCode::NONE,
                    error_message: message.clone(),
                    resource_type: 2,
                    resource_name: "events".into(),
                }],
            },
            version,
        ),
        ApiKey::DescribeLogDirs => encode(
            &describe_log_dirs::DescribeLogDirsResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                results: vec![describe_log_dirs::DescribeLogDirsResult {
                    error_code: ErrorCode::NONE,
                    log_dir: "/var/lib/fjord".into(),
                    topics: vec![describe_log_dirs::DescribeLogDirsTopic {
                        name: "events".into(),
                        partitions: vec![describe_log_dirs::DescribeLogDirsPartition {
                            partition_index: 0,
                            partition_size: 4096,
                            offset_lag: 0,
                            is_future_key: false,
                        }],
                    }],
                    total_bytes: if version >= 4 { 1 << 30 } else { -1 },
                    usable_bytes: if version >= 4 { 1 << 29 } else { -1 },
                }],
            },
            version,
        ),
        ApiKey::CreatePartitions => encode(
            &create_partitions::CreatePartitionsResponse {
                throttle_time_ms: 1,
                results: vec![create_partitions::CreatePartitionsTopicResult {
                    name: "events".into(),
                    error_code: ErrorCode::NONE,
                    error_message: message.clone(),
                }],
            },
            version,
        ),
        ApiKey::IncrementalAlterConfigs => encode(
            &incremental_alter_configs::IncrementalAlterConfigsResponse {
                throttle_time_ms: 1,
                responses: vec![incremental_alter_configs::AlterConfigsResourceResponse {
                    error_code: ErrorCode::NONE,
                    error_message: message.clone(),
                    resource_type: 2,
                    resource_name: "events".into(),
                }],
            },
            version,
        ),
        ApiKey::DescribeCluster => encode(
            &describe_cluster::DescribeClusterResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                error_message: None,
                endpoint_type: 1,
                cluster_id: "cluster".into(),
                controller_id: 1,
                brokers: vec![describe_cluster::DescribeClusterBroker {
                    broker_id: 1,
                    host: "localhost".into(),
                    port: 9092,
                    rack: Some("r1".into()),
                }],
                cluster_authorized_operations: i32::MIN,
            },
            version,
        ),
        ApiKey::DescribeTopicPartitions => encode(
            &describe_topic_partitions::DescribeTopicPartitionsResponse {
                throttle_time_ms: 1,
                topics: vec![
                    describe_topic_partitions::DescribeTopicPartitionsResponseTopic {
                        error_code: ErrorCode::NONE,
                        name: Some("events".into()),
                        topic_id,
                        is_internal: false,
                        partitions: vec![
                            describe_topic_partitions::DescribeTopicPartitionsResponsePartition {
                                error_code: ErrorCode::NONE,
                                partition_index: 0,
                                leader_id: 1,
                                leader_epoch: 0,
                                replica_nodes: vec![1],
                                isr_nodes: vec![1],
                                eligible_leader_replicas: None,
                                last_known_elr: Some(vec![]),
                                offline_replicas: vec![],
                            },
                        ],
                        topic_authorized_operations: i32::MIN,
                    },
                ],
                next_cursor: Some(describe_topic_partitions::Cursor {
                    topic_name: "events".into(),
                    partition_index: 1,
                }),
            },
            version,
        ),
        ApiKey::OffsetCommit => encode(
            &offset_commit::OffsetCommitResponse {
                throttle_time_ms: 1,
                topics: vec![offset_commit::OffsetCommitResponseTopic {
                    name: "events".into(),
                    partitions: vec![
                        offset_commit::OffsetCommitResponsePartition {
                            partition_index: 0,
                            error_code: ErrorCode::NONE,
                        },
                        offset_commit::OffsetCommitResponsePartition {
                            partition_index: 1,
                            error_code: ErrorCode::UNKNOWN_MEMBER_ID,
                        },
                    ],
                }],
            },
            version,
        ),
        ApiKey::OffsetFetch => {
            let topics = vec![offset_fetch::OffsetFetchResponseTopic {
                name: "events".into(),
                partitions: vec![offset_fetch::OffsetFetchResponsePartition {
                    partition_index: 0,
                    committed_offset: 42,
                    committed_leader_epoch: 2,
                    metadata: Some("meta".into()),
                    error_code: ErrorCode::NONE,
                }],
            }];
            encode(
                &offset_fetch::OffsetFetchResponse {
                    throttle_time_ms: 1,
                    topics: topics.clone(),
                    error_code: ErrorCode::NONE,
                    groups: vec![offset_fetch::OffsetFetchResponseGroup {
                        group_id: "orders-app".into(),
                        topics,
                        error_code: ErrorCode::NONE,
                    }],
                },
                version,
            )
        }
        ApiKey::FindCoordinator => encode(
            &find_coordinator::FindCoordinatorResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                error_message: message.clone(),
                node_id: 1,
                host: "localhost".into(),
                port: 9092,
                coordinators: vec![find_coordinator::Coordinator {
                    key: "orders-app".into(),
                    node_id: 1,
                    host: "localhost".into(),
                    port: 9092,
                    error_code: ErrorCode::NONE,
                    error_message: None,
                }],
            },
            version,
        ),
        ApiKey::JoinGroup => encode(
            &join_group::JoinGroupResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                generation_id: 3,
                protocol_type: Some("consumer".into()),
                protocol_name: Some("range".into()),
                leader: "member-1".into(),
                skip_assignment: false,
                member_id: "member-1".into(),
                members: vec![join_group::JoinGroupResponseMember {
                    member_id: "member-1".into(),
                    group_instance_id: Some("instance-1".into()),
                    metadata: vec![0, 1, 0, 0, 0, 0],
                }],
            },
            version,
        ),
        ApiKey::Heartbeat => encode(
            &heartbeat::HeartbeatResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::REBALANCE_IN_PROGRESS,
            },
            version,
        ),
        ApiKey::LeaveGroup => encode(
            &leave_group::LeaveGroupResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                members: vec![leave_group::MemberResponse {
                    member_id: "member-1".into(),
                    group_instance_id: Some("instance-1".into()),
                    error_code: ErrorCode::NONE,
                }],
            },
            version,
        ),
        ApiKey::SyncGroup => encode(
            &sync_group::SyncGroupResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                protocol_type: Some("consumer".into()),
                protocol_name: Some("range".into()),
                assignment: vec![0, 1, 0, 0, 0, 1],
            },
            version,
        ),
        ApiKey::DescribeGroups => encode(
            &describe_groups::DescribeGroupsResponse {
                throttle_time_ms: 1,
                groups: vec![describe_groups::DescribedGroup {
                    error_code: ErrorCode::NONE,
                    group_id: "orders-app".into(),
                    group_state: "Stable".into(),
                    protocol_type: "consumer".into(),
                    protocol_data: "range".into(),
                    members: vec![describe_groups::DescribedGroupMember {
                        member_id: "member-1".into(),
                        group_instance_id: Some("instance-1".into()),
                        client_id: "client".into(),
                        client_host: "/127.0.0.1".into(),
                        member_metadata: vec![0, 1],
                        member_assignment: vec![0, 1, 0, 0, 0, 0],
                    }],
                    authorized_operations: i32::MIN,
                }],
            },
            version,
        ),
        ApiKey::ListGroups => encode(
            &list_groups::ListGroupsResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                groups: vec![list_groups::ListedGroup {
                    group_id: "orders-app".into(),
                    protocol_type: "consumer".into(),
                    group_state: "Stable".into(),
                    group_type: "classic".into(),
                }],
            },
            version,
        ),
        ApiKey::DeleteGroups => encode(
            &delete_groups::DeleteGroupsResponse {
                throttle_time_ms: 1,
                results: vec![delete_groups::DeletableGroupResult {
                    group_id: "orders-app".into(),
                    error_code: ErrorCode::NON_EMPTY_GROUP,
                }],
            },
            version,
        ),
        ApiKey::OffsetDelete => encode(
            &offset_delete::OffsetDeleteResponse {
                error_code: ErrorCode::NONE,
                throttle_time_ms: 1,
                topics: vec![offset_delete::OffsetDeleteResponseTopic {
                    name: "events".into(),
                    partitions: vec![offset_delete::OffsetDeleteResponsePartition {
                        partition_index: 0,
                        error_code: ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC,
                    }],
                }],
            },
            version,
        ),
        ApiKey::ConsumerGroupHeartbeat => encode(
            &consumer_group_heartbeat::ConsumerGroupHeartbeatResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                error_message: None,
                member_id: Some("member-1".into()),
                member_epoch: 4,
                heartbeat_interval_ms: 5_000,
                assignment: Some(consumer_group_heartbeat::HeartbeatAssignment {
                    topic_partitions: vec![consumer_group_heartbeat::HeartbeatTopicPartitions {
                        topic_id,
                        partitions: vec![0, 2],
                    }],
                }),
            },
            version,
        ),
        ApiKey::ConsumerGroupDescribe => {
            let assignment = consumer_group_describe::MemberAssignment {
                topic_partitions: vec![consumer_group_describe::AssignedTopicPartitions {
                    topic_id,
                    topic_name: "events".into(),
                    partitions: vec![0, 2],
                }],
            };
            encode(
                &consumer_group_describe::ConsumerGroupDescribeResponse {
                    throttle_time_ms: 1,
                    groups: vec![consumer_group_describe::DescribedGroup {
                        error_code: ErrorCode::NONE,
                        error_message: None,
                        group_id: "orders-app".into(),
                        group_state: "Stable".into(),
                        group_epoch: 4,
                        assignment_epoch: 4,
                        assignor_name: "uniform".into(),
                        members: vec![consumer_group_describe::DescribedMember {
                            member_id: "member-1".into(),
                            instance_id: Some("instance-1".into()),
                            rack_id: None,
                            member_epoch: 4,
                            client_id: "client".into(),
                            client_host: "/127.0.0.1".into(),
                            subscribed_topic_names: vec!["events".into()],
                            subscribed_topic_regex: None,
                            assignment: assignment.clone(),
                            target_assignment: assignment,
                            member_type: consumer_group_describe::MEMBER_TYPE_CONSUMER,
                        }],
                        authorized_operations: i32::MIN,
                    }],
                },
                version,
            )
        }
        ApiKey::AddPartitionsToTxn => {
            let topic_results = vec![add_partitions_to_txn::AddPartitionsToTxnTopicResult {
                name: "events".into(),
                results_by_partition: vec![
                    add_partitions_to_txn::AddPartitionsToTxnPartitionResult {
                        partition_index: 0,
                        partition_error_code: ErrorCode::NONE,
                    },
                    add_partitions_to_txn::AddPartitionsToTxnPartitionResult {
                        partition_index: 1,
                        partition_error_code: ErrorCode::CONCURRENT_TRANSACTIONS,
                    },
                ],
            }];
            encode(
                &add_partitions_to_txn::AddPartitionsToTxnResponse {
                    throttle_time_ms: 1,
                    error_code: ErrorCode::NONE,
                    results_by_transaction: vec![add_partitions_to_txn::AddPartitionsToTxnResult {
                        transactional_id: "tx".into(),
                        topic_results: topic_results.clone(),
                    }],
                    results_by_topic_v3_and_below: topic_results,
                },
                version,
            )
        }
        ApiKey::AddOffsetsToTxn => encode(
            &add_offsets_to_txn::AddOffsetsToTxnResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
            },
            version,
        ),
        ApiKey::EndTxn => encode(
            &end_txn::EndTxnResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                producer_id: 4000,
                producer_epoch: 2,
            },
            version,
        ),
        ApiKey::WriteTxnMarkers => encode(
            &write_txn_markers::WriteTxnMarkersResponse {
                markers: vec![write_txn_markers::WritableTxnMarkerResult {
                    producer_id: 4000,
                    topics: vec![write_txn_markers::WritableTxnMarkerTopicResult {
                        name: "events".into(),
                        partitions: vec![write_txn_markers::WritableTxnMarkerPartitionResult {
                            partition_index: 0,
                            error_code: ErrorCode::NONE,
                        }],
                    }],
                }],
            },
            version,
        ),
        ApiKey::TxnOffsetCommit => encode(
            &txn_offset_commit::TxnOffsetCommitResponse {
                throttle_time_ms: 1,
                topics: vec![txn_offset_commit::TxnOffsetCommitResponseTopic {
                    name: "events".into(),
                    partitions: vec![txn_offset_commit::TxnOffsetCommitResponsePartition {
                        partition_index: 0,
                        error_code: ErrorCode::NONE,
                    }],
                }],
            },
            version,
        ),
        ApiKey::DescribeProducers => encode(
            &describe_producers::DescribeProducersResponse {
                throttle_time_ms: 1,
                topics: vec![describe_producers::TopicResponse {
                    name: "events".into(),
                    partitions: vec![describe_producers::PartitionResponse {
                        partition_index: 0,
                        error_code: ErrorCode::NONE,
                        error_message: message.clone(),
                        active_producers: vec![describe_producers::ProducerState {
                            producer_id: 4000,
                            producer_epoch: 1,
                            last_sequence: 7,
                            last_timestamp: 1_700_000_000_000,
                            coordinator_epoch: 2,
                            current_txn_start_offset: 40,
                        }],
                    }],
                }],
            },
            version,
        ),
        ApiKey::DescribeTransactions => encode(
            &describe_transactions::DescribeTransactionsResponse {
                throttle_time_ms: 1,
                transaction_states: vec![describe_transactions::TransactionState {
                    error_code: ErrorCode::NONE,
                    transactional_id: "tx".into(),
                    transaction_state: "Ongoing".into(),
                    transaction_timeout_ms: 60_000,
                    transaction_start_time_ms: 1_700_000_000_000,
                    producer_id: 4000,
                    producer_epoch: 1,
                    topics: vec![describe_transactions::TopicData {
                        topic: "events".into(),
                        partitions: vec![0, 1],
                    }],
                }],
            },
            version,
        ),
        ApiKey::ListTransactions => encode(
            &list_transactions::ListTransactionsResponse {
                throttle_time_ms: 1,
                error_code: ErrorCode::NONE,
                unknown_state_filters: vec!["Unknown".into()],
                transaction_states: vec![list_transactions::TransactionState {
                    transactional_id: "tx".into(),
                    producer_id: 4000,
                    transaction_state: "Ongoing".into(),
                }],
            },
            version,
        ),
        _ => Vec::new(),
    }
}
