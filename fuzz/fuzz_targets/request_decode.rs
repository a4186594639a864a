//! A request frame (without the size prefix) through the header and every body decoder
//! of its API, and bytes 4.. as the response to it. See `src/request.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fjord_fuzz::request::check_frame(data));
