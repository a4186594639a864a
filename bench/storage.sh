#!/usr/bin/env bash
# Append throughput of Fjord's partition log against dd on the same filesystem.
# See bench/README.md for what each figure means. Not part of the test suite.
#
# Environment (all optional):
#   BENCH_DIR         scratch directory, on the disk to measure ($HOME/.cache/fjord-bench)
#   BENCH_MB          MB written by the page-cache runs (1024)
#   BENCH_DURABLE_MB  MB written by the durable runs (256)
#   BENCH_REPEAT      runs per measurement; the table shows the median (3)
#   BENCH_THREADS     appending threads in durable-group mode (4)
#   BENCH_WINDOW_KB   appended-but-not-yet-durable data in durable-pipelined mode (4096)
#   BENCH_JOBS        cargo build jobs (2)
#   CARGO_TARGET_DIR  ($HOME/.cache/fjord-target)
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fjord-target}
mb=${BENCH_MB:-1024}
durable_mb=${BENCH_DURABLE_MB:-256}
repeat=${BENCH_REPEAT:-3}
threads=${BENCH_THREADS:-4}
batch_kb=16
record_bytes=1024

echo "building storage_bench (release)..." >&2
(cd "$repo" && cargo build --release -j"${BENCH_JOBS:-2}" -p fjord-storage --example storage_bench >&2)
bin=$CARGO_TARGET_DIR/release/examples/storage_bench

scratch=${BENCH_DIR:-$HOME/.cache/fjord-bench}/run-$$
mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT
if [[ $(stat -c %d "$scratch") != $(stat -c %d "$repo") ]]; then
    echo "warning: $scratch is not on the filesystem of $repo" >&2
fi

# Runs dd writing to a fresh file; prints MB/s (10^6 bytes) from dd's own byte count
# and elapsed time ("N bytes (...) copied, S s, ...").
dd_mbps() {
    rm -f "$scratch/dd.bin"
    sync
    local report
    report=$(dd if=/dev/zero of="$scratch/dd.bin" "$@" 2>&1 >/dev/null | grep copied)
    rm -f "$scratch/dd.bin"
    awk '{ for (i = 1; i <= NF; i++) if ($i == "copied,") s = $(i + 1); printf "%.1f\n", $1 / 1e6 / s }' <<<"$report"
}

# Runs storage_bench in one mode; prints its MB/s (its full report goes to stderr).
fjord_mbps() {
    local mode=$1 total=$2 report
    sync
    report=$("$bin" --dir "$scratch" --total-mb "$total" --mode "$mode" --batch-kb "$batch_kb" \
        --record-bytes "$record_bytes" --threads "$threads" --window-kb "${BENCH_WINDOW_KB:-4096}")
    echo "  $report" >&2
    echo "$report" >"$scratch/last-report"
    sed -n 's/.*MB\/s=\([0-9.]*\).*/\1/p' <<<"$report"
}

median() {
    sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

count_16k=$((mb * 64))
durable_16k=$((durable_mb * 64))
declare -A samples
measure() {
    local name=$1
    shift
    local value
    value=$("$@")
    samples[$name]+="$value "
    echo "  $name: $value MB/s" >&2
}

for run in $(seq "$repeat"); do
    echo "run $run/$repeat" >&2
    measure dd_pagecache dd_mbps bs=16k count="$count_16k"
    measure fjord_pagecache fjord_mbps pagecache "$mb"
    # dd with fjord's exact write size: appends that do not end on a page boundary
    # cost the kernel more (it zeroes the rest of each new page) than 16 KiB writes.
    batch_bytes=$(sed -n 's/.*batch_bytes=\([0-9]*\).*/\1/p' "$scratch/last-report")
    measure dd_batch dd_mbps bs="$batch_bytes" count=$((mb * 1048576 / batch_bytes))
    measure dd_dsync dd_mbps bs=16k count="$durable_16k" oflag=dsync
    measure fjord_durable fjord_mbps durable "$durable_mb"
    measure dd_fdatasync dd_mbps bs=1M count="$durable_mb" conv=fdatasync
    measure fjord_group fjord_mbps durable-group "$durable_mb"
    measure fjord_pipelined fjord_mbps durable-pipelined "$durable_mb"
done

med() { tr ' ' '\n' <<<"${samples[$1]}" | grep . | median; }
best() { tr ' ' '\n' <<<"${samples[$1]}" | grep . | sort -g | tail -n 1; }
pct() { awk -v v="$1" -v r="$2" 'BEGIN { printf "%.0f%%", 100 * v / r }'; }
# One row: median and best of the runs, each as a share of the reference's median and
# best. Interference on a shared machine only ever slows a run, so the best figures are
# the steadier comparison; both are shown.
row() {
    local what=$1 key=$2 reference=${3:-}
    local m b share_m="reference" share_b="reference"
    m=$(med "$key")
    b=$(best "$key")
    if [[ -n $reference ]]; then
        share_m=$(pct "$m" "$(med "$reference")")
        share_b=$(pct "$b" "$(best "$reference")")
    fi
    printf '%-50s | %8s | %8s | %-9s | %s\n' "$what" "$m" "$b" "$share_m" "$share_b"
}

echo
echo "$repeat runs each, interleaved; page cache ${mb} MB, durable ${durable_mb} MB; MB = 10^6 bytes"
printf '%-50s | %8s | %8s | %-9s | %s\n' "what" "median" "best" "% median" "% best"
printf '%s\n' "---------------------------------------------------+----------+----------+-----------+--------"
row "dd bs=16k (page cache)" dd_pagecache
row "dd bs=$batch_bytes (page cache, fjord's write size)" dd_batch dd_pagecache
row "fjord pagecache ($batch_bytes-byte batches)" fjord_pagecache dd_pagecache
row "dd bs=16k oflag=dsync (sync per write)" dd_dsync
row "fjord durable (flush_to per append)" fjord_durable dd_dsync
row "dd bs=1M conv=fdatasync (one sync at end)" dd_fdatasync
row "fjord durable-group ($threads threads, group commit)" fjord_group dd_fdatasync
row "fjord durable-pipelined (${BENCH_WINDOW_KB:-4096} KiB in flight)" fjord_pipelined dd_fdatasync
