//! The smallest encodings of the codec's field types, from which a message module sums
//! the `min_element_size` it passes to [`Reader::array`](super::Reader::array).
//!
//! An element's minimum must not exceed its smallest real encoding, or a valid array
//! would be rejected: a field the version lacks counts nothing, and a null or empty one
//! only its length prefix.

/// The smallest string, null included: an int16 length, or a one-byte compact length.
pub const fn string_min(flexible: bool) -> usize {
    if flexible {
        1
    } else {
        2
    }
}

/// The smallest byte field, null included: an int32 length, or a one-byte compact length.
pub const fn bytes_min(flexible: bool) -> usize {
    if flexible {
        1
    } else {
        4
    }
}

/// The smallest array, null included: an int32 length, or a one-byte compact length.
pub const fn array_min(flexible: bool) -> usize {
    if flexible {
        1
    } else {
        4
    }
}

/// The smallest tagged-field section: none in classic versions, one byte in flexible ones.
pub const fn tags_min(flexible: bool) -> usize {
    if flexible {
        1
    } else {
        0
    }
}

/// `size` if a field is present in the version, else nothing.
pub const fn when(present: bool, size: usize) -> usize {
    if present {
        size
    } else {
        0
    }
}
