#!/usr/bin/env bash
# The whole test suite: the one command a newcomer runs and the only thing .ci/run does.
#
#   bash scripts/test.sh
#
# Installs what the tests need when it is missing, so it works on a fresh machine and
# reruns quickly on a used one:
#   - Debian packages: kcat, librdkafka-dev (for the rdkafka crate's tests), and a C
#     compiler / python3-venv if absent, via apt-get;
#   - a Python virtualenv with the Kafka client packages, in $VENV_DIR
#     (default ~/.cache/fjord-venv, shared by every clone);
#   - cargo-fuzz, for the fuzz step (scripts/fuzz.sh);
# then runs: cargo fmt --check, cargo clippy -D warnings, cargo test, a fuzz smoke run
# of every fuzz target ($FUZZ_SECONDS each, default 20), and pytest on the Python tests
# under tests/. It ends with one line, `tests: N passed, M failed`.
#
# Builds go to $CARGO_TARGET_DIR (default ~/.cache/fjord-target, outside the clone) so
# a rerun, or a fresh clone on the same machine, is incremental. Cargo uses
# $CARGO_BUILD_JOBS jobs (default 2).
#
# Python tests find the binary at $CARGO_TARGET_DIR/debug/fjord (built before they
# run). Note that FJORD_* environment variables are configuration keys for
# `fjord server`, so this script defines none.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/fjord-target}"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
VENV_DIR="${VENV_DIR:-$HOME/.cache/fjord-venv}"
PY_PACKAGES=(confluent-kafka kafka-python aiokafka pytest fastavro lz4)
PY_IMPORTS="confluent_kafka, kafka, aiokafka, pytest, fastavro, lz4"

SUITE_START=$SECONDS
SUMMARY=()
CURRENT=""

step_begin() {
    CURRENT="$1"
    STEP_START=$SECONDS
    printf '\n==> %s\n' "$1"
}

step_end() {
    SUMMARY+=("$(printf '  ok      %-28s %4ss' "$CURRENT" "$((SECONDS - STEP_START))")")
    CURRENT=""
}

print_summary() {
    local rc=$?
    printf '\n==> Summary (%ss)\n' "$((SECONDS - SUITE_START))"
    local line
    for line in "${SUMMARY[@]+"${SUMMARY[@]}"}"; do
        printf '%s\n' "$line"
    done
    if [ -n "$CURRENT" ]; then
        printf '  FAILED  %-28s %4ss\n' "$CURRENT" "$((SECONDS - STEP_START))"
    fi
    if [ "$rc" -eq 0 ]; then
        printf 'All tests passed.\n'
    else
        printf 'Test suite FAILED (exit code %s).\n' "$rc"
    fi
    if [ -n "${RUST_PASSED:-}" ]; then
        printf 'tests: %s passed, %s failed\n' \
            "$((RUST_PASSED + ${PY_PASSED:-0}))" "$((RUST_FAILED + ${PY_FAILED:-0}))"
    fi
}
trap print_summary EXIT

# Runs apt-get as root, or through sudo when it works without a password.
apt_install() {
    local as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            as_root=(sudo -n)
        else
            echo "Missing packages: $*. Install them as root (apt-get install $*) and rerun." >&2
            return 1
        fi
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "Missing packages: $*, and no apt-get to install them with." >&2
        return 1
    fi
    echo "Installing Debian packages: $*"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

step_begin "toolchain"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install the Rust toolchain (https://rustup.rs) and rerun." >&2
    exit 1
fi
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        if command -v rustup >/dev/null 2>&1; then
            rustup component add "$component"
        else
            echo "cargo ${component/rustfmt/fmt} is missing: install the $component component." >&2
            exit 1
        fi
    fi
done
cargo --version
step_end

step_begin "system packages"
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# Debian's python3 needs python3-venv for `python3 -m venv` (it ships ensurepip).
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
# The rdkafka crate in crates/fjord's tests links the system librdkafka (found by pkg-config).
pkg-config --exists 'rdkafka >= 1.9.2' 2>/dev/null || missing+=(librdkafka-dev pkg-config)
if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}"
fi
echo "kcat: $(command -v kcat)"
step_end

step_begin "python virtualenv"
if ! "$VENV_DIR/bin/python" -c 'pass' >/dev/null 2>&1; then
    # Missing, or left broken by a Python upgrade: (re)create it.
    rm -rf "$VENV_DIR"
    mkdir -p "$(dirname "$VENV_DIR")"
    python3 -m venv "$VENV_DIR"
fi
if ! "$VENV_DIR/bin/python" -c "import $PY_IMPORTS" >/dev/null 2>&1; then
    echo "Installing Python packages into $VENV_DIR: ${PY_PACKAGES[*]}"
    "$VENV_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
    "$VENV_DIR/bin/python" -c "import $PY_IMPORTS"
fi
echo "venv: $VENV_DIR ($("$VENV_DIR/bin/python" --version))"
step_end

step_begin "cargo fmt --check"
cargo fmt --all --check
step_end

step_begin "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings
step_end

step_begin "cargo test"
CARGO_TEST_LOG="$(mktemp)"
cargo test --workspace 2>&1 | tee "$CARGO_TEST_LOG"
# Totals over every test binary, for the closing line.
read -r RUST_PASSED RUST_FAILED < <(awk '/^test result:/ { p += $4; f += $6 } END { print p + 0, f + 0 }' "$CARGO_TEST_LOG")
rm -f "$CARGO_TEST_LOG"
step_end

# --- fuzz smoke: every cargo-fuzz target (fuzz/) for $FUZZ_SECONDS seconds each ---
# No input may panic or abort the decoders; a crash fails the suite. Builds in its own
# directory (~/.cache/fjord-fuzz-target), so it never invalidates the build above.
step_begin "fuzz smoke"
bash scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
step_end
# --- end fuzz smoke ---

step_begin "python tests"
if [ -d tests ] && [ -n "$(find tests -name 'test_*.py' -o -name '*_test.py' | head -n 1)" ]; then
    cargo build -p fjord
    set +e
    PYTEST_LOG="$(mktemp)"
    "$VENV_DIR/bin/python" -m pytest -q tests/ 2>&1 | tee "$PYTEST_LOG"
    rc=${PIPESTATUS[0]}
    set -e
    # Only pytest's summary line counts: client logs say things like
    # "127.0.0.1:44811 failed", which are not test results.
    PY_SUMMARY=$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$PYTEST_LOG" | tail -n 1 || true)
    PY_PASSED=$(grep -Eo '[0-9]+ passed' <<<"$PY_SUMMARY" | grep -Eo '[0-9]+' || true)
    PY_FAILED=$(grep -Eo '[0-9]+ failed' <<<"$PY_SUMMARY" | grep -Eo '[0-9]+' || true)
    rm -f "$PYTEST_LOG"
    # 5: no tests were collected, which is not a failure.
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 5 ]; then
        exit "$rc"
    fi
else
    echo "no Python tests under tests/"
fi
step_end
