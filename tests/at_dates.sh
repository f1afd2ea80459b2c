#!/usr/bin/env bash
# Runs the clock tests once per date given, each under libfaketime with the machine's clock at
# that date, two dates at a time (one pytest process each: a date's run is too short for the
# start-up of several xdist workers to pay). Prints each date's result as it ends; fails if any did.
# Usage: tests/at_dates.sh PYTHON "DATE" ["DATE" ...]
set -uo pipefail
python=$1
shift
# Every test that asks for the clock, on SQLite (the PostgreSQL variants test the same rules).
selection=(-m clock -k "not postgresql")
files=$("$python" -m pytest --collect-only -q -p no:cacheprovider "${selection[@]}" | sed -n 's/::.*//p' | sort -u)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_at() {
    local day=$1 log=$2
    TZ=UTC UPSTANDER_TEST_CLOCK_START="$day" faketime -m "$day" \
        "$python" -m pytest -q -p no:cacheprovider -p no:schemathesis "${selection[@]}" $files >"$log" 2>&1
}

pids=() days=()
for day in "$@"; do
    while (($(jobs -rp | wc -l) >= 2)); do
        wait -n
    done
    run_at "$day" "$logs/${#pids[@]}.log" &
    pids+=("$!") days+=("$day")
done
failed=0
for index in "${!pids[@]}"; do
    log="$logs/$index.log"
    if wait "${pids[$index]}"; then
        echo "== the clock tests at ${days[$index]} UTC: $(tail -n 1 "$log")"
    else
        failed=1
        echo "== the clock tests at ${days[$index]} UTC FAILED:"
        cat "$log"
    fi
done
exit "$failed"
