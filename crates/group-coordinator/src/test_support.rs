//! A shard over a real log in a temporary directory, with a clock the test moves.

use std::sync::Arc;

use fjord_storage::{LoadParams, Log, LogConfig, TopicPartition};
use tempfile::TempDir;

use crate::classic::{JoinRequest, JoinResponse, SyncRequest, SyncResponse};
use crate::config::GroupConfig;
use crate::context::{Ctx, Reply};
use crate::shard::{Shard, ShardState};

pub struct Harness {
    pub dir: TempDir,
    pub config: GroupConfig,
    pub shard: Shard,
    pub log: Arc<Log>,
    pub now: i64,
}

pub fn open_log(dir: &std::path::Path) -> Arc<Log> {
    let tp = TopicPartition::new("__consumer_offsets", 0);
    Arc::new(Log::open(dir, tp, LogConfig::default(), LoadParams::new_log()).expect("open log"))
}

impl Harness {
    pub fn new(config: GroupConfig) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = open_log(dir.path());
        let shard = Shard::new(0, ShardState::default(), Arc::clone(&log), 0);
        Self {
            dir,
            config,
            shard,
            log,
            now: 1_000_000,
        }
    }

    /// No initial rebalance delay: the seeds' setting, and what most tests want.
    pub fn without_delay() -> Self {
        Self::new(GroupConfig {
            initial_rebalance_delay_ms: 0,
            ..GroupConfig::default()
        })
    }

    pub fn run<T>(&self, op: impl FnOnce(&mut ShardState, &mut Ctx<'_>) -> T) -> T {
        let (result, completion) = self.shard.run(&self.config, self.now, op);
        completion.finish_blocking();
        result
    }

    pub fn advance(&mut self, ms: i64) {
        self.now += ms;
        self.shard.tick(&self.config, self.now).finish_blocking();
    }

    pub fn join(&self, request: JoinRequest) -> Pending<JoinResponse> {
        Pending(self.run(|state, ctx| state.join(request, ctx)))
    }

    pub fn sync(&self, request: SyncRequest) -> Pending<SyncResponse> {
        Pending(self.run(|state, ctx| state.sync(request, ctx)))
    }

    /// Reopens the log and loads a new shard from it, as a restarted broker does.
    pub fn reload(&self) -> ShardState {
        let log = open_log(self.dir.path());
        ShardState::load(&log, self.now).expect("load")
    }
}

/// A reply that may not have come yet.
pub struct Pending<T>(pub Reply<T>);

impl<T: std::fmt::Debug> Pending<T> {
    pub fn ready(&mut self) -> Option<T> {
        match std::mem::replace(&mut self.0, Reply::Later(closed())) {
            Reply::Now(value) => Some(value),
            Reply::Later(mut rx) => {
                let value = rx.try_recv().ok();
                if value.is_none() {
                    self.0 = Reply::Later(rx);
                }
                value
            }
        }
    }

    pub fn expect_ready(&mut self) -> T {
        self.ready().expect("the reply should have come")
    }
}

fn closed<T>() -> tokio::sync::oneshot::Receiver<T> {
    tokio::sync::oneshot::channel().1
}

pub fn join_request(group: &str, member_id: &str, protocols: &[&str]) -> JoinRequest {
    JoinRequest {
        group_id: group.into(),
        member_id: member_id.into(),
        group_instance_id: None,
        protocol_type: "consumer".into(),
        protocols: protocols
            .iter()
            .map(|p| ((*p).to_owned(), p.as_bytes().to_vec()))
            .collect(),
        session_timeout_ms: 10_000,
        rebalance_timeout_ms: 30_000,
        client_id: "client".into(),
        client_host: "/127.0.0.1".into(),
        require_known_member_id: false,
        supports_skip_assignment: false,
    }
}

/// A topic view over a fixed map.
#[derive(Default)]
pub struct FixedTopics(
    pub std::collections::HashMap<String, (crate::records::consumer_group::TopicId, i32)>,
);

impl crate::consumer::TopicsView for FixedTopics {
    fn topic(&self, name: &str) -> Option<(crate::records::consumer_group::TopicId, i32)> {
        self.0.get(name).copied()
    }

    fn topic_names(&self) -> Vec<String> {
        self.0.keys().cloned().collect()
    }

    fn topic_name(&self, id: &crate::records::consumer_group::TopicId) -> Option<String> {
        self.0
            .iter()
            .find(|(_, (tid, _))| tid == id)
            .map(|(n, _)| n.clone())
    }
}
