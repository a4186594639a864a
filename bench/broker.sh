#!/usr/bin/env bash
# `fjord server` driven by librdkafka (bench/broker_bench): produce and consume throughput,
# delivery latency, and the broker's CPU seconds per GB, beside dd on the same disk.
# See bench/README.md for what each figure means. Not part of the test suite.
#
# Environment (all optional):
#   BENCH_DIR         scratch directory, on the disk to measure ($HOME/.cache/fjord-bench)
#   BENCH_MB          MiB of record values per produce run, and per dd run (1024)
#   BENCH_LAT_SECS    length of each rate-limited latency run, in seconds (10)
#   BENCH_DD_REPEAT   dd runs per reference; the table shows the best (3)
#   BENCH_FIXED_RATE  records/s of the linger.ms=0 latency runs (10000)
#   BENCH_JOBS        cargo build jobs (2)
#   CARGO_TARGET_DIR  fjord's build ($HOME/.cache/fjord-target)
#   BENCH_TARGET_DIR  the driver's build ($HOME/.cache/fjord-bench-target)
set -euo pipefail
export LC_ALL=C

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/fjord-target}
bench_target=${BENCH_TARGET_DIR:-$HOME/.cache/fjord-bench-target}
jobs=${BENCH_JOBS:-2}
mb=${BENCH_MB:-1024}
lat_secs=${BENCH_LAT_SECS:-10}
dd_repeat=${BENCH_DD_REPEAT:-3}
fixed_rate=${BENCH_FIXED_RATE:-10000}
record_bytes=1024
linger_ms=5
messages=$((mb * 1048576 / record_bytes))

echo "building fjord and broker_bench (release)..." >&2
(cd "$repo" && cargo build --release -j"$jobs" -p fjord >&2)
(cd "$repo/bench/broker_bench" && CARGO_TARGET_DIR=$bench_target cargo build --release -j"$jobs" >&2)
fjord=$CARGO_TARGET_DIR/release/fjord
driver=$bench_target/release/broker_bench

scratch=${BENCH_DIR:-$HOME/.cache/fjord-bench}/broker-$$
mkdir -p "$scratch"
if [[ $(stat -c %d "$scratch") != $(stat -c %d "$repo") ]]; then
    echo "warning: $scratch is not on the filesystem of $repo" >&2
fi
broker_pid=""
cleanup() {
    if [[ -n $broker_pid ]] && kill -0 "$broker_pid" 2>/dev/null; then
        kill -TERM "$broker_pid"
        wait "$broker_pid" || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT

# MB/s (10^6 bytes) of dd writing $mb MiB of zeros to a fresh file, from dd's own report
# ("N bytes (...) copied, S s, ...").
dd_mbps() {
    rm -f "$scratch/dd.bin"
    sync
    local report
    report=$(dd if=/dev/zero of="$scratch/dd.bin" bs=1M count="$mb" "$@" 2>&1 >/dev/null | grep copied)
    rm -f "$scratch/dd.bin"
    awk '{ for (i = 1; i <= NF; i++) if ($i == "copied,") s = $(i + 1); printf "%.1f\n", $1 / 1e6 / s }' <<<"$report"
}

# The best of $dd_repeat runs: interference on a shared machine (and, on virtual machines,
# the first touch of guest memory) only ever slows a run.
best_of() {
    local i value best=0
    for i in $(seq "$dd_repeat"); do
        value=$(dd_mbps "$@")
        echo "  dd ${*:-(page cache)} run $i: $value MB/s" >&2
        best=$(awk -v a="$best" -v b="$value" 'BEGIN { print (b > a ? b : a) }')
    done
    echo "$best"
}

echo "dd, $mb MiB, best of $dd_repeat..." >&2
dd_pagecache=$(best_of)
dd_fdatasync=$(best_of conv=fdatasync)

read -r port controller_port < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
bootstrap=127.0.0.1:$port
# FJORD_* variables are configuration keys: keep the caller's out of the broker.
env $(env | awk -F= '/^FJORD_/ { printf "-u %s ", $1 }') RUST_LOG="${RUST_LOG:-info}" \
    "$fjord" server \
    --override "listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port" \
    --override "log.dirs=$scratch/data" >"$scratch/fjord.log" 2>&1 &
broker_pid=$!
for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        break
    fi
    kill -0 "$broker_pid" 2>/dev/null || { cat "$scratch/fjord.log" >&2; exit 1; }
    sleep 0.1
done
echo "fjord server pid $broker_pid on $bootstrap, data in $scratch/data" >&2

clk_tck=$(getconf CLK_TCK)
# utime + stime of the broker in clock ticks: fields 14 and 15 of /proc/PID/stat,
# counted after the parenthesised command name.
broker_ticks() {
    sed 's/.*) //' "/proc/$broker_pid/stat" | awk '{ print $12 + $13 }'
}

# Runs the driver; prints its report line with broker_cpu_s=... appended.
drive() {
    local before after line
    before=$(broker_ticks)
    line=$("$driver" --bootstrap "$bootstrap" "$@")
    after=$(broker_ticks)
    echo "  $line" >&2
    echo "$line broker_cpu_s=$(awk -v a="$before" -v b="$after" -v t="$clk_tck" 'BEGIN { printf "%.2f", (b - a) / t }')"
}

# The value of key=value field $1 in report line $2.
field() {
    tr ' ' '\n' <<<"$2" | awk -v k="$1=" 'index($0, k) == 1 { print substr($0, length(k) + 1) }'
}

per_gb() {
    awk -v s="$1" -v b="$2" 'BEGIN { printf "%.2f", s / (b / 1e9) }'
}

pct() {
    awk -v v="$1" -v r="$2" 'BEGIN { printf "%.0f%%", 100 * v / r }'
}

rows=()
row() {
    rows+=("$(printf '%-34s | %5s | %4s | %8s | %8s | %6s | %9s | %9s | %7s | %7s' "$@")")
}
# One table row from a driver's report line: what, partitions, acks, the line, the dd
# figure to compare MB/s with ("-": none), and whether its latency figures mean anything
# (not in peak runs, where every record waits in librdkafka's queue from the start).
report_row() {
    local what=$1 parts=$2 acks=$3 line=$4 reference=$5 latency=$6
    local bytes mbps share="-" p50="-" p99="-"
    bytes=$(field bytes "$line")
    mbps=$(field MB/s "$line")
    [[ $reference != - ]] && share=$(pct "$mbps" "$reference")
    if [[ $latency == yes ]]; then
        p50=$(field p50_ms "$line")
        p99=$(field p99_ms "$line")
    fi
    row "$what" "$parts" "$acks" "$mbps" "$(field msgs/s "$line")" "$share" \
        "$(per_gb "$(field broker_cpu_s "$line")" "$bytes")" \
        "$(per_gb "$(field client_cpu_s "$line")" "$bytes")" "$p50" "$p99"
}

# A rate-limited produce run of $lat_secs seconds (at most $messages records) into a
# fresh topic: partitions, acks, records/s, linger.ms, row label.
latency_run() {
    local parts=$1 acks=$2 rate=$3 linger=$4 what=$5 count topic line
    count=$((rate * lat_secs))
    ((count > messages)) && count=$messages
    topic=lat-p$parts-acks$acks-r$rate-l$linger
    "$driver" --bootstrap "$bootstrap" create-topic --topic "$topic" --partitions "$parts" >/dev/null
    sync
    echo "produce $parts partition(s) acks=$acks linger.ms=$linger at $rate records/s..." >&2
    line=$(drive produce --topic "$topic" --messages "$count" --record-bytes "$record_bytes" \
        --acks "$acks" --linger-ms "$linger" --rate "$rate")
    report_row "$what" "$parts" "$acks" "$line" - yes
    "$driver" --bootstrap "$bootstrap" delete-topic --topic "$topic" >/dev/null
}

declare -A peak_mbps
for parts in 1 6; do
    for acks in 1 all; do
        topic=peak-p$parts-acks$acks
        "$driver" --bootstrap "$bootstrap" create-topic --topic "$topic" --partitions "$parts" >/dev/null
        sync
        echo "produce $parts partition(s) acks=$acks, $messages records..." >&2
        line=$(drive produce --topic "$topic" --messages "$messages" --record-bytes "$record_bytes" \
            --acks "$acks" --linger-ms "$linger_ms")
        reference=$dd_pagecache
        [[ $acks == all ]] && reference=$dd_fdatasync
        report_row "produce, peak" "$parts" "$acks" "$line" "$reference" no
        peak_mbps[$parts-$acks]=$(field MB/s "$line")
        peak_rate=$(field msgs/s "$line")

        if [[ $acks == 1 ]]; then
            echo "consume $parts partition(s)..." >&2
            line=$(drive consume --topic "$topic" --partitions "$parts" --messages "$messages")
            report_row "consume (just written, page cache)" "$parts" "-" "$line" "$dd_pagecache" no
        fi
        "$driver" --bootstrap "$bootstrap" delete-topic --topic "$topic" >/dev/null

        rate=$((peak_rate / 2))
        latency_run "$parts" "$acks" "$rate" "$linger_ms" "produce @ half peak ($rate/s)"
    done
done
# DESIGN.md's latency targets: a fixed rate, no linger.
for acks in 1 all; do
    latency_run 1 "$acks" "$fixed_rate" 0 "produce @ $fixed_rate/s, linger.ms=0"
done
rss_mib=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$broker_pid/status")

echo
echo "fjord server (release) with librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?') via rdkafka 0.33;" \
    "${record_bytes}-byte records, no key, linger.ms=$linger_ms (unless stated), no compression, idempotence off"
echo "$mb MiB of record values per peak produce run; MB = 10^6 bytes of record values; $(nproc) cores shared by client and broker"
echo "data in $scratch (on $(df --output=source "$scratch" | tail -n 1))"
echo
printf '%-34s | %8s\n' "dd, $mb MiB, same disk" "MB/s"
printf '%s\n' "-----------------------------------+---------"
printf '%-34s | %8s\n' "dd bs=1M (page cache), best of $dd_repeat" "$dd_pagecache"
printf '%-34s | %8s\n' "dd bs=1M conv=fdatasync, best of $dd_repeat" "$dd_fdatasync"
echo
printf '%-34s | %5s | %4s | %8s | %8s | %6s | %9s | %9s | %7s | %7s\n' \
    "run" "parts" "acks" "MB/s" "msgs/s" "vs dd" "broker" "client" "p50 ms" "p99 ms"
printf '%-34s | %5s | %4s | %8s | %8s | %6s | %9s | %9s | %7s | %7s\n' \
    "" "" "" "" "" "" "CPU-s/GB" "CPU-s/GB" "" ""
printf '%s\n' "-----------------------------------+-------+------+----------+----------+--------+-----------+-----------+---------+--------"
printf '%s\n' "${rows[@]}"
echo
for parts in 1 6; do
    echo "acks=all / acks=1 peak, $parts partition(s): $(pct "${peak_mbps[$parts-all]}" "${peak_mbps[$parts-1]}")"
done
echo "broker peak RSS (VmHWM): $rss_mib MiB"
echo "vs dd: peak acks=1 and consume against dd page cache, peak acks=all against dd conv=fdatasync"
echo "latency: delivery report time minus send time, linger.ms included; rate-limited runs last ${lat_secs} s (at most $mb MiB)"
