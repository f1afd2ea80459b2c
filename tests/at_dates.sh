#!/usr/bin/env bash
# Runs the clock tests once per date given, each date under libfaketime with the machine's clock
# at that date. Two pytest processes (one per core) share the dates, each taking its dates in order
# and moving its own clock between them (tests/common/machine_dates.py), so start-up, imports and
# collection are paid twice, not once per date. Prints each process's result; fails if any failed.
# Usage: tests/at_dates.sh PYTHON "DATE" ["DATE" ...]   (dates in UTC, as `date -d` reads them)
set -uo pipefail
python=$1
shift
preload=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
if [[ -z $preload ]]; then
    echo "libfaketime not found: \`make faketime\` installs Debian's faketime package" >&2
    exit 2
fi
# Every test that asks for the clock, on SQLite (the PostgreSQL variants test the same rules).
selection=(-m clock -k "not postgresql")
files=$("$python" -m pytest --collect-only -q -p no:cacheprovider "${selection[@]}" | sed -n 's/::.*//p' | sort -u)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t dates < <(for day in "$@"; do date -u -d "$day" +%Y-%m-%dT%H:%M:%S; done | sort)
processes=2
pids=() shares=()
for ((share = 0; share < processes; share++)); do
    mine=()
    for ((index = share; index < ${#dates[@]}; index += processes)); do
        mine+=("${dates[$index]}")
    done
    ((${#mine[@]})) || continue
    offset_file="$work/offset.$share"
    # The process starts at its first date; the tests move the clock on from there.
    echo "+$(($(date -u -d "${mine[0]}" +%s) - $(date +%s)))s" >"$offset_file"
    joined=$(IFS=,; echo "${mine[*]}")
    TZ=UTC UPSTANDER_TEST_DATES="$joined" LD_PRELOAD="$preload" FAKETIME_TIMESTAMP_FILE="$offset_file" \
        FAKETIME_CACHE_DURATION=1 "$python" -m pytest -q -p no:cacheprovider -p no:schemathesis \
        "${selection[@]}" $files >"$work/$share.log" 2>&1 &
    pids+=("$!") shares+=("$joined")
done
failed=0
for index in "${!pids[@]}"; do
    log="$work/$index.log"
    if wait "${pids[$index]}"; then
        echo "== the clock tests at ${shares[$index]//,/, } (UTC): $(tail -n 1 "$log")"
    else
        failed=1
        echo "== the clock tests at ${shares[$index]//,/, } (UTC) FAILED:"
        cat "$log"
    fi
done
exit "$failed"
