//! A log's worth of v2 record batches: framing, header fields, CRC, decompression,
//! records, and the builder's rewrite. See `src/batch.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fjord_fuzz::batch::check_log(data));
