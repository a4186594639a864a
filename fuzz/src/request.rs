//! Request frames as the broker decodes them, and response frames as the CLI client
//! decodes them.
//!
//! One input is read two ways:
//! - as a request frame without its 4-byte size prefix: `RequestHeader::peek`, then, for
//!   a known API key, `RequestHeader::decode` and the body at every version the API's
//!   module supports (dispatch decodes the header's version only, when supported; the
//!   other versions are there for coverage);
//! - bytes 4.. (after the API key and version) as the response frame to that request:
//!   correlation id, tagged fields in flexible header versions, then the body at every
//!   supported version.
//!
//! Every body that decodes is encoded again and must decode, completely, to the same
//! value. Record sets (produce requests, fetch responses) get [`crate::batch::check_log`]
//! at the header's version.

use std::fmt::Debug;
use std::ops::RangeInclusive;

use fjord_protocol::codec::{Decode, Encode, Reader, Writer};
use fjord_protocol::header::RequestHeader;
use fjord_protocol::messages::fetch::FetchRecords;
use fjord_protocol::messages::produce::ProduceRequest;
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
use fjord_protocol::ApiKey;

use crate::batch;

/// The APIs with message bodies, each with its module's `VERSIONS`.
pub fn versions(api: ApiKey) -> Option<RangeInclusive<i16>> {
    Some(match api {
        ApiKey::Produce => produce::VERSIONS,
        ApiKey::Fetch => fetch::VERSIONS,
        ApiKey::ListOffsets => list_offsets::VERSIONS,
        ApiKey::Metadata => metadata::VERSIONS,
        ApiKey::ApiVersions => api_versions::VERSIONS,
        ApiKey::CreateTopics => create_topics::VERSIONS,
        ApiKey::DeleteTopics => delete_topics::VERSIONS,
        ApiKey::DeleteRecords => delete_records::VERSIONS,
        ApiKey::InitProducerId => init_producer_id::VERSIONS,
        ApiKey::OffsetForLeaderEpoch => offset_for_leader_epoch::VERSIONS,
        ApiKey::DescribeConfigs => describe_configs::VERSIONS,
        ApiKey::AlterConfigs => alter_configs::VERSIONS,
        ApiKey::DescribeLogDirs => describe_log_dirs::VERSIONS,
        ApiKey::CreatePartitions => create_partitions::VERSIONS,
        ApiKey::IncrementalAlterConfigs => incremental_alter_configs::VERSIONS,
        ApiKey::DescribeCluster => describe_cluster::VERSIONS,
        ApiKey::DescribeTopicPartitions => describe_topic_partitions::VERSIONS,
        ApiKey::OffsetCommit => offset_commit::VERSIONS,
        ApiKey::OffsetFetch => offset_fetch::VERSIONS,
        ApiKey::FindCoordinator => find_coordinator::VERSIONS,
        ApiKey::JoinGroup => join_group::VERSIONS,
        ApiKey::Heartbeat => heartbeat::VERSIONS,
        ApiKey::LeaveGroup => leave_group::VERSIONS,
        ApiKey::SyncGroup => sync_group::VERSIONS,
        ApiKey::DescribeGroups => describe_groups::VERSIONS,
        ApiKey::ListGroups => list_groups::VERSIONS,
        ApiKey::DeleteGroups => delete_groups::VERSIONS,
        ApiKey::OffsetDelete => offset_delete::VERSIONS,
        ApiKey::ConsumerGroupHeartbeat => consumer_group_heartbeat::VERSIONS,
        ApiKey::ConsumerGroupDescribe => consumer_group_describe::VERSIONS,
        ApiKey::AddPartitionsToTxn => add_partitions_to_txn::VERSIONS,
        ApiKey::AddOffsetsToTxn => add_offsets_to_txn::VERSIONS,
        ApiKey::EndTxn => end_txn::VERSIONS,
        ApiKey::WriteTxnMarkers => write_txn_markers::VERSIONS,
        ApiKey::TxnOffsetCommit => txn_offset_commit::VERSIONS,
        ApiKey::DescribeProducers => describe_producers::VERSIONS,
        ApiKey::DescribeTransactions => describe_transactions::VERSIONS,
        ApiKey::ListTransactions => list_transactions::VERSIONS,
        _ => return None,
    })
}

/// Every API [`versions`] knows.
pub const APIS: [ApiKey; 38] = [
    ApiKey::Produce,
    ApiKey::Fetch,
    ApiKey::ListOffsets,
    ApiKey::Metadata,
    ApiKey::ApiVersions,
    ApiKey::CreateTopics,
    ApiKey::DeleteTopics,
    ApiKey::DeleteRecords,
    ApiKey::InitProducerId,
    ApiKey::OffsetForLeaderEpoch,
    ApiKey::DescribeConfigs,
    ApiKey::AlterConfigs,
    ApiKey::DescribeLogDirs,
    ApiKey::CreatePartitions,
    ApiKey::IncrementalAlterConfigs,
    ApiKey::DescribeCluster,
    ApiKey::DescribeTopicPartitions,
    ApiKey::OffsetCommit,
    ApiKey::OffsetFetch,
    ApiKey::FindCoordinator,
    ApiKey::JoinGroup,
    ApiKey::Heartbeat,
    ApiKey::LeaveGroup,
    ApiKey::SyncGroup,
    ApiKey::DescribeGroups,
    ApiKey::ListGroups,
    ApiKey::DeleteGroups,
    ApiKey::OffsetDelete,
    ApiKey::ConsumerGroupHeartbeat,
    ApiKey::ConsumerGroupDescribe,
    ApiKey::AddPartitionsToTxn,
    ApiKey::AddOffsetsToTxn,
    ApiKey::EndTxn,
    ApiKey::WriteTxnMarkers,
    ApiKey::TxnOffsetCommit,
    ApiKey::DescribeProducers,
    ApiKey::DescribeTransactions,
    ApiKey::ListTransactions,
];

/// The `request_decode` target: `frame` as a request and `frame[4..]` as its response.
pub fn check_frame(frame: &[u8]) {
    let Ok((key, version, correlation_id)) = RequestHeader::peek(frame) else {
        return;
    };
    let Some(api) = ApiKey::from_i16(key) else {
        return;
    };
    let mut reader = Reader::new(frame);
    if let Ok(header) = RequestHeader::decode(&mut reader, api) {
        assert_eq!(
            (header.api_key, header.api_version, header.correlation_id),
            (key, version, correlation_id),
            "decode disagrees with peek"
        );
        let body = reader.position();
        assert!(body <= frame.len());
        for v in versions(api).into_iter().flatten() {
            check_request(api, frame, body, v, v == version);
        }
    }
    // peek read 8 bytes, so there is a response frame (maybe an empty one) after 4.
    for v in versions(api).into_iter().flatten() {
        check_response(api, &frame[4..], v, v == version);
    }
}

/// True if `frame` is a request, or a key and version followed by a response frame,
/// that decodes without a byte left over at the version it names (for seed tests).
pub fn decodes_completely(frame: &[u8]) -> bool {
    let Ok((key, version, _)) = RequestHeader::peek(frame) else {
        return false;
    };
    let Some(api) = ApiKey::from_i16(key) else {
        return false;
    };
    let mut reader = Reader::new(frame);
    let request = RequestHeader::decode(&mut reader, api).is_ok()
        && check_request(api, frame, reader.position(), version, false);
    request || check_response(api, &frame[4..], version, false)
}

/// Decodes the request body at `frame[at..]`; true if it decoded with nothing left
/// over. `deep` also checks the record sets it holds.
fn check_request(api: ApiKey, frame: &[u8], at: usize, version: i16, deep: bool) -> bool {
    match api {
        ApiKey::Produce => check_produce_request(frame, at, version, deep),
        ApiKey::Fetch => round_trip::<fetch::FetchRequest>(frame, at, version).is_some(),
        ApiKey::ListOffsets => {
            round_trip::<list_offsets::ListOffsetsRequest>(frame, at, version).is_some()
        }
        ApiKey::Metadata => round_trip::<metadata::MetadataRequest>(frame, at, version).is_some(),
        // Only the broker reads it, so it has no encoder.
        ApiKey::ApiVersions => {
            decode::<api_versions::ApiVersionsRequest>(frame, at, version).is_some_and(|d| d.1)
        }
        ApiKey::CreateTopics => {
            round_trip::<create_topics::CreateTopicsRequest>(frame, at, version).is_some()
        }
        ApiKey::DeleteTopics => {
            round_trip::<delete_topics::DeleteTopicsRequest>(frame, at, version).is_some()
        }
        ApiKey::DeleteRecords => {
            round_trip::<delete_records::DeleteRecordsRequest>(frame, at, version).is_some()
        }
        ApiKey::InitProducerId => {
            round_trip::<init_producer_id::InitProducerIdRequest>(frame, at, version).is_some()
        }
        ApiKey::OffsetForLeaderEpoch => {
            round_trip::<offset_for_leader_epoch::OffsetForLeaderEpochRequest>(frame, at, version)
                .is_some()
        }
        ApiKey::DescribeConfigs => {
            round_trip::<describe_configs::DescribeConfigsRequest>(frame, at, version).is_some()
        }
        ApiKey::AlterConfigs => {
            round_trip::<alter_configs::AlterConfigsRequest>(frame, at, version).is_some()
        }
        ApiKey::DescribeLogDirs => {
            round_trip::<describe_log_dirs::DescribeLogDirsRequest>(frame, at, version).is_some()
        }
        ApiKey::CreatePartitions => {
            round_trip::<create_partitions::CreatePartitionsRequest>(frame, at, version).is_some()
        }
        ApiKey::IncrementalAlterConfigs => round_trip::<
            incremental_alter_configs::IncrementalAlterConfigsRequest,
        >(frame, at, version)
        .is_some(),
        ApiKey::DescribeCluster => {
            round_trip::<describe_cluster::DescribeClusterRequest>(frame, at, version).is_some()
        }
        ApiKey::DescribeTopicPartitions => round_trip::<
            describe_topic_partitions::DescribeTopicPartitionsRequest,
        >(frame, at, version)
        .is_some(),
        ApiKey::OffsetCommit => {
            round_trip::<offset_commit::OffsetCommitRequest>(frame, at, version).is_some()
        }
        ApiKey::OffsetFetch => {
            round_trip::<offset_fetch::OffsetFetchRequest>(frame, at, version).is_some()
        }
        ApiKey::FindCoordinator => {
            round_trip::<find_coordinator::FindCoordinatorRequest>(frame, at, version).is_some()
        }
        ApiKey::JoinGroup => {
            round_trip::<join_group::JoinGroupRequest>(frame, at, version).is_some()
        }
        ApiKey::Heartbeat => {
            round_trip::<heartbeat::HeartbeatRequest>(frame, at, version).is_some()
        }
        ApiKey::LeaveGroup => {
            round_trip::<leave_group::LeaveGroupRequest>(frame, at, version).is_some()
        }
        ApiKey::SyncGroup => {
            round_trip::<sync_group::SyncGroupRequest>(frame, at, version).is_some()
        }
        ApiKey::DescribeGroups => {
            round_trip::<describe_groups::DescribeGroupsRequest>(frame, at, version).is_some()
        }
        ApiKey::ListGroups => {
            round_trip::<list_groups::ListGroupsRequest>(frame, at, version).is_some()
        }
        ApiKey::DeleteGroups => {
            round_trip::<delete_groups::DeleteGroupsRequest>(frame, at, version).is_some()
        }
        ApiKey::OffsetDelete => {
            round_trip::<offset_delete::OffsetDeleteRequest>(frame, at, version).is_some()
        }
        ApiKey::ConsumerGroupHeartbeat => round_trip::<
            consumer_group_heartbeat::ConsumerGroupHeartbeatRequest,
        >(frame, at, version)
        .is_some(),
        ApiKey::ConsumerGroupDescribe => {
            round_trip::<consumer_group_describe::ConsumerGroupDescribeRequest>(frame, at, version)
                .is_some()
        }
        ApiKey::AddPartitionsToTxn => {
            round_trip::<add_partitions_to_txn::AddPartitionsToTxnRequest>(frame, at, version)
                .is_some()
        }
        ApiKey::AddOffsetsToTxn => {
            round_trip::<add_offsets_to_txn::AddOffsetsToTxnRequest>(frame, at, version).is_some()
        }
        ApiKey::EndTxn => round_trip::<end_txn::EndTxnRequest>(frame, at, version).is_some(),
        ApiKey::WriteTxnMarkers => {
            round_trip::<write_txn_markers::WriteTxnMarkersRequest>(frame, at, version).is_some()
        }
        ApiKey::TxnOffsetCommit => {
            round_trip::<txn_offset_commit::TxnOffsetCommitRequest>(frame, at, version).is_some()
        }
        ApiKey::DescribeProducers => {
            round_trip::<describe_producers::DescribeProducersRequest>(frame, at, version).is_some()
        }
        ApiKey::DescribeTransactions => {
            round_trip::<describe_transactions::DescribeTransactionsRequest>(frame, at, version)
                .is_some()
        }
        ApiKey::ListTransactions => {
            round_trip::<list_transactions::ListTransactionsRequest>(frame, at, version).is_some()
        }
        _ => false,
    }
}

/// Reads a response frame (correlation id, header tagged fields, body) as the client
/// does; true if the body decoded with nothing left over.
fn check_response(api: ApiKey, frame: &[u8], version: i16, deep: bool) -> bool {
    let mut reader = Reader::new(frame);
    if reader.i32().is_err() {
        return false;
    }
    if api.response_header_version(version) >= 1 && reader.skip_tagged_fields(true).is_err() {
        return false;
    }
    let at = reader.position();
    match api {
        ApiKey::Produce => round_trip::<produce::ProduceResponse>(frame, at, version).is_some(),
        ApiKey::Fetch => match round_trip::<fetch::FetchResponse>(frame, at, version) {
            Some(response) => {
                if deep {
                    for partition in response.responses.iter().flat_map(|t| &t.partitions) {
                        if let FetchRecords::Bytes(records) = &partition.records {
                            batch::check_log(records);
                        }
                    }
                }
                true
            }
            None => false,
        },
        ApiKey::ListOffsets => {
            round_trip::<list_offsets::ListOffsetsResponse>(frame, at, version).is_some()
        }
        ApiKey::Metadata => round_trip::<metadata::MetadataResponse>(frame, at, version).is_some(),
        ApiKey::ApiVersions => {
            round_trip::<api_versions::ApiVersionsResponse>(frame, at, version).is_some()
        }
        ApiKey::CreateTopics => {
            round_trip::<create_topics::CreateTopicsResponse>(frame, at, version).is_some()
        }
        ApiKey::DeleteTopics => {
            round_trip::<delete_topics::DeleteTopicsResponse>(frame, at, version).is_some()
        }
        ApiKey::DeleteRecords => {
            round_trip::<delete_records::DeleteRecordsResponse>(frame, at, version).is_some()
        }
        ApiKey::InitProducerId => {
            round_trip::<init_producer_id::InitProducerIdResponse>(frame, at, version).is_some()
        }
        ApiKey::OffsetForLeaderEpoch => {
            round_trip::<offset_for_leader_epoch::OffsetForLeaderEpochResponse>(frame, at, version)
                .is_some()
        }
        ApiKey::DescribeConfigs => {
            round_trip::<describe_configs::DescribeConfigsResponse>(frame, at, version).is_some()
        }
        ApiKey::AlterConfigs => {
            round_trip::<alter_configs::AlterConfigsResponse>(frame, at, version).is_some()
        }
        ApiKey::DescribeLogDirs => {
            round_trip::<describe_log_dirs::DescribeLogDirsResponse>(frame, at, version).is_some()
        }
        ApiKey::CreatePartitions => {
            round_trip::<create_partitions::CreatePartitionsResponse>(frame, at, version).is_some()
        }
        ApiKey::IncrementalAlterConfigs => round_trip::<
            incremental_alter_configs::IncrementalAlterConfigsResponse,
        >(frame, at, version)
        .is_some(),
        ApiKey::DescribeCluster => {
            round_trip::<describe_cluster::DescribeClusterResponse>(frame, at, version).is_some()
        }
        ApiKey::DescribeTopicPartitions => round_trip::<
            describe_topic_partitions::DescribeTopicPartitionsResponse,
        >(frame, at, version)
        .is_some(),
        ApiKey::OffsetCommit => {
            round_trip::<offset_commit::OffsetCommitResponse>(frame, at, version).is_some()
        }
        ApiKey::OffsetFetch => {
            round_trip::<offset_fetch::OffsetFetchResponse>(frame, at, version).is_some()
        }
        ApiKey::FindCoordinator => {
            round_trip::<find_coordinator::FindCoordinatorResponse>(frame, at, version).is_some()
        }
        ApiKey::JoinGroup => {
            round_trip::<join_group::JoinGroupResponse>(frame, at, version).is_some()
        }
        ApiKey::Heartbeat => {
            round_trip::<heartbeat::HeartbeatResponse>(frame, at, version).is_some()
        }
        ApiKey::LeaveGroup => {
            round_trip::<leave_group::LeaveGroupResponse>(frame, at, version).is_some()
        }
        ApiKey::SyncGroup => {
            round_trip::<sync_group::SyncGroupResponse>(frame, at, version).is_some()
        }
        ApiKey::DescribeGroups => {
            round_trip::<describe_groups::DescribeGroupsResponse>(frame, at, version).is_some()
        }
        ApiKey::ListGroups => {
            round_trip::<list_groups::ListGroupsResponse>(frame, at, version).is_some()
        }
        ApiKey::DeleteGroups => {
            round_trip::<delete_groups::DeleteGroupsResponse>(frame, at, version).is_some()
        }
        ApiKey::OffsetDelete => {
            round_trip::<offset_delete::OffsetDeleteResponse>(frame, at, version).is_some()
        }
        ApiKey::ConsumerGroupHeartbeat => round_trip::<
            consumer_group_heartbeat::ConsumerGroupHeartbeatResponse,
        >(frame, at, version)
        .is_some(),
        ApiKey::ConsumerGroupDescribe => {
            round_trip::<consumer_group_describe::ConsumerGroupDescribeResponse>(frame, at, version)
                .is_some()
        }
        ApiKey::AddPartitionsToTxn => {
            round_trip::<add_partitions_to_txn::AddPartitionsToTxnResponse>(frame, at, version)
                .is_some()
        }
        ApiKey::AddOffsetsToTxn => {
            round_trip::<add_offsets_to_txn::AddOffsetsToTxnResponse>(frame, at, version).is_some()
        }
        ApiKey::EndTxn => round_trip::<end_txn::EndTxnResponse>(frame, at, version).is_some(),
        ApiKey::WriteTxnMarkers => {
            round_trip::<write_txn_markers::WriteTxnMarkersResponse>(frame, at, version).is_some()
        }
        ApiKey::TxnOffsetCommit => {
            round_trip::<txn_offset_commit::TxnOffsetCommitResponse>(frame, at, version).is_some()
        }
        ApiKey::DescribeProducers => {
            round_trip::<describe_producers::DescribeProducersResponse>(frame, at, version)
                .is_some()
        }
        ApiKey::DescribeTransactions => {
            round_trip::<describe_transactions::DescribeTransactionsResponse>(frame, at, version)
                .is_some()
        }
        ApiKey::ListTransactions => {
            round_trip::<list_transactions::ListTransactionsResponse>(frame, at, version).is_some()
        }
        _ => false,
    }
}

/// Decodes a `T` from `frame[at..]`: the value, and whether every byte was used.
fn decode<T: Decode>(frame: &[u8], at: usize, version: i16) -> Option<(T, bool)> {
    let mut reader = Reader::at(frame, at);
    let value = T::decode(&mut reader, version).ok()?;
    assert!(reader.position() <= frame.len());
    Some((value, reader.finish().is_ok()))
}

fn encode<T: Encode>(value: &T, version: i16) -> Vec<u8> {
    let mut writer = Writer::new();
    value.encode(&mut writer, version);
    writer.into()
}

/// Decodes a `T`, and if it decodes, checks `decode(encode(value)) == value` with no
/// byte left over. `Some(value)` only when the first decode used every byte.
fn round_trip<T>(frame: &[u8], at: usize, version: i16) -> Option<T>
where
    T: Decode + Encode + PartialEq + Debug,
{
    let (value, complete) = decode::<T>(frame, at, version)?;
    let bytes = encode(&value, version);
    let mut reader = Reader::new(&bytes);
    let again = T::decode(&mut reader, version).unwrap_or_else(|err| {
        panic!("v{version} re-encoding of {value:?} does not decode: {err}\n{bytes:02x?}")
    });
    assert_eq!(
        reader.remaining(),
        0,
        "v{version} re-encoding of {value:?}: bytes left"
    );
    assert_eq!(again, value, "v{version}: decode(encode(value)) != value");
    complete.then_some(value)
}

/// Produce requests hold their record sets as ranges of the frame, so the round trip
/// goes through owned bytes; `deep` checks the batches as the produce handler would.
fn check_produce_request(frame: &[u8], at: usize, version: i16, deep: bool) -> bool {
    let Some((request, complete)) = decode::<ProduceRequest>(frame, at, version) else {
        return false;
    };
    let owned = request.map_records(|range| {
        assert!(
            range.start <= range.end && range.end <= frame.len(),
            "records range {range:?} outside a {}-byte frame",
            frame.len()
        );
        frame[range].to_vec()
    });
    if deep {
        for partition in owned.topic_data.iter().flat_map(|t| &t.partition_data) {
            if let Some(records) = &partition.records {
                batch::check_log(records);
            }
        }
    }
    let bytes = encode(&owned, version);
    let mut reader = Reader::new(&bytes);
    let again = ProduceRequest::decode(&mut reader, version)
        .unwrap_or_else(|err| panic!("v{version} re-encoded produce request: {err}"));
    assert_eq!(
        reader.remaining(),
        0,
        "v{version} re-encoded produce request: bytes left"
    );
    let again = again.map_records(|range| bytes[range].to_vec());
    assert_eq!(
        again, owned,
        "v{version}: decode(encode(produce)) != produce"
    );
    complete
}
