//! Zig-zag varints as the v2 record format uses them.
