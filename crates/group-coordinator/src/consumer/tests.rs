//! KIP-848 groups driven through a shard over a real log.

use std::collections::BTreeSet;

use fjord_protocol::ErrorCode;

use super::*;
use crate::config::GroupConfig;
use crate::shard::{CommitEntry, CommitRequest, Group};
use crate::test_support::{FixedTopics, Harness};

const G: &str = "orders-app";
const T: TopicId = [7; 16];

fn topics(partitions: i32) -> FixedTopics {
    FixedTopics(
        [("orders".to_owned(), (T, partitions))]
            .into_iter()
            .collect(),
    )
}

fn join(member: &str) -> HeartbeatRequest {
    HeartbeatRequest {
        group_id: G.into(),
        member_id: member.into(),
        member_epoch: 0,
        rebalance_timeout_ms: 30_000,
        subscribed_topic_names: Some(vec!["orders".into()]),
        owned: Some(Assignment::new()),
        client_id: "client".into(),
        client_host: "/127.0.0.1".into(),
        ..Default::default()
    }
}

fn beat(member: &str, epoch: i32, owned: Option<&[i32]>) -> HeartbeatRequest {
    HeartbeatRequest {
        group_id: G.into(),
        member_id: member.into(),
        member_epoch: epoch,
        rebalance_timeout_ms: -1,
        owned: owned.map(|p| [(T, p.iter().copied().collect())].into_iter().collect()),
        client_id: "client".into(),
        client_host: "/127.0.0.1".into(),
        ..Default::default()
    }
}

fn partitions(response: &HeartbeatResponse) -> Option<Vec<i32>> {
    response.assignment.as_ref().map(|a| {
        a.get(&T)
            .map(|p| p.iter().copied().collect())
            .unwrap_or_default()
    })
}

fn heartbeat(h: &Harness, request: HeartbeatRequest, view: &FixedTopics) -> HeartbeatResponse {
    h.run(|s, ctx| s.consumer_heartbeat(request, view, ctx))
}

fn group_epoch(h: &Harness) -> i32 {
    h.run(|s, _| s.consumer(G).map(|g| g.group_epoch))
        .expect("group")
}

#[test]
fn test_first_member_gets_every_partition() {
    let h = Harness::without_delay();
    let r = heartbeat(&h, join("a"), &topics(3));
    assert_eq!(r.error, ErrorCode::NONE);
    assert_eq!(r.member_epoch, 1);
    assert_eq!(partitions(&r), Some(vec![0, 1, 2]));
    assert_eq!(r.heartbeat_interval_ms, 5_000);
    assert_eq!(h.run(|s, _| s.consumer(G).unwrap().state_name()), "Stable");
}

#[test]
fn test_v0_member_gets_an_id_from_the_coordinator() {
    let h = Harness::without_delay();
    let r = heartbeat(&h, join(""), &topics(1));
    assert_eq!(r.member_id.as_ref().map(String::len), Some(32));
}

#[test]
fn test_second_member_waits_for_the_first_to_revoke() {
    let h = Harness::without_delay();
    let view = topics(4);
    heartbeat(&h, join("a"), &view);
    let b = heartbeat(&h, join("b"), &view);
    assert_eq!(b.member_epoch, 2);
    assert_eq!(partitions(&b), Some(vec![]), "a still owns everything");
    // a is told to give up two partitions, still at epoch 1.
    let a = heartbeat(&h, beat("a", 1, None), &view);
    assert_eq!(a.member_epoch, 1);
    let kept = partitions(&a).expect("assignment sent");
    assert_eq!(kept.len(), 2);
    assert_eq!(
        h.run(|s, _| s.consumer(G).unwrap().state_name()),
        "Reconciling"
    );
    // a revokes and says so: it moves to epoch 2.
    let a = heartbeat(&h, beat("a", 1, Some(&kept)), &view);
    assert_eq!(a.member_epoch, 2);
    // b now gets the released partitions.
    let b = heartbeat(&h, beat("b", 2, Some(&[])), &view);
    let given = partitions(&b).expect("assignment sent");
    let all: BTreeSet<i32> = kept.iter().chain(&given).copied().collect();
    assert_eq!(all, (0..4).collect());
    assert_eq!(given.len(), 2);
    assert_eq!(h.run(|s, _| s.consumer(G).unwrap().state_name()), "Stable");
}

#[test]
fn test_stale_and_unknown_members_are_refused() {
    let h = Harness::without_delay();
    let view = topics(2);
    heartbeat(&h, join("a"), &view);
    assert_eq!(
        heartbeat(&h, beat("a", 5, None), &view).error,
        ErrorCode::FENCED_MEMBER_EPOCH
    );
    assert_eq!(
        heartbeat(&h, beat("zz", 1, None), &view).error,
        ErrorCode::UNKNOWN_MEMBER_ID
    );
    let mut bad = join("c");
    bad.rebalance_timeout_ms = -1;
    assert_eq!(heartbeat(&h, bad, &view).error, ErrorCode::INVALID_REQUEST);
    let mut odd = join("c");
    odd.server_assignor = Some("sticky".into());
    assert_eq!(
        heartbeat(&h, odd, &view).error,
        ErrorCode::UNSUPPORTED_ASSIGNOR
    );
}

#[test]
fn test_leaving_member_hands_its_partitions_to_the_others() {
    let h = Harness::without_delay();
    let view = topics(2);
    heartbeat(&h, join("a"), &view);
    heartbeat(&h, join("b"), &view);
    let a = heartbeat(&h, beat("a", 1, None), &view);
    heartbeat(&h, beat("a", 1, Some(&partitions(&a).unwrap())), &view);
    heartbeat(&h, beat("b", 2, Some(&[])), &view);
    let left = heartbeat(&h, beat("b", LEAVE_GROUP_MEMBER_EPOCH, None), &view);
    assert_eq!(left.member_epoch, -1);
    let a = heartbeat(&h, beat("a", 2, None), &view);
    assert_eq!(partitions(&a), Some(vec![0, 1]));
    assert_eq!(a.member_epoch, 3);
}

#[test]
fn test_silent_member_expires_after_the_session_timeout() {
    let mut h = Harness::new(GroupConfig {
        consumer_session_timeout_ms: 10_000,
        ..GroupConfig::default()
    });
    let view = topics(2);
    heartbeat(&h, join("a"), &view);
    heartbeat(&h, join("b"), &view);
    h.advance(6_000);
    heartbeat(&h, beat("a", 1, None), &view);
    h.advance(6_000);
    let members: Vec<String> =
        h.run(|s, _| s.consumer(G).unwrap().members.keys().cloned().collect());
    assert_eq!(members, vec!["a".to_owned()], "b never heartbeat again");
}

#[test]
fn test_static_member_returns_to_its_partitions_without_a_new_epoch() {
    let h = Harness::without_delay();
    let view = topics(2);
    let static_join = |member: &str| HeartbeatRequest {
        instance_id: Some("host-1".into()),
        ..join(member)
    };
    heartbeat(&h, static_join("a"), &view);
    let epoch = group_epoch(&h);
    heartbeat(&h, beat("a", LEAVE_GROUP_STATIC_MEMBER_EPOCH, None), &view);
    // While it is away another incarnation is refused only if the first did not leave.
    let back = heartbeat(&h, static_join("a2"), &view);
    assert_eq!(back.error, ErrorCode::NONE);
    assert_eq!(partitions(&back), Some(vec![0, 1]));
    assert_eq!(group_epoch(&h), epoch, "no rebalance");
    let twin = heartbeat(&h, static_join("a3"), &view);
    assert_eq!(twin.error, ErrorCode::UNRELEASED_INSTANCE_ID);
}

#[test]
fn test_new_partitions_are_assigned_when_the_topic_grows() {
    let h = Harness::without_delay();
    heartbeat(&h, join("a"), &topics(2));
    let r = heartbeat(&h, beat("a", 1, None), &topics(3));
    assert_eq!(partitions(&r), Some(vec![0, 1, 2]));
    assert_eq!(r.member_epoch, 2);
}

#[test]
fn test_consumer_group_loads_back_with_epochs_and_assignments() {
    let h = Harness::without_delay();
    let view = topics(3);
    heartbeat(&h, join("a"), &view);
    heartbeat(&h, join("b"), &view);
    let loaded = h.reload();
    let Some(Group::Consumer(group)) = loaded.groups.get(G) else {
        panic!("group not loaded");
    };
    let live = h.run(|s, _| {
        let g = s.consumer(G).unwrap();
        (
            g.group_epoch,
            g.assignment_epoch,
            g.target.clone(),
            g.members["a"].assigned.clone(),
        )
    });
    assert_eq!(
        (
            group.group_epoch,
            group.assignment_epoch,
            group.target.clone(),
            group.members["a"].assigned.clone()
        ),
        live
    );
    assert_eq!(
        group.members["b"].subscription.subscribed_topic_names,
        vec!["orders".to_owned()]
    );
}

#[test]
fn test_offset_commits_check_the_member_epoch() {
    let h = Harness::without_delay();
    heartbeat(&h, join("a"), &topics(1));
    let commit = |epoch| CommitRequest {
        group_id: G.into(),
        generation_id: epoch,
        member_id: "a".into(),
        group_instance_id: None,
        retention_time_ms: -1,
        entries: vec![CommitEntry {
            topic: "orders".into(),
            partition: 0,
            offset: 10,
            leader_epoch: -1,
            metadata: None,
        }],
    };
    assert_eq!(
        h.run(|s, ctx| s.commit_offsets(&commit(1), ctx)),
        vec![ErrorCode::NONE]
    );
    assert_eq!(
        h.run(|s, ctx| s.commit_offsets(&commit(7), ctx)),
        vec![ErrorCode::STALE_MEMBER_EPOCH]
    );
}

#[test]
fn test_classic_requests_to_a_consumer_group_are_refused() {
    let h = Harness::without_delay();
    heartbeat(&h, join("a"), &topics(1));
    let join_classic = crate::test_support::join_request(G, "", &["range"]);
    let mut reply = h.join(join_classic);
    assert_eq!(reply.expect_ready().error, ErrorCode::GROUP_ID_NOT_FOUND);
    assert_eq!(
        h.run(|s, ctx| s.delete_group(G, ctx)),
        ErrorCode::NON_EMPTY_GROUP
    );
}

#[test]
fn test_regex_subscription_follows_matching_topics() {
    let h = Harness::without_delay();
    let mut view = FixedTopics(
        [
            ("orders-eu".to_owned(), ([1; 16], 1)),
            ("orders-us".to_owned(), ([2; 16], 1)),
            ("payments".to_owned(), ([3; 16], 1)),
            ("__consumer_offsets".to_owned(), ([4; 16], 50)),
        ]
        .into_iter()
        .collect(),
    );
    let pattern_join = HeartbeatRequest {
        subscribed_topic_names: None,
        subscribed_topic_regex: Some("orders-.*|__.*".into()),
        ..join("a")
    };
    let r = heartbeat(&h, pattern_join, &view);
    assert_eq!(r.error, ErrorCode::NONE);
    let topics: Vec<TopicId> = r.assignment.unwrap().keys().copied().collect();
    assert_eq!(
        topics,
        vec![[1; 16], [2; 16]],
        "matching, non-internal topics only"
    );
    // A new matching topic is picked up at the next heartbeat.
    view.0.insert("orders-ap".into(), ([5; 16], 1));
    let r = heartbeat(&h, beat("a", 1, None), &view);
    assert_eq!(r.assignment.unwrap().len(), 3);
    let bad = HeartbeatRequest {
        subscribed_topic_regex: Some("orders-(".into()),
        ..join("b")
    };
    assert_eq!(
        heartbeat(&h, bad, &view).error,
        ErrorCode::INVALID_REGULAR_EXPRESSION
    );
}

#[test]
fn test_offset_fetch_by_a_member_checks_its_epoch() {
    let h = Harness::without_delay();
    heartbeat(&h, join("a"), &topics(1));
    let check = |member: &str, epoch| h.run(|s, _| s.validate_fetching_member(G, member, epoch));
    assert_eq!(check("a", 1), Ok(()));
    assert_eq!(check("a", 9), Err(ErrorCode::STALE_MEMBER_EPOCH));
    assert_eq!(check("x", 1), Err(ErrorCode::UNKNOWN_MEMBER_ID));
}
