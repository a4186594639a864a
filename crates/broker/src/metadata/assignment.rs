//! Replica placement: Kafka's default round-robin, or an assignment a client gives
//! (`kafka-topics --replica-assignment`), validated as Kafka validates it.

use fjord_protocol::ErrorCode;

use super::MetadataError;

/// Where a topic's new partitions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// `count` partitions of `replication_factor` replicas, spread round-robin.
    Spread { count: i32, replication_factor: i16 },
    /// One replica list per new partition, in partition order; the first replica leads.
    Assigned(Vec<Vec<i32>>),
}

/// Checks a client's assignment against the live brokers. `replication_factor` is the
/// topic's existing one when growing a topic.
pub fn validate_assignment(
    assignment: &[Vec<i32>],
    brokers: &[i32],
    replication_factor: Option<usize>,
) -> Result<(), MetadataError> {
    let invalid = |message: String| {
        Err(MetadataError::new(
            ErrorCode::INVALID_REPLICA_ASSIGNMENT,
            message,
        ))
    };
    let Some(first) = assignment.first() else {
        return invalid("Replica assignment is empty.".into());
    };
    let expected = replication_factor.unwrap_or(first.len());
    for (index, replicas) in assignment.iter().enumerate() {
        if replicas.is_empty() {
            return invalid(format!("Empty replica assignment for partition {index}."));
        }
        let mut sorted = replicas.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != replicas.len() {
            return invalid(format!("Duplicate brokers not allowed in replica assignment: {replicas:?} for partition {index}."));
        }
        if replicas.len() != expected {
            return invalid(format!(
                "Inconsistent replication factor between partitions, partition 0 has {expected} while partition {index} has replication factor {}.",
                replicas.len()
            ));
        }
        if let Some(missing) = replicas.iter().find(|b| !brokers.contains(b)) {
            return invalid(format!(
                "Unknown broker {missing} in replica assignment of partition {index}."
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_assignment_validation() {
        assert!(validate_assignment(&[vec![1], vec![1]], &[1], None).is_ok());
        for bad in [
            vec![],
            vec![vec![]],
            vec![vec![1, 1]],
            vec![vec![1], vec![2]],
            vec![vec![1], vec![1, 1]],
        ] {
            let err = validate_assignment(&bad, &[1], None).unwrap_err();
            assert_eq!(err.code, ErrorCode::INVALID_REPLICA_ASSIGNMENT, "{bad:?}");
        }
        assert!(validate_assignment(&[vec![1]], &[1, 2], Some(2)).is_err());
    }
}
