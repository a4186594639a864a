//! Moving a member towards its target assignment without two members ever owning a
//! partition at once (KIP-848's reconciliation): partitions to give up are revoked
//! first, at the old epoch; new ones are handed out only once nobody else owns them.

use std::collections::BTreeSet;

use super::{ConsumerMember, MemberState};
use crate::records::consumer_group::{Assignment, TopicId};

/// What reconciliation decided for a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextAssignment {
    pub member_epoch: i32,
    pub previous_member_epoch: i32,
    pub state: MemberState,
    pub assigned: Assignment,
    pub pending_revocation: Assignment,
}

/// The member's next step towards `target` at `target_epoch`, or `None` if it must
/// stay as it is (e.g. still revoking). `owned` is what the member reported owning in
/// this heartbeat, if it did; `owned_by_other` tells whether another member still
/// holds a partition.
pub fn reconcile(
    member: &ConsumerMember,
    target_epoch: i32,
    target: &Assignment,
    owned: Option<&Assignment>,
    owned_by_other: impl Fn(&TopicId, i32) -> bool,
) -> Option<NextAssignment> {
    match member.state {
        MemberState::Stable if member.member_epoch == target_epoch => None,
        MemberState::UnrevokedPartitions => {
            let revoked = owned.is_some_and(|owned| !intersects(owned, &member.pending_revocation));
            revoked.then(|| next(member, target_epoch, target, owned_by_other))
        }
        MemberState::Stable | MemberState::UnreleasedPartitions => {
            let next = next(member, target_epoch, target, owned_by_other);
            let same = next.member_epoch == member.member_epoch
                && next.state == member.state
                && next.assigned == member.assigned
                && next.pending_revocation == member.pending_revocation;
            (!same).then_some(next)
        }
    }
}

fn next(
    member: &ConsumerMember,
    target_epoch: i32,
    target: &Assignment,
    owned_by_other: impl Fn(&TopicId, i32) -> bool,
) -> NextAssignment {
    let mut keep = Assignment::new();
    let mut revoke = Assignment::new();
    let mut add = Assignment::new();
    let mut unreleased = false;
    let topics: BTreeSet<&TopicId> = member.assigned.keys().chain(target.keys()).collect();
    let empty = BTreeSet::new();
    for topic in topics {
        let current = member.assigned.get(topic).unwrap_or(&empty);
        let wanted = target.get(topic).unwrap_or(&empty);
        for p in current {
            let side = if wanted.contains(p) {
                &mut keep
            } else {
                &mut revoke
            };
            side.entry(*topic).or_default().insert(*p);
        }
        for p in wanted.difference(current) {
            if owned_by_other(topic, *p) {
                unreleased = true;
            } else {
                add.entry(*topic).or_default().insert(*p);
            }
        }
    }
    if !revoke.is_empty() {
        return NextAssignment {
            member_epoch: member.member_epoch,
            previous_member_epoch: member.previous_member_epoch,
            state: MemberState::UnrevokedPartitions,
            assigned: keep,
            pending_revocation: revoke,
        };
    }
    for (topic, partitions) in add {
        keep.entry(topic).or_default().extend(partitions);
    }
    NextAssignment {
        member_epoch: target_epoch,
        previous_member_epoch: member.member_epoch,
        state: if unreleased {
            MemberState::UnreleasedPartitions
        } else {
            MemberState::Stable
        },
        assigned: keep,
        pending_revocation: Assignment::new(),
    }
}

pub fn intersects(a: &Assignment, b: &Assignment) -> bool {
    a.iter().any(|(topic, partitions)| {
        b.get(topic)
            .is_some_and(|other| !partitions.is_disjoint(other))
    })
}

/// Is every partition of `a` also in `b`?
pub fn is_subset(a: &Assignment, b: &Assignment) -> bool {
    a.iter().all(|(topic, partitions)| {
        partitions.is_empty()
            || b.get(topic)
                .is_some_and(|other| partitions.is_subset(other))
    })
}
