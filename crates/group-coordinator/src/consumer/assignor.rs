//! Server-side assignors of KIP-848 groups: `uniform` (balanced, keeping partitions
//! where they are when it can) and `range` (contiguous ranges per topic, so
//! co-partitioned topics line up).

use std::collections::{BTreeMap, BTreeSet};

use crate::records::consumer_group::{Assignment, TopicId};

/// What an assignor sees of a member.
pub struct AssignorMember<'a> {
    pub subscribed: &'a [String],
    /// The member's current target (for stickiness).
    pub previous: Option<&'a Assignment>,
}

/// Subscribed topics that exist: name → (id, partition count).
pub type TopicMetadata = BTreeMap<String, (TopicId, i32)>;

pub fn assign(
    assignor: &str,
    members: &BTreeMap<String, AssignorMember<'_>>,
    topics: &TopicMetadata,
) -> BTreeMap<String, Assignment> {
    match assignor {
        "range" => range(members, topics),
        _ => uniform(members, topics),
    }
}

fn range(
    members: &BTreeMap<String, AssignorMember<'_>>,
    topics: &TopicMetadata,
) -> BTreeMap<String, Assignment> {
    let mut out: BTreeMap<String, Assignment> = members
        .keys()
        .map(|m| (m.clone(), Assignment::new()))
        .collect();
    for (name, (id, count)) in topics {
        let subscribers: Vec<&String> = members
            .iter()
            .filter(|(_, m)| m.subscribed.contains(name))
            .map(|(id, _)| id)
            .collect();
        if subscribers.is_empty() {
            continue;
        }
        let (per, extra) = (
            *count as usize / subscribers.len(),
            *count as usize % subscribers.len(),
        );
        let mut next = 0i32;
        for (i, member) in subscribers.into_iter().enumerate() {
            let take = per + usize::from(i < extra);
            let partitions: BTreeSet<i32> = (next..next + take as i32).collect();
            next += take as i32;
            if !partitions.is_empty() {
                out.entry(member.clone())
                    .or_default()
                    .insert(*id, partitions);
            }
        }
    }
    out
}

fn uniform(
    members: &BTreeMap<String, AssignorMember<'_>>,
    topics: &TopicMetadata,
) -> BTreeMap<String, Assignment> {
    let eligible = |member: &AssignorMember<'_>, id: &TopicId| {
        topics
            .iter()
            .any(|(name, (tid, _))| tid == id && member.subscribed.contains(name))
    };
    let total: usize = topics
        .iter()
        .filter(|(name, _)| members.values().any(|m| m.subscribed.contains(name)))
        .map(|(_, (_, count))| *count as usize)
        .sum();
    let quota = total.div_ceil(members.len().max(1));
    let mut out: BTreeMap<String, Assignment> = BTreeMap::new();
    let mut taken: BTreeSet<(TopicId, i32)> = BTreeSet::new();
    // Keep what each member already has (up to its share), so little moves.
    for (member_id, member) in members {
        let mut kept = Assignment::new();
        let mut count = 0;
        for (id, partitions) in member.previous.into_iter().flatten() {
            let Some((_, (_, partition_count))) = topics.iter().find(|(_, (tid, _))| tid == id)
            else {
                continue;
            };
            if !eligible(member, id) {
                continue;
            }
            for p in partitions {
                if *p < *partition_count && count < quota && taken.insert((*id, *p)) {
                    kept.entry(*id).or_default().insert(*p);
                    count += 1;
                }
            }
        }
        out.insert(member_id.clone(), kept);
    }
    // Hand the rest, one partition at a time, to the least-loaded member that wants it.
    for (name, (id, count)) in topics {
        for p in 0..*count {
            if taken.contains(&(*id, p)) {
                continue;
            }
            let least = members
                .iter()
                .filter(|(_, m)| m.subscribed.contains(name))
                .map(|(member_id, _)| member_id)
                .min_by_key(|member_id| {
                    out.get(*member_id)
                        .map_or(0, |a| a.values().map(BTreeSet::len).sum::<usize>())
                });
            if let Some(member_id) = least {
                out.entry(member_id.clone())
                    .or_default()
                    .entry(*id)
                    .or_default()
                    .insert(p);
                taken.insert((*id, p));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics(entries: &[(&str, u8, i32)]) -> TopicMetadata {
        entries
            .iter()
            .map(|(name, id, count)| ((*name).to_owned(), ([*id; 16], *count)))
            .collect()
    }

    fn counts(assignment: &BTreeMap<String, Assignment>) -> Vec<usize> {
        assignment
            .values()
            .map(|a| a.values().map(BTreeSet::len).sum())
            .collect()
    }

    #[test]
    fn test_uniform_balances_and_sticks() {
        let subscribed = vec!["t".to_owned()];
        let topics = topics(&[("t", 1, 12)]);
        let mut members: BTreeMap<String, AssignorMember<'_>> = (0..5)
            .map(|i| {
                (
                    format!("m{i}"),
                    AssignorMember {
                        subscribed: &subscribed,
                        previous: None,
                    },
                )
            })
            .collect();
        let first = assign("uniform", &members, &topics);
        let mut c = counts(&first);
        c.sort();
        assert_eq!(c, vec![2, 2, 2, 3, 3]);
        // A sixth member joins: everyone ends with 2, and partitions mostly stay.
        for (id, a) in &first {
            members.get_mut(id).unwrap().previous = Some(a);
        }
        members.insert(
            "m5".into(),
            AssignorMember {
                subscribed: &subscribed,
                previous: None,
            },
        );
        let second = assign("uniform", &members, &topics);
        assert_eq!(counts(&second), vec![2; 6]);
        let moved = first
            .iter()
            .map(|(id, a)| {
                a[&[1; 16]]
                    .difference(&second[id].get(&[1; 16]).cloned().unwrap_or_default())
                    .count()
            })
            .sum::<usize>();
        assert_eq!(moved, 2, "only the two partitions the newcomer needs move");
    }

    #[test]
    fn test_uniform_leaves_extra_members_idle() {
        let subscribed = vec!["t".to_owned()];
        let members: BTreeMap<String, AssignorMember<'_>> = (0..3)
            .map(|i| {
                (
                    format!("m{i}"),
                    AssignorMember {
                        subscribed: &subscribed,
                        previous: None,
                    },
                )
            })
            .collect();
        let out = assign("uniform", &members, &topics(&[("t", 1, 2)]));
        let mut c = counts(&out);
        c.sort();
        assert_eq!(c, vec![0, 1, 1]);
    }

    #[test]
    fn test_range_gives_contiguous_ranges_per_topic() {
        let subscribed = vec!["a".to_owned(), "b".to_owned()];
        let members: BTreeMap<String, AssignorMember<'_>> = (0..2)
            .map(|i| {
                (
                    format!("m{i}"),
                    AssignorMember {
                        subscribed: &subscribed,
                        previous: None,
                    },
                )
            })
            .collect();
        let out = assign("range", &members, &topics(&[("a", 1, 3), ("b", 2, 3)]));
        assert_eq!(out["m0"][&[1; 16]], [0, 1].into_iter().collect());
        assert_eq!(out["m1"][&[1; 16]], [2].into_iter().collect());
        assert_eq!(out["m0"][&[2; 16]], [0, 1].into_iter().collect());
    }

    #[test]
    fn test_members_get_only_topics_they_subscribe_to() {
        let (a, b) = (vec!["a".to_owned()], vec!["b".to_owned()]);
        let mut members = BTreeMap::new();
        members.insert(
            "m0".to_owned(),
            AssignorMember {
                subscribed: &a,
                previous: None,
            },
        );
        members.insert(
            "m1".to_owned(),
            AssignorMember {
                subscribed: &b,
                previous: None,
            },
        );
        for assignor in ["uniform", "range"] {
            let out = assign(assignor, &members, &topics(&[("a", 1, 2), ("b", 2, 1)]));
            assert_eq!(out["m0"].keys().collect::<Vec<_>>(), vec![&[1; 16]]);
            assert_eq!(out["m1"].keys().collect::<Vec<_>>(), vec![&[2; 16]]);
        }
    }
}
