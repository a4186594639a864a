#!/usr/bin/env bash
# Fuzzes the wire formats with cargo-fuzz (libFuzzer): each target for a while, failing
# on the first crash a target finds. CI runs it from scripts/test.sh ("fuzz smoke").
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# SECONDS_PER_TARGET defaults to 60; the targets default to all of them (fuzz/README.md
# says what each covers). A crash is any panic, an allocation over 512 MiB
# (-malloc_limit_mb: what a lying length would cause), more than 2 GiB resident, or one
# input running longer than $FUZZ_TIMEOUT seconds (default 10). Its input is kept under
# fuzz/artifacts/<target>/ and printed in hex.
#
# Installs cargo-fuzz when it is missing. libFuzzer needs the compiler's unstable
# sanitizer flags: on a stable toolchain RUSTC_BOOTSTRAP=1 lets rustc accept them (for
# these builds only). Everything lasting lives outside the clone, so reruns and fresh
# clones on the same machine are quick:
#   - builds in $FUZZ_TARGET_DIR (default ~/.cache/fjord-fuzz-target), apart from the
#     main build so neither invalidates the other;
#   - the growing corpus in $FUZZ_CORPUS_DIR/<target> (default ~/.cache/fjord-fuzz-corpus);
#   - the seed corpus is generated anew each run by the fuzz crate's `seeds` binary.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ALL_TARGETS=(request_decode record_batch codec_primitives coordinator_records)
CARGO_FUZZ_VERSION=0.13.2
SECONDS_PER_TARGET="${1:-60}"
if [ "$#" -gt 0 ]; then
    shift
fi
TARGETS=("$@")
if [ "${#TARGETS[@]}" -eq 0 ]; then
    TARGETS=("${ALL_TARGETS[@]}")
fi
case "$SECONDS_PER_TARGET" in
    '' | *[!0-9]*)
        echo "usage: $0 [SECONDS_PER_TARGET] [TARGET...]" >&2
        exit 2
        ;;
esac

FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/fjord-fuzz-target}"
FUZZ_CORPUS_DIR="${FUZZ_CORPUS_DIR:-$HOME/.cache/fjord-fuzz-corpus}"
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-10}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "Installing cargo-fuzz $CARGO_FUZZ_VERSION"
    install_start=$SECONDS
    # Its own temporary build directory, not ours.
    env -u CARGO_TARGET_DIR cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
    echo "cargo-fuzz installed in $((SECONDS - install_start))s"
fi
cargo fuzz --version

export CARGO_TARGET_DIR="$FUZZ_TARGET_DIR"
export RUSTC_BOOTSTRAP=1
BIN_DIR="$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release"

echo "Building the fuzz targets in $CARGO_TARGET_DIR"
build_start=$SECONDS
# -a: debug assertions and overflow checks, so an overflow is a crash as in debug builds.
cargo fuzz build -a --fuzz-dir fuzz --target-dir "$CARGO_TARGET_DIR"
echo "built in $((SECONDS - build_start))s"

SEED_DIR="$CARGO_TARGET_DIR/fjord-seeds"
rm -rf "$SEED_DIR"
"$BIN_DIR/seeds" "$SEED_DIR"

LOG_DIR="$(mktemp -d)"
SUMMARY=()
FAILED=()

# Prints the crash input of a failed run: its path, and its bytes in hex.
show_artifacts() {
    local target="$1" since="$2" file
    while IFS= read -r file; do
        echo "crash input: $file ($(wc -c <"$file") bytes)"
        od -An -tx1 -v "$file" | tr -d ' \n' | fold -w 128
        echo
        echo "reproduce: $BIN_DIR/$target $file"
        echo "minimize:  RUSTC_BOOTSTRAP=1 cargo fuzz tmin -a --fuzz-dir fuzz" \
            "--target-dir $CARGO_TARGET_DIR $target $file"
    done < <(find "fuzz/artifacts/$target" -type f -newer "$since" 2>/dev/null)
}

for target in "${TARGETS[@]}"; do
    if [ ! -x "$BIN_DIR/$target" ]; then
        echo "unknown fuzz target $target (known: ${ALL_TARGETS[*]})" >&2
        exit 2
    fi
    corpus="$FUZZ_CORPUS_DIR/$target"
    mkdir -p "$corpus" "fuzz/artifacts/$target"
    log="$LOG_DIR/$target.log"
    stamp="$LOG_DIR/$target.start"
    touch "$stamp"
    printf '\n--> %s: %ss (corpus %s, %s inputs)\n' \
        "$target" "$SECONDS_PER_TARGET" "$corpus" "$(find "$corpus" -type f | wc -l)"
    set +e
    "$BIN_DIR/$target" "$corpus" "$SEED_DIR/$target" \
        -max_len=65536 \
        -max_total_time="$SECONDS_PER_TARGET" \
        -rss_limit_mb=2048 \
        -malloc_limit_mb=512 \
        -timeout="$FUZZ_TIMEOUT" \
        -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target/" \
        >"$log" 2>&1
    rc=$?
    set -e
    # libFuzzer's closing lines: "Done N runs in S second(s)", and the last status line
    # ("#N ... cov: C ft: F corp: K/...").
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -n 1)
    status=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status")
    corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status")
    rss=$(sed -n 's/^stat::peak_rss_mb: *\([0-9]*\)/\1/p' "$log")
    if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
        line=$(printf '  clean   %-17s %5ss %10s runs %6s/s  cov %-6s ft %-6s corpus %-6s rss %sMB' \
            "$target" "$secs" "$runs" "$((runs / (secs > 0 ? secs : 1)))" \
            "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}")
        echo "$line"
    else
        line=$(printf '  CRASH   %-18s exit %s after %s' "$target" "$rc" "${status:-startup}")
        echo "$line"
        # The report: libFuzzer's error, the panic message and the stack.
        grep -n -m 1 -E '^==[0-9]+==|panicked at|ERROR: libFuzzer|out-of-memory|timeout' "$log" \
            | head -n 1 | cut -d: -f1 | {
            read -r first || first=1
            tail -n +"$((first > 20 ? first - 20 : 1))" "$log" | grep -v '^#[0-9]' | head -n 80
        }
        show_artifacts "$target" "$stamp"
        FAILED+=("$target")
    fi
    SUMMARY+=("$line")
done

printf '\n==> fuzz summary (%ss per target)\n' "$SECONDS_PER_TARGET"
printf '%s\n' "${SUMMARY[@]}"
if [ "${#FAILED[@]}" -gt 0 ]; then
    echo "fuzzing found crashes in: ${FAILED[*]} (full logs in $LOG_DIR)" >&2
    exit 1
fi
rm -rf "$LOG_DIR"
