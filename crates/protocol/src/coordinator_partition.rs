//! Which partition of a coordinator's internal topic holds a key — a group in
//! `__consumer_offsets`, a transactional id in `__transaction_state`: Kafka's
//! `abs(key.hashCode()) % partitions`, with Java's `String.hashCode` over UTF-16 code
//! units, so a key lands on the same partition as in Kafka.

/// Java's `String.hashCode`.
pub fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The partition of `__consumer_offsets` (or `__transaction_state`) that `key` maps to.
pub fn partition_for(key: &str, partitions: i32) -> i32 {
    let hash = java_string_hash(key);
    // Kafka's Utils.abs maps i32::MIN to 0 rather than overflowing.
    let abs = if hash == i32::MIN { 0 } else { hash.abs() };
    abs % partitions.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_java_string_hash_matches_java() {
        // Values of "".hashCode(), "a".hashCode(), "hello".hashCode() in Java.
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("hello"), 99_162_322);
        // Overflowing: "polygenelubricants".hashCode() is Integer.MIN_VALUE.
        assert_eq!(java_string_hash("polygenelubricants"), i32::MIN);
        // Non-ASCII goes by UTF-16 units: "é" is 0xE9.
        assert_eq!(java_string_hash("é"), 0xE9);
    }

    #[test]
    fn test_partition_for_is_in_range_and_handles_min_value() {
        assert_eq!(partition_for("polygenelubricants", 50), 0);
        assert_eq!(partition_for("hello", 50), 99_162_322 % 50);
        for key in ["", "group-1", "payments", "ünïcode"] {
            assert!((0..50).contains(&partition_for(key, 50)));
        }
    }
}
