//! The checks behind Fjord's fuzz targets, kept out of the `fuzz_targets/` binaries so
//! the seed generator and the regression test below can run them too.
//!
//! Every check takes untrusted bytes and may only return: any panic (an index out of
//! bounds, an arithmetic overflow, a failed assertion) or an allocation over libFuzzer's
//! `-malloc_limit_mb` is a bug in `fjord-protocol` (or, for `coordinator_records`, in
//! `fjord-group-coordinator`). Beyond "does not crash", the checks
//! assert properties the broker and the CLI rely on: a decoded value re-encodes to bytes
//! that decode to the same value, byte ranges lie inside the frame, a batch the builder
//! rewrote from a valid batch is valid and holds the same records.

pub mod batch;
pub mod coordinator;
pub mod primitives;
pub mod regressions;
pub mod request;
pub mod seeds;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every generated seed goes through its target's check without a crash.
    #[test]
    fn test_seeds_pass_their_checks() {
        for seed in seeds::all() {
            match seed.target {
                "request_decode" => request::check_frame(&seed.bytes),
                "record_batch" => batch::check_log(&seed.bytes),
                "codec_primitives" => primitives::check(&seed.bytes),
                "coordinator_records" => coordinator::check(&seed.bytes),
                other => panic!("seed for unknown target {other}"),
            }
        }
    }

    /// Seeds of valid frames and batches really are valid: they decode completely.
    #[test]
    fn test_seeds_are_valid_encodings() {
        let mut frames = 0;
        for seed in seeds::all().iter().filter(|s| s.valid) {
            match seed.target {
                "request_decode" => {
                    assert!(request::decodes_completely(&seed.bytes), "{}", seed.name);
                    frames += 1;
                }
                "record_batch" => {
                    assert!(batch::holds_valid_batches(&seed.bytes), "{}", seed.name)
                }
                "coordinator_records" => {
                    assert!(
                        coordinator::decodes_completely(&seed.bytes),
                        "{}",
                        seed.name
                    )
                }
                _ => {}
            }
        }
        assert!(frames > 100, "only {frames} valid request frames");
    }
}
