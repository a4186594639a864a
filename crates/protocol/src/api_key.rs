//! Kafka API keys and the request/response header versions they use.

/// The APIs Fjord knows by number. Unknown keys are answered by closing the connection,
/// as Kafka does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i16)]
pub enum ApiKey {
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    DescribeGroups = 15,
    ListGroups = 16,
    SaslHandshake = 17,
    ApiVersions = 18,
    CreateTopics = 19,
    DeleteTopics = 20,
    DeleteRecords = 21,
    InitProducerId = 22,
    OffsetForLeaderEpoch = 23,
    AddPartitionsToTxn = 24,
    AddOffsetsToTxn = 25,
    EndTxn = 26,
    WriteTxnMarkers = 27,
    TxnOffsetCommit = 28,
    DescribeAcls = 29,
    CreateAcls = 30,
    DeleteAcls = 31,
    DescribeConfigs = 32,
    AlterConfigs = 33,
    DescribeLogDirs = 35,
    SaslAuthenticate = 36,
    CreatePartitions = 37,
    DeleteGroups = 42,
    IncrementalAlterConfigs = 44,
    OffsetDelete = 47,
    DescribeCluster = 60,
    DescribeProducers = 61,
    DescribeTransactions = 65,
    ListTransactions = 66,
    ConsumerGroupHeartbeat = 68,
    ConsumerGroupDescribe = 69,
    DescribeTopicPartitions = 75,
}

impl ApiKey {
    pub fn from_i16(key: i16) -> Option<Self> {
        use ApiKey::*;
        const ALL: &[ApiKey] = &[
            Produce,
            Fetch,
            ListOffsets,
            Metadata,
            OffsetCommit,
            OffsetFetch,
            FindCoordinator,
            JoinGroup,
            Heartbeat,
            LeaveGroup,
            SyncGroup,
            DescribeGroups,
            ListGroups,
            SaslHandshake,
            ApiVersions,
            CreateTopics,
            DeleteTopics,
            DeleteRecords,
            InitProducerId,
            OffsetForLeaderEpoch,
            AddPartitionsToTxn,
            AddOffsetsToTxn,
            EndTxn,
            WriteTxnMarkers,
            TxnOffsetCommit,
            DescribeAcls,
            CreateAcls,
            DeleteAcls,
            DescribeConfigs,
            AlterConfigs,
            DescribeLogDirs,
            SaslAuthenticate,
            CreatePartitions,
            DeleteGroups,
            IncrementalAlterConfigs,
            OffsetDelete,
            DescribeCluster,
            DescribeProducers,
            DescribeTransactions,
            ListTransactions,
            ConsumerGroupHeartbeat,
            ConsumerGroupDescribe,
            DescribeTopicPartitions,
        ];
        ALL.iter().copied().find(|k| *k as i16 == key)
    }

    /// The first version using the flexible encoding (compact strings and arrays,
    /// tagged fields, header v2/v1); `None` if no version does.
    pub fn first_flexible_version(self) -> Option<i16> {
        use ApiKey::*;
        Some(match self {
            Produce => 9,
            Fetch => 12,
            ListOffsets => 6,
            Metadata => 9,
            OffsetCommit => 8,
            OffsetFetch => 6,
            FindCoordinator => 3,
            JoinGroup => 6,
            Heartbeat => 4,
            LeaveGroup => 4,
            SyncGroup => 4,
            DescribeGroups => 5,
            ListGroups => 3,
            SaslHandshake => return None,
            ApiVersions => 3,
            CreateTopics => 5,
            DeleteTopics => 4,
            DeleteRecords => 2,
            InitProducerId => 2,
            OffsetForLeaderEpoch => 4,
            AddPartitionsToTxn => 3,
            AddOffsetsToTxn => 3,
            EndTxn => 3,
            WriteTxnMarkers => 1,
            TxnOffsetCommit => 3,
            DescribeAcls => 2,
            CreateAcls => 2,
            DeleteAcls => 2,
            DescribeConfigs => 4,
            AlterConfigs => 2,
            DescribeLogDirs => 2,
            SaslAuthenticate => 2,
            CreatePartitions => 2,
            DeleteGroups => 2,
            IncrementalAlterConfigs => 1,
            OffsetDelete => return None,
            DescribeCluster
            | DescribeProducers
            | DescribeTransactions
            | ListTransactions
            | ConsumerGroupHeartbeat
            | ConsumerGroupDescribe
            | DescribeTopicPartitions => 0,
        })
    }

    pub fn is_flexible(self, version: i16) -> bool {
        self.first_flexible_version().is_some_and(|v| version >= v)
    }

    /// Request header version: 2 for flexible versions, else 1. (ControlledShutdown v0,
    /// the only user of header v0, is not served.)
    pub fn request_header_version(self, version: i16) -> i16 {
        if self.is_flexible(version) {
            2
        } else {
            1
        }
    }

    /// Response header version: 1 (with tagged fields) for flexible versions, else 0.
    /// ApiVersions always answers with header v0, so a client that sent a version the
    /// broker does not know can still read the answer (KIP-511).
    pub fn response_header_version(self, version: i16) -> i16 {
        if self != ApiKey::ApiVersions && self.is_flexible(version) {
            1
        } else {
            0
        }
    }
}
