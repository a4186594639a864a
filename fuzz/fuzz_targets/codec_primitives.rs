//! Varints, the bounded `Reader`, the compression codecs and bare records. See
//! `src/primitives.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fjord_fuzz::primitives::check(data));
