//! Topic name rules, as Kafka's `Topic.validate` applies them.

use fjord_protocol::ErrorCode;

use super::MetadataError;

pub const MAX_NAME_LENGTH: usize = 249;

/// Topics the broker keeps for itself; clients may not produce to them directly.
pub const INTERNAL_TOPICS: &[&str] = &["__consumer_offsets", "__transaction_state"];

pub fn validate_topic_name(name: &str) -> Result<(), MetadataError> {
    let invalid = |message: String| {
        Err(MetadataError::new(
            ErrorCode::INVALID_TOPIC_EXCEPTION,
            message,
        ))
    };
    if name.is_empty() {
        return invalid("Topic name is illegal, it can't be empty".into());
    }
    if name == "." || name == ".." {
        return invalid("Topic name cannot be \".\" or \"..\"".into());
    }
    if name.len() > MAX_NAME_LENGTH {
        return invalid(format!(
            "Topic name is illegal, it can't be longer than {MAX_NAME_LENGTH} characters, topic name: {name}"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
    {
        return invalid(format!(
            "Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_topic_name_rules() {
        assert!(validate_topic_name("orders.v1_x-y").is_ok());
        for bad in ["", ".", "..", "a b", "ü", &"x".repeat(250)] {
            assert_eq!(
                validate_topic_name(bad).unwrap_err().code,
                ErrorCode::INVALID_TOPIC_EXCEPTION,
                "{bad}"
            );
        }
        assert!(validate_topic_name(&"x".repeat(249)).is_ok());
    }
}
