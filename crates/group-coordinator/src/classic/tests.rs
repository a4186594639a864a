//! The classic group state machine, driven through a shard over a real log.

use fjord_protocol::ErrorCode;

use super::*;
use crate::config::GroupConfig;
use crate::test_support::{join_request, Harness};

const G: &str = "payments";

/// Joins a new member through KIP-394's two steps; returns its member id.
fn new_member_id(h: &Harness, protocols: &[&str]) -> String {
    let mut first = h.join(JoinRequest {
        require_known_member_id: true,
        ..join_request(G, "", protocols)
    });
    let response = first.expect_ready();
    assert_eq!(response.error, ErrorCode::MEMBER_ID_REQUIRED);
    assert!(response.member_id.starts_with("client-"));
    response.member_id
}

fn sync(h: &Harness, member: &str, generation: i32, assignments: &[(&str, &[u8])]) -> SyncRequest {
    let _ = h;
    SyncRequest {
        group_id: G.into(),
        member_id: member.into(),
        generation_id: generation,
        assignments: assignments
            .iter()
            .map(|(m, a)| ((*m).to_owned(), a.to_vec()))
            .collect(),
        ..Default::default()
    }
}

fn state(h: &Harness) -> ClassicState {
    h.run(|s, _| s.classic(G).map(|g| g.state))
        .expect("group exists")
}

/// Two members in a stable generation 1; returns (leader, follower).
fn stable_pair(h: &mut Harness) -> (String, String) {
    let a = new_member_id(h, &["range"]);
    let mut join_a = h.join(join_request(G, &a, &["range"]));
    let ja = join_a.expect_ready();
    assert_eq!((ja.generation_id, ja.leader.as_str()), (1, a.as_str()));
    h.sync(sync(h, &a, 1, &[(&a, b"A")])).expect_ready();
    let b = new_member_id(h, &["range"]);
    let mut join_b = h.join(join_request(G, &b, &["range"]));
    assert!(join_b.ready().is_none(), "b waits for a to rejoin");
    assert_eq!(
        h.run(|s, ctx| s.heartbeat(G, &a, None, 1, ctx)),
        ErrorCode::REBALANCE_IN_PROGRESS
    );
    let mut rejoin_a = h.join(join_request(G, &a, &["range"]));
    let (ja, jb) = (rejoin_a.expect_ready(), join_b.expect_ready());
    assert_eq!((ja.generation_id, jb.generation_id), (2, 2));
    assert_eq!(ja.members.len(), 2, "the leader gets every member");
    assert!(jb.members.is_empty());
    let mut sync_b = h.sync(sync(h, &b, 2, &[]));
    assert!(sync_b.ready().is_none(), "followers wait for the leader");
    let mut sync_a = h.sync(sync(h, &a, 2, &[(&a, b"A2"), (&b, b"B2")]));
    assert_eq!(sync_a.expect_ready().assignment, b"A2");
    assert_eq!(sync_b.expect_ready().assignment, b"B2");
    assert_eq!(state(h), ClassicState::Stable);
    (a, b)
}

#[test]
fn test_single_member_forms_generation_one_and_leads() {
    let h = Harness::without_delay();
    let id = new_member_id(&h, &["range", "roundrobin"]);
    let mut join = h.join(join_request(G, &id, &["range", "roundrobin"]));
    let response = join.expect_ready();
    assert_eq!(response.error, ErrorCode::NONE);
    assert_eq!(response.generation_id, 1);
    assert_eq!(response.leader, id);
    assert_eq!(response.protocol_name.as_deref(), Some("range"));
    assert_eq!(response.members.len(), 1);
    assert_eq!(response.members[0].metadata, b"range");
    assert_eq!(state(&h), ClassicState::CompletingRebalance);
    let end_before = h.log.log_end_offset();
    let mut synced = h.sync(sync(&h, &id, 1, &[(&id, b"all")]));
    assert_eq!(synced.expect_ready().assignment, b"all");
    assert_eq!(state(&h), ClassicState::Stable);
    assert_eq!(
        h.log.log_end_offset(),
        end_before + 1,
        "the generation is stored"
    );
}

#[test]
fn test_second_member_triggers_rebalance_and_gets_its_share() {
    let mut h = Harness::without_delay();
    stable_pair(&mut h);
}

#[test]
fn test_group_picks_the_protocol_every_member_supports() {
    let h = Harness::without_delay();
    let a = new_member_id(&h, &["cooperative-sticky", "range"]);
    let b = new_member_id(&h, &["range"]);
    let mut ja = h.join(join_request(G, &a, &["cooperative-sticky", "range"]));
    let mut jb = h.join(join_request(G, &b, &["range"]));
    let _ = ja.ready();
    // a formed generation 1 alone; b's join started generation 2 once a rejoins.
    let mut rejoin = h.join(join_request(G, &a, &["cooperative-sticky", "range"]));
    let response = rejoin.expect_ready();
    assert_eq!(response.protocol_name.as_deref(), Some("range"));
    assert_eq!(jb.expect_ready().protocol_name.as_deref(), Some("range"));
}

#[test]
fn test_member_without_a_common_protocol_is_refused() {
    let mut h = Harness::without_delay();
    stable_pair(&mut h);
    let mut join = h.join(join_request(G, "", &["roundrobin"]));
    assert_eq!(
        join.expect_ready().error,
        ErrorCode::INCONSISTENT_GROUP_PROTOCOL
    );
    let mut other_type = h.join(JoinRequest {
        protocol_type: "connect".into(),
        ..join_request(G, "", &["range"])
    });
    assert_eq!(
        other_type.expect_ready().error,
        ErrorCode::INCONSISTENT_GROUP_PROTOCOL
    );
}

#[test]
fn test_heartbeat_errors_clients_act_on() {
    let mut h = Harness::without_delay();
    let (a, _) = stable_pair(&mut h);
    let hb =
        |member: &str, generation| h.run(|s, ctx| s.heartbeat(G, member, None, generation, ctx));
    assert_eq!(hb(&a, 2), ErrorCode::NONE);
    assert_eq!(hb(&a, 1), ErrorCode::ILLEGAL_GENERATION);
    assert_eq!(hb("nobody", 2), ErrorCode::UNKNOWN_MEMBER_ID);
    assert_eq!(
        h.run(|s, ctx| s.heartbeat("no-such-group", &a, None, 2, ctx)),
        ErrorCode::UNKNOWN_MEMBER_ID
    );
}

#[test]
fn test_join_with_bad_session_timeout_is_refused() {
    let h = Harness::without_delay();
    let mut join = h.join(JoinRequest {
        session_timeout_ms: 10,
        ..join_request(G, "", &["range"])
    });
    assert_eq!(
        join.expect_ready().error,
        ErrorCode::INVALID_SESSION_TIMEOUT
    );
}

#[test]
fn test_expired_session_moves_the_group_to_a_rebalance_without_the_member() {
    let mut h = Harness::without_delay();
    let (a, b) = stable_pair(&mut h);
    // a keeps heartbeating, b goes silent.
    for _ in 0..3 {
        h.advance(4_000);
        let _ = h.run(|s, ctx| s.heartbeat(G, &a, None, 2, ctx));
    }
    assert_eq!(state(&h), ClassicState::PreparingRebalance);
    let mut rejoin = h.join(join_request(G, &a, &["range"]));
    let response = rejoin.expect_ready();
    assert_eq!(response.generation_id, 3);
    assert_eq!(response.members.len(), 1, "b is gone");
    assert!(!response.members.iter().any(|m| m.member_id == b));
}

#[test]
fn test_member_that_does_not_rejoin_is_dropped_at_the_join_deadline() {
    let mut h = Harness::without_delay();
    let (a, b) = stable_pair(&mut h);
    let c = new_member_id(&h, &["range"]);
    let mut join_c = h.join(join_request(G, &c, &["range"]));
    let mut join_a = h.join(join_request(G, &a, &["range"]));
    assert!(join_c.ready().is_none());
    // b never rejoins; the join phase ends at the rebalance timeout (30 s).
    h.advance(31_000);
    let response = join_a.expect_ready();
    assert_eq!(response.generation_id, 3);
    let members: Vec<_> = response
        .members
        .iter()
        .map(|m| m.member_id.clone())
        .collect();
    assert!(members.contains(&c) && !members.contains(&b));
    assert_eq!(join_c.expect_ready().generation_id, 3);
}

#[test]
fn test_leave_group_rebalances_the_rest() {
    let h = {
        let mut h = Harness::without_delay();
        stable_pair(&mut h);
        h
    };
    let members: Vec<String> = h.run(|s, _| {
        s.classic(G)
            .unwrap()
            .members()
            .map(|m| m.member_id.clone())
            .collect()
    });
    let outcome = h.run(|s, ctx| {
        s.leave(
            G,
            &[
                LeaveMember {
                    member_id: members[0].clone(),
                    group_instance_id: None,
                },
                LeaveMember {
                    member_id: "stranger".into(),
                    group_instance_id: None,
                },
            ],
            ctx,
        )
    });
    assert_eq!(outcome[0].error, ErrorCode::NONE);
    assert_eq!(outcome[1].error, ErrorCode::UNKNOWN_MEMBER_ID);
    assert_eq!(state(&h), ClassicState::PreparingRebalance);
}

#[test]
fn test_last_member_leaving_empties_the_group() {
    let h = Harness::without_delay();
    let id = new_member_id(&h, &["range"]);
    h.join(join_request(G, &id, &["range"])).expect_ready();
    h.sync(sync(&h, &id, 1, &[(&id, b"x")])).expect_ready();
    let leave = LeaveMember {
        member_id: id,
        group_instance_id: None,
    };
    h.run(|s, ctx| s.leave(G, &[leave], ctx));
    assert_eq!(state(&h), ClassicState::Empty);
    let group = h.run(|s, _| s.describe(G));
    assert_eq!(group.state, "Empty");
    assert_eq!(group.members.len(), 0);
}

#[test]
fn test_restarted_static_member_gets_its_assignment_back_without_rebalance() {
    let h = Harness::without_delay();
    let static_join = |member: &str, instance: &str| JoinRequest {
        group_instance_id: Some(instance.into()),
        ..join_request(G, member, &["range"])
    };
    let a = h.join(static_join("", "host-a")).expect_ready();
    h.sync(sync(&h, &a.member_id, 1, &[(&a.member_id, b"A")]))
        .expect_ready();
    let mut jb = h.join(static_join("", "host-b"));
    let mut rejoin = h.join(static_join(&a.member_id, "host-a"));
    let (ra, rb) = (rejoin.expect_ready(), jb.expect_ready());
    assert_eq!(ra.generation_id, 2);
    let mut sb = h.sync(sync(&h, &rb.member_id, 2, &[]));
    h.sync(sync(
        &h,
        &ra.member_id,
        2,
        &[(&ra.member_id, b"A2"), (&rb.member_id, b"B2")],
    ))
    .expect_ready();
    sb.expect_ready();
    // host-b restarts: it joins with no member id but the same instance id.
    let mut again = h.join(static_join("", "host-b"));
    let response = again.expect_ready();
    assert_eq!(response.error, ErrorCode::NONE);
    assert_eq!(response.generation_id, 2, "no new generation");
    assert_ne!(response.member_id, rb.member_id);
    assert_eq!(state(&h), ClassicState::Stable);
    let synced = h
        .sync(SyncRequest {
            group_instance_id: Some("host-b".into()),
            ..sync(&h, &response.member_id, 2, &[])
        })
        .expect_ready();
    assert_eq!(synced.assignment, b"B2");
    // The old incarnation is fenced.
    let fenced = h.run(|s, ctx| s.heartbeat(G, &rb.member_id, Some("host-b"), 2, ctx));
    assert_eq!(fenced, ErrorCode::FENCED_INSTANCE_ID);
}

#[test]
fn test_initial_delay_waits_and_extends_while_members_arrive() {
    let mut h = Harness::new(GroupConfig {
        initial_rebalance_delay_ms: 3_000,
        ..GroupConfig::default()
    });
    let mut ja = h.join(join_request(G, "", &["range"]));
    h.advance(1_000);
    let mut jb = h.join(join_request(G, "", &["range"]));
    h.advance(2_100);
    assert!(
        ja.ready().is_none(),
        "b arrived during the delay: it extends"
    );
    h.advance(3_000);
    let (ra, rb) = (ja.expect_ready(), jb.expect_ready());
    assert_eq!((ra.generation_id, rb.generation_id), (1, 1));
    assert_eq!(ra.leader, rb.leader);
}

#[test]
fn test_group_max_size_is_enforced() {
    let h = Harness::new(GroupConfig {
        initial_rebalance_delay_ms: 0,
        max_size: 1,
        ..GroupConfig::default()
    });
    let _a = h.join(join_request(G, "", &["range"])).expect_ready();
    let mut b = h.join(join_request(G, "", &["range"]));
    assert_eq!(b.expect_ready().error, ErrorCode::GROUP_MAX_SIZE_REACHED);
}

#[test]
fn test_sync_refuses_wrong_generation_and_unknown_member() {
    let mut h = Harness::without_delay();
    let (a, _) = stable_pair(&mut h);
    assert_eq!(
        h.sync(sync(&h, &a, 1, &[])).expect_ready().error,
        ErrorCode::ILLEGAL_GENERATION
    );
    assert_eq!(
        h.sync(sync(&h, "x", 2, &[])).expect_ready().error,
        ErrorCode::UNKNOWN_MEMBER_ID
    );
    let wrong_protocol = SyncRequest {
        protocol_name: Some("roundrobin".into()),
        ..sync(&h, &a, 2, &[])
    };
    assert_eq!(
        h.sync(wrong_protocol).expect_ready().error,
        ErrorCode::INCONSISTENT_GROUP_PROTOCOL
    );
}

#[test]
fn test_member_that_never_syncs_is_removed_at_the_sync_deadline() {
    let mut h = Harness::without_delay();
    let (a, b) = stable_pair(&mut h);
    let c = new_member_id(&h, &["range"]);
    let mut jc = h.join(join_request(G, &c, &["range"]));
    let mut ja = h.join(join_request(G, &a, &["range"]));
    let mut jb = h.join(join_request(G, &b, &["range"]));
    let (ra, _, _) = (ja.expect_ready(), jb.expect_ready(), jc.expect_ready());
    assert_eq!(ra.generation_id, 3);
    // Everyone but c syncs; a and b keep heartbeating.
    let mut sb = h.sync(sync(&h, &b, 3, &[]));
    h.sync(sync(&h, &a, 3, &[(&a, b"1"), (&b, b"2"), (&c, b"3")]))
        .expect_ready();
    sb.expect_ready();
    for _ in 0..8 {
        h.advance(4_000);
        h.run(|s, ctx| s.heartbeat(G, &a, None, 3, ctx));
        h.run(|s, ctx| s.heartbeat(G, &b, None, 3, ctx));
    }
    let members: Vec<String> = h.run(|s, _| {
        s.classic(G)
            .unwrap()
            .members()
            .map(|m| m.member_id.clone())
            .collect()
    });
    assert!(!members.contains(&c), "c never synced");
    assert_eq!(state(&h), ClassicState::PreparingRebalance);
}
