#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/Targets) and runs each for FUZZ_SECONDS; exits non-zero on
# the first crash, timeout or out-of-memory, naming the reproducer. Usage: Fuzz/run.sh [TARGET...]
#
# The targets are compiled straight from the sources they exercise with swiftc, not through
# SwiftPM: only those files (and HushCore) carry the fuzzer and ASan instrumentation, and nothing
# of SwiftNIO is built. Adding a file the parsers need means adding it to sources_of below.
set -euo pipefail
cd "$(dirname "$0")/.."

SWIFTC=${SWIFTC:-swiftc}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
OUT=.build-fuzz
# HushCore imports CCrypto (libcrypto's SHA-384): its module map, and the library at link time.
FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -use-ld=lld -I Sources/CCrypto)
ALL_TARGETS=(request-head negotiation rewriter pattern)

sources_of() {
    case "$1" in
    request-head) echo Sources/HushServe/{RequestParser,RequestHead,Negotiation,RequestPath}.swift Fuzz/Targets/RequestHeadFuzz.swift ;;
    negotiation) echo Sources/HushServe/Negotiation{,+Range,+Encoding,+Conditional}.swift Fuzz/Targets/NegotiationFuzz.swift ;;
    rewriter) echo Sources/HushCollect/Django/*.swift Sources/HushCollect/Pattern/*.swift Fuzz/Targets/RewriterFuzz.swift ;;
    pattern) echo Sources/HushCollect/Django/*.swift Sources/HushCollect/Pattern/*.swift Fuzz/Targets/PatternFuzz.swift ;;
    *) echo "fuzz: unknown target '$1' (known: ${ALL_TARGETS[*]})" >&2; return 1 ;;
    esac
}

# Longest input per target: the request head may reach its 16 KiB limit and a little beyond.
max_len_of() { case "$1" in request-head) echo 20480 ;; *) echo 4096 ;; esac; }

# Rebuilds `output` from `inputs` when any input is newer (or the output is missing).
stale() {
    local output=$1; shift
    [[ -e $output ]] || return 0
    local f
    for f in "$@"; do [[ $f -nt $output ]] && return 0; done
    return 1
}

mkdir -p "$OUT"
core_sources=(Sources/HushCore/*.swift)
if stale "$OUT/libHushCore.a" "${core_sources[@]}"; then
    echo "fuzz: building HushCore with fuzzer and ASan instrumentation"
    "$SWIFTC" "${FLAGS[@]}" -module-name HushCore -emit-library -static -emit-module-path "$OUT/HushCore.swiftmodule" \
        "${core_sources[@]}" -o "$OUT/libHushCore.a"
fi

targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
    read -r -a sources <<<"$(sources_of "$t")"
    if stale "$OUT/fuzz-$t" "${sources[@]}" Fuzz/Targets/FuzzCheck.swift "$OUT/libHushCore.a"; then
        echo "fuzz: building $t"
        "$SWIFTC" "${FLAGS[@]}" -module-name "Fuzz_${t//-/_}" -I "$OUT" -L "$OUT" -lHushCore -lcrypto \
            "${sources[@]}" Fuzz/Targets/FuzzCheck.swift -o "$OUT/fuzz-$t"
    fi
done

printf '\n%-14s %8s %12s %10s %10s %8s  %s\n' target seconds executions "exec/s" "new units" "RSS MB" result
status=0
for t in "${targets[@]}"; do
    mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t"
    dict=()
    [[ -f Fuzz/Dictionaries/$t.dict ]] && dict=(-dict="Fuzz/Dictionaries/$t.dict")
    log="$OUT/$t.log"
    set +e
    # The first corpus directory collects what this run finds; the committed seeds are only read.
    LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" "$OUT/fuzz-$t" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_of "$t")" \
        -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" "${dict[@]}" \
        "$OUT/corpus/$t" "Fuzz/Corpus/$t" >"$log" 2>&1
    rc=$?
    set -e
    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    runs=$(stat number_of_executed_units); speed=$(stat average_exec_per_sec)
    added=$(stat new_units_added); rss=$(stat peak_rss_mb)
    if [[ $rc -eq 0 ]]; then
        result=ok
    else
        status=1
        artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        result="FAILED (exit $rc)"
    fi
    printf '%-14s %8s %12s %10s %10s %8s  %s\n' "$t" "$FUZZ_SECONDS" "${runs:--}" "${speed:--}" "${added:--}" "${rss:--}" "$result"
    if [[ $rc -ne 0 ]]; then
        grep -m1 -E 'fuzz property violated|ERROR: (AddressSanitizer|libFuzzer)|Fatal error|SUMMARY' "$log" | sed 's/^/    /' || true
        echo "    reproducer: ${artifact:-none written, see $log}"
        echo "    replay:     LSAN_OPTIONS=suppressions=Fuzz/lsan.supp $OUT/fuzz-$t ${artifact:-<input>}    (full log: $log)"
    fi
done
exit $status
