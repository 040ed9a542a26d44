#!/usr/bin/env bash
# Builds livetop's libFuzzer targets (Fuzz/Package.swift: the parsers' own targets LinkWire, LiveModel and
# TextFormats, compiled with -sanitize=fuzzer,address into .build-fuzz) and runs each one.
#
#   bash Scripts/fuzz.sh                 CI: a fixed number of runs per target (2-3 minutes with the build)
#   bash Scripts/fuzz.sh --long          by hand: 600 s per target (FUZZ_SECONDS=N to change), the grown
#                                        corpus kept in .build-fuzz/corpus/TARGET for the next run
#   bash Scripts/fuzz.sh [--long] sse    only the targets named (json-fold, sse, poll-body, recording, resp,
#                                        text-formats, ws-frames)
#
# Every run starts from the seeds in Fuzz/Corpus/TARGET (never written to). Crash, leak, timeout
# and out-of-memory inputs go to a fresh directory under $TMPDIR with each target's log; any of
# them, or libFuzzer failing, makes the script print that directory and exit 1 (after a clean run
# it is removed). Each crash input becomes a regression test in the normal test suite. To replay
# one: SWIFT_BACKTRACE=enable=no .build-fuzz/release/TARGET FILE
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(json-fold sse poll-body recording resp text-formats ws-frames)
# Runs per target in CI mode: 15-30 s each on two busy cores (with a clean build: 2-3 minutes).
declare -A runs=([json-fold]=20000 [sse]=300000 [poll-body]=200000 [recording]=150000 [resp]=120000
                  [text-formats]=10000 [ws-frames]=6000)

long=false
targets=()
for arg in "$@"; do
    case "$arg" in
        --long) long=true ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $arg" >&2; exit 64 ;;
        *)
            [[ -n "${runs[$arg]+set}" ]] || { echo "fuzz.sh: no fuzz target '$arg' (${all_targets[*]})" >&2; exit 64; }
            targets+=("$arg") ;;
    esac
done
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
seconds=${FUZZ_SECONDS:-600}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

start=$(now)
# The parsers are the main package's own targets (Fuzz/Package.swift depends on it by path), which
# cannot take the fuzz manifest's flags: instrument every module from here.
instrument=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -assert-config -Xswiftc Debug -Xswiftc -enable-testing -Xswiftc -g)
if ! swift build --package-path Fuzz --scratch-path .build-fuzz -c release "${instrument[@]}" >/tmp/livetop-fuzz-build.$$ 2>&1; then
    cat /tmp/livetop-fuzz-build.$$ >&2
    rm -f /tmp/livetop-fuzz-build.$$
    echo "fuzz.sh: the fuzz targets did not build" >&2
    exit 1
fi
rm -f /tmp/livetop-fuzz-build.$$
bin=.build-fuzz/release
echo "fuzz: build $(elapsed "$start" "$(now)") s (.build-fuzz, release with -sanitize=fuzzer,address)"

out=$(mktemp -d "${TMPDIR:-/tmp}/livetop-fuzz.XXXXXX")
# The Swift runtime's own crash reporter would take the crash from libFuzzer (and outlive it,
# holding our pipes open); libFuzzer and AddressSanitizer report crashes here.
export SWIFT_BACKTRACE=enable=no
failed=()
run_start=$(now)
for t in "${targets[@]}"; do
    mkdir -p "$out/$t"
    if $long; then
        corpus=.build-fuzz/corpus/$t
        budget=(-max_total_time="$seconds" -max_len=65536)
    else
        corpus=$out/$t/corpus
        budget=(-runs="${runs[$t]}")
    fi
    mkdir -p "$corpus"
    t0=$(now)
    status=0
    "$bin/$t" "${budget[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/$t/" "$corpus" "Fuzz/Corpus/$t" >"$out/$t.log" 2>&1 || status=$?
    time=$(elapsed "$t0" "$(now)")
    iterations=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
    found=$(find "$out/$t" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf 'fuzz: %-10s %9s runs %7s s  crashes %d\n' "$t" "${iterations:-?}" "$time" "$found"
    if [[ $status -ne 0 || $found -ne 0 ]]; then
        failed+=("$t")
        echo "fuzz: $t failed (libFuzzer exit $status); its report:" >&2
        grep -v '^#[0-9]\|^INFO:\|Uses: \|^"' "$out/$t.log" | tail -60 >&2
        find "$out/$t" -maxdepth 1 -type f ! -name '*.log' -printf 'fuzz: input %p\n' >&2
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: run $(elapsed "$run_start" "$(now)") s; logs and crash inputs in $out"
    echo "fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi
rm -rf "$out"
echo "fuzz: run $(elapsed "$run_start" "$(now)") s; no crash inputs"
