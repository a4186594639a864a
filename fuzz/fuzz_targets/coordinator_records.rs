//! `__consumer_offsets` records (key, value) replayed into a group coordinator shard,
//! and every value decoder of `fjord-group-coordinator`. See `src/coordinator.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fjord_fuzz::coordinator::check(data));
