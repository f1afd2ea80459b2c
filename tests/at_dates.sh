#!/usr/bin/env bash
# Runs the clock tests once per date given, each date under libfaketime with the machine's clock
# at that date. Two pytest processes (one per core) each take half the tests and run them at every
# date in order, moving their own clock from date to date (tests/common/machine_dates.py), so
# start-up, imports and collection are paid twice, not once per date. Prints each process's
# result; fails if any failed.
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
# Each test function once (its parameters come back with the dates), dealt alternately to two
# processes (one per core): each runs its half at every date, so both finish together.
mapfile -t tests < <("$python" -m pytest --collect-only -q -p no:cacheprovider "${selection[@]}" | sed -n 's/\[.*//; /::/p' | sort -u)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t dates < <(for day in "$@"; do date -u -d "$day" +%Y-%m-%dT%H:%M:%S; done | sort)
joined=$(IFS=,; echo "${dates[*]}")
processes=2
pids=()
for ((share = 0; share < processes; share++)); do
    mine=()
    for ((index = share; index < ${#tests[@]}; index += processes)); do
        mine+=("${tests[$index]}")
    done
    ((${#mine[@]})) || continue
    offset_file="$work/offset.$share"
    # The process starts at the first date; the tests move its clock on from there.
    echo "+$(($(date -u -d "${dates[0]}" +%s) - $(date +%s)))s" >"$offset_file"
    TZ=UTC UPSTANDER_TEST_DATES="$joined" LD_PRELOAD="$preload" FAKETIME_TIMESTAMP_FILE="$offset_file" \
        FAKETIME_CACHE_DURATION=1 "$python" -m pytest -q -p no:cacheprovider -p no:schemathesis \
        "${selection[@]}" "${mine[@]}" >"$work/$share.log" 2>&1 &
    pids+=("$!")
done
failed=0
for index in "${!pids[@]}"; do
    log="$work/$index.log"
    if wait "${pids[$index]}"; then
        echo "== half $((index + 1)) of the clock tests at ${joined//,/, } (UTC): $(tail -n 1 "$log")"
    else
        failed=1
        echo "== half $((index + 1)) of the clock tests at ${joined//,/, } (UTC) FAILED:"
        cat "$log"
    fi
done
exit "$failed"
