//! Offsets and persistence: what a shard writes to its partition and loads back.

use fjord_protocol::ErrorCode;

use super::*;
use crate::classic::{ClassicState, SyncRequest};
use crate::config::GroupConfig;
use crate::test_support::{join_request, Harness};

fn commit(
    group: &str,
    generation: i32,
    member: &str,
    entries: &[(&str, i32, i64)],
) -> CommitRequest {
    CommitRequest {
        group_id: group.into(),
        generation_id: generation,
        member_id: member.into(),
        group_instance_id: None,
        retention_time_ms: -1,
        entries: entries
            .iter()
            .map(|(t, p, o)| CommitEntry {
                topic: (*t).into(),
                partition: *p,
                offset: *o,
                leader_epoch: 0,
                metadata: Some(format!("at {o}")),
            })
            .collect(),
    }
}

fn fetched(state: &ShardState, group: &str) -> Vec<(String, i32, i64, String)> {
    state
        .fetch_offsets(group, None)
        .into_iter()
        .map(|f| (f.topic, f.partition, f.offset, f.metadata))
        .collect()
}

/// One stable member in "g"; returns its member id (generation 1).
fn stable_member(h: &Harness) -> String {
    let response = h.join(join_request("g", "", &["range"])).expect_ready();
    let id = response.member_id;
    let sync = SyncRequest {
        group_id: "g".into(),
        member_id: id.clone(),
        generation_id: 1,
        assignments: vec![(id.clone(), b"assigned".to_vec())],
        ..Default::default()
    };
    h.sync(sync).expect_ready();
    id
}

#[test]
fn test_simple_consumer_commits_and_fetches_with_metadata() {
    let h = Harness::without_delay();
    let errors = h.run(|s, ctx| {
        s.commit_offsets(&commit("simple", -1, "", &[("t", 0, 5), ("t", 1, 9)]), ctx)
    });
    assert_eq!(errors, vec![ErrorCode::NONE; 2]);
    let offsets = h.run(|s, _| fetched(s, "simple"));
    assert_eq!(
        offsets,
        vec![
            ("t".into(), 0, 5, "at 5".into()),
            ("t".into(), 1, 9, "at 9".into())
        ]
    );
    let unknown = h.run(|s, _| s.fetch_offsets("simple", Some(&[("t".to_owned(), vec![7])])));
    assert_eq!((unknown[0].offset, unknown[0].error), (-1, ErrorCode::NONE));
}

#[test]
fn test_member_commit_checks_generation_and_membership() {
    let h = Harness::without_delay();
    let id = stable_member(&h);
    let ok = h.run(|s, ctx| s.commit_offsets(&commit("g", 1, &id, &[("t", 0, 1)]), ctx));
    assert_eq!(ok, vec![ErrorCode::NONE]);
    let stale = h.run(|s, ctx| s.commit_offsets(&commit("g", 0, &id, &[("t", 0, 2)]), ctx));
    assert_eq!(stale, vec![ErrorCode::ILLEGAL_GENERATION]);
    let stranger = h.run(|s, ctx| s.commit_offsets(&commit("g", 1, "x", &[("t", 0, 2)]), ctx));
    assert_eq!(stranger, vec![ErrorCode::UNKNOWN_MEMBER_ID]);
    let simple_into_live_group =
        h.run(|s, ctx| s.commit_offsets(&commit("g", -1, "", &[("t", 0, 2)]), ctx));
    assert_eq!(simple_into_live_group, vec![ErrorCode::UNKNOWN_MEMBER_ID]);
    let unknown_group =
        h.run(|s, ctx| s.commit_offsets(&commit("nope", 3, "m", &[("t", 0, 2)]), ctx));
    assert_eq!(unknown_group, vec![ErrorCode::ILLEGAL_GENERATION]);
}

#[test]
fn test_oversized_metadata_is_refused_per_partition() {
    let h = Harness::without_delay();
    let mut request = commit("simple", -1, "", &[("t", 0, 1), ("t", 1, 1)]);
    request.entries[1].metadata = Some("x".repeat(5000));
    let errors = h.run(|s, ctx| s.commit_offsets(&request, ctx));
    assert_eq!(
        errors,
        vec![ErrorCode::NONE, ErrorCode::OFFSET_METADATA_TOO_LARGE]
    );
}

#[test]
fn test_groups_and_offsets_load_back_from_the_partition() {
    let h = Harness::without_delay();
    let id = stable_member(&h);
    h.run(|s, ctx| s.commit_offsets(&commit("g", 1, &id, &[("t", 0, 42)]), ctx));
    h.run(|s, ctx| s.commit_offsets(&commit("simple", -1, "", &[("u", 3, 7)]), ctx));
    h.run(|s, ctx| s.commit_offsets(&commit("simple", -1, "", &[("u", 3, 8)]), ctx));
    let loaded = h.reload();
    assert_eq!(
        fetched(&loaded, "g"),
        vec![("t".into(), 0, 42, "at 42".into())]
    );
    assert_eq!(
        fetched(&loaded, "simple"),
        vec![("u".into(), 3, 8, "at 8".into())]
    );
    let Some(Group::Classic(group)) = loaded.groups.get("g") else {
        panic!("group g was not loaded")
    };
    assert_eq!(group.state, ClassicState::Stable);
    assert_eq!(group.generation, 1);
    assert_eq!(group.leader.as_deref(), Some(id.as_str()));
    let member = group.members().next().expect("member loaded");
    assert_eq!(member.assignment, b"assigned");
}

#[test]
fn test_loaded_members_that_do_not_return_expire() {
    let h = Harness::without_delay();
    stable_member(&h);
    let mut loaded = Harness::without_delay();
    loaded.shard = Shard::new(0, h.reload(), std::sync::Arc::clone(&loaded.log), 0);
    loaded.advance(11_000);
    let state = loaded.run(|s, _| s.describe("g").state);
    assert_eq!(
        state, "Empty",
        "the member's session lapsed and the group emptied"
    );
}

#[test]
fn test_delete_group_needs_an_empty_group_and_removes_its_offsets() {
    let h = Harness::without_delay();
    let id = stable_member(&h);
    h.run(|s, ctx| s.commit_offsets(&commit("g", 1, &id, &[("t", 0, 1)]), ctx));
    assert_eq!(
        h.run(|s, ctx| s.delete_group("g", ctx)),
        ErrorCode::NON_EMPTY_GROUP
    );
    assert_eq!(
        h.run(|s, ctx| s.delete_group("nope", ctx)),
        ErrorCode::GROUP_ID_NOT_FOUND
    );
    h.run(|s, ctx| s.commit_offsets(&commit("simple", -1, "", &[("t", 0, 1)]), ctx));
    assert_eq!(
        h.run(|s, ctx| s.delete_group("simple", ctx)),
        ErrorCode::NONE
    );
    assert!(h.run(|s, _| fetched(s, "simple")).is_empty());
    assert!(
        fetched(&h.reload(), "simple").is_empty(),
        "tombstones were written"
    );
    assert_eq!(h.reload().describe("simple").state, "Dead");
}

#[test]
fn test_offset_delete_refuses_topics_a_live_group_consumes() {
    let h = Harness::without_delay();
    // The member's metadata is a ConsumerProtocolSubscription for topic "t".
    let subscription = {
        let mut w = fjord_protocol::codec::Writer::new();
        w.i16(0);
        w.array(false, &["t"], |w, t| w.string(false, t));
        w.bytes(false, &[]);
        w.bytes_written().to_vec()
    };
    let mut join = join_request("g", "", &["range"]);
    join.protocols = vec![("range".into(), subscription)];
    let id = h.join(join).expect_ready().member_id;
    h.sync(SyncRequest {
        group_id: "g".into(),
        member_id: id.clone(),
        generation_id: 1,
        ..Default::default()
    })
    .expect_ready();
    h.run(|s, ctx| s.commit_offsets(&commit("g", 1, &id, &[("t", 0, 1), ("other", 0, 1)]), ctx));
    let outcome =
        h.run(|s, ctx| s.delete_offsets("g", &[("t".into(), 0), ("other".into(), 0)], ctx));
    assert_eq!(
        outcome,
        Ok(vec![ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC, ErrorCode::NONE])
    );
    assert_eq!(h.run(|s, _| fetched(s, "g")).len(), 1);
    assert_eq!(
        h.run(|s, ctx| s.delete_offsets("nope", &[], ctx)),
        Err(ErrorCode::GROUP_ID_NOT_FOUND)
    );
}

#[test]
fn test_offsets_of_an_empty_group_expire_after_retention() {
    let mut h = Harness::new(GroupConfig {
        initial_rebalance_delay_ms: 0,
        offsets_retention_ms: 60_000,
        ..GroupConfig::default()
    });
    h.run(|s, ctx| s.commit_offsets(&commit("simple", -1, "", &[("t", 0, 1)]), ctx));
    h.advance(30_000);
    assert_eq!(h.run(|s, ctx| s.expire_offsets(ctx)), 0);
    h.advance(31_000);
    assert_eq!(h.run(|s, ctx| s.expire_offsets(ctx)), 1);
    assert_eq!(
        h.run(|s, _| s.describe("simple").state),
        "Dead",
        "the group went with them"
    );
    assert!(fetched(&h.reload(), "simple").is_empty());
}

#[test]
fn test_list_and_describe_show_kafka_state_names() {
    let h = Harness::without_delay();
    stable_member(&h);
    let listed = h.run(|s, _| s.list());
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].state, listed[0].group_type),
        ("Stable", "classic")
    );
    assert_eq!(listed[0].protocol_type, "consumer");
    let described = h.run(|s, _| s.describe("g"));
    assert_eq!(described.protocol_data, "range");
    assert_eq!(described.members[0].assignment, b"assigned");
}

#[test]
fn test_deleting_a_topic_drops_its_offsets_in_every_group() {
    let h = Harness::without_delay();
    h.run(|s, ctx| s.commit_offsets(&commit("a", -1, "", &[("gone", 0, 1), ("kept", 0, 2)]), ctx));
    h.run(|s, ctx| s.commit_offsets(&commit("b", -1, "", &[("gone", 1, 3)]), ctx));
    assert_eq!(h.run(|s, ctx| s.remove_topic_offsets("gone", ctx)), 2);
    assert_eq!(
        h.run(|s, _| fetched(s, "a")),
        vec![("kept".into(), 0, 2, "at 2".into())]
    );
    assert!(
        fetched(&h.reload(), "b").is_empty(),
        "tombstones were written"
    );
}

#[test]
fn test_transactional_offsets_count_only_once_committed() {
    let h = Harness::without_delay();
    let request = commit("ctp", -1, "", &[("in", 0, 10)]);
    let errors = h.run(|s, ctx| s.txn_commit_offsets(&request, (77, 0), ctx));
    assert_eq!(errors, vec![ErrorCode::NONE]);
    assert_eq!(
        h.run(|s, _| s.fetch_offsets("ctp", None)).len(),
        0,
        "not before the commit"
    );
    assert!(h.run(|s, _| s.has_pending_offset("ctp", "in", 0)));
    h.run(|s, _| s.complete_transaction(77, true));
    assert_eq!(
        h.run(|s, _| fetched(s, "ctp")),
        vec![("in".into(), 0, 10, "at 10".into())]
    );
    // An aborted transaction's offsets are dropped.
    let again = commit("ctp", -1, "", &[("in", 0, 20)]);
    h.run(|s, ctx| s.txn_commit_offsets(&again, (77, 1), ctx));
    h.run(|s, _| s.complete_transaction(77, false));
    assert_eq!(h.run(|s, _| fetched(s, "ctp"))[0].2, 10);
}

#[test]
fn test_transactional_offsets_reload_by_their_markers() {
    use fjord_protocol::records::RecordBatchBuilder;
    use fjord_protocol::CompressionType;
    let h = Harness::without_delay();
    h.run(|s, ctx| s.txn_commit_offsets(&commit("ctp", -1, "", &[("in", 0, 5)]), (9, 0), ctx));
    h.run(|s, ctx| s.txn_commit_offsets(&commit("ctp", -1, "", &[("in", 1, 6)]), (8, 0), ctx));
    // The transaction coordinator's COMMIT marker for producer 9 only.
    let mut marker = RecordBatchBuilder::new(CompressionType::None, 0, 0)
        .with_producer(9, 0, -1)
        .with_transactional(true)
        .with_control(true);
    marker.append(0, 0, Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 0, 0, 0]), &[]);
    let mut bytes = marker.build().unwrap();
    h.log
        .append_as_leader(&mut bytes, 0, fjord_storage::AppendOrigin::Coordinator)
        .unwrap();
    let loaded = h.reload();
    assert_eq!(
        fetched(&loaded, "ctp"),
        vec![("in".into(), 0, 5, "at 5".into())]
    );
    assert!(
        loaded.has_pending_offset("ctp", "in", 1),
        "producer 8's is still open"
    );
}
