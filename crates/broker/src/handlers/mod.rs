//! One module per API. Each handler takes the decoded request and returns the response
//! value (or a future of it), so it can be tested without sockets.

pub mod add_offsets_to_txn;
pub mod add_partitions_to_txn;
pub mod alter_configs;
pub mod api_versions;
pub mod consumer_group_describe;
pub mod consumer_group_heartbeat;
pub mod create_partitions;
pub mod create_topics;
pub mod delete_groups;
pub mod delete_records;
pub mod delete_topics;
pub mod describe_cluster;
pub mod describe_configs;
pub mod describe_groups;
pub mod describe_log_dirs;
pub mod describe_producers;
pub mod describe_topic_partitions;
pub mod describe_transactions;
pub mod end_txn;
pub mod fetch;
pub mod fetch_session;
pub mod find_coordinator;
pub mod heartbeat;
pub mod incremental_alter_configs;
pub mod init_producer_id;
pub mod join_group;
pub mod leave_group;
pub mod list_groups;
pub mod list_offsets;
pub mod list_transactions;
pub mod metadata;
pub mod offset_commit;
pub mod offset_delete;
pub mod offset_fetch;
pub mod offset_for_leader_epoch;
pub mod produce;
pub mod sync_group;
pub mod txn_offset_commit;

use std::ops::RangeInclusive;

use fjord_protocol::messages;
use fjord_protocol::ApiKey;

/// Every API this broker serves and the versions of it: what ApiVersions advertises and
/// what dispatch accepts, from one table.
pub const SUPPORTED: &[(ApiKey, RangeInclusive<i16>)] = &[
    (ApiKey::ApiVersions, messages::api_versions::VERSIONS),
    (ApiKey::Metadata, messages::metadata::VERSIONS),
    (ApiKey::Produce, messages::produce::VERSIONS),
    (ApiKey::Fetch, messages::fetch::VERSIONS),
    (ApiKey::ListOffsets, messages::list_offsets::VERSIONS),
    (ApiKey::CreateTopics, messages::create_topics::VERSIONS),
    (ApiKey::DeleteTopics, messages::delete_topics::VERSIONS),
    (
        ApiKey::CreatePartitions,
        messages::create_partitions::VERSIONS,
    ),
    (
        ApiKey::DescribeCluster,
        messages::describe_cluster::VERSIONS,
    ),
    (ApiKey::InitProducerId, messages::init_producer_id::VERSIONS),
    (
        ApiKey::DescribeConfigs,
        messages::describe_configs::VERSIONS,
    ),
    (ApiKey::AlterConfigs, messages::alter_configs::VERSIONS),
    (
        ApiKey::IncrementalAlterConfigs,
        messages::incremental_alter_configs::VERSIONS,
    ),
    (ApiKey::DeleteRecords, messages::delete_records::VERSIONS),
    (
        ApiKey::OffsetForLeaderEpoch,
        messages::offset_for_leader_epoch::VERSIONS,
    ),
    (
        ApiKey::DescribeLogDirs,
        messages::describe_log_dirs::VERSIONS,
    ),
    (
        ApiKey::DescribeTopicPartitions,
        messages::describe_topic_partitions::VERSIONS,
    ),
    (
        ApiKey::FindCoordinator,
        messages::find_coordinator::VERSIONS,
    ),
    (ApiKey::JoinGroup, messages::join_group::VERSIONS),
    (ApiKey::SyncGroup, messages::sync_group::VERSIONS),
    (ApiKey::Heartbeat, messages::heartbeat::VERSIONS),
    (ApiKey::LeaveGroup, messages::leave_group::VERSIONS),
    (ApiKey::OffsetCommit, messages::offset_commit::VERSIONS),
    (ApiKey::OffsetFetch, messages::offset_fetch::VERSIONS),
    (ApiKey::OffsetDelete, messages::offset_delete::VERSIONS),
    (ApiKey::ListGroups, messages::list_groups::VERSIONS),
    (ApiKey::DescribeGroups, messages::describe_groups::VERSIONS),
    (ApiKey::DeleteGroups, messages::delete_groups::VERSIONS),
    (
        ApiKey::ConsumerGroupHeartbeat,
        messages::consumer_group_heartbeat::VERSIONS,
    ),
    (
        ApiKey::ConsumerGroupDescribe,
        messages::consumer_group_describe::VERSIONS,
    ),
    (
        ApiKey::AddPartitionsToTxn,
        messages::add_partitions_to_txn::VERSIONS,
    ),
    (
        ApiKey::AddOffsetsToTxn,
        messages::add_offsets_to_txn::VERSIONS,
    ),
    (ApiKey::EndTxn, messages::end_txn::VERSIONS),
    (
        ApiKey::TxnOffsetCommit,
        messages::txn_offset_commit::VERSIONS,
    ),
    (
        ApiKey::DescribeTransactions,
        messages::describe_transactions::VERSIONS,
    ),
    (
        ApiKey::ListTransactions,
        messages::list_transactions::VERSIONS,
    ),
    (
        ApiKey::DescribeProducers,
        messages::describe_producers::VERSIONS,
    ),
];

pub fn supported_versions(api: ApiKey) -> Option<&'static RangeInclusive<i16>> {
    SUPPORTED
        .iter()
        .find(|(key, _)| *key == api)
        .map(|(_, versions)| versions)
}
