#!/usr/bin/env bash
# Regression guard on the cost of a SuggestPlan call in modalisd, counted in instructions
# (repeatable where wall time is not). For each kind of call (a dry run, a durable one, a dry run
# over Connect JSON), modalisd runs under callgrind twice, driven by modalis_load on one stream for
# a short and a long window; the difference in instructions over the difference in calls is the
# cost of one call, free of start-up and shutdown. Fails when it grows more than 20% over the
# figure recorded for this compiler and build type.
#
# Usage: suggest_instruction_guard.sh MODALISD MODALIS_LOAD BUDGET_FILE KEY
#   BUDGET_FILE lines: KEY TARGET INSTRUCTIONS_PER_CALL   (TARGET: modalis_dry_run, modalis_durable,
#   modalis_connect_json: the dry run as proto3 JSON over the HTTP listener)
# Exit 77 (skipped) when no figure is recorded for KEY: it prints the lines to record.
set -euo pipefail

modalisd=$1
load=$2
budget_file=$3
key=$4
short_ms=1500
long_ms=6000
allowed_growth_percent=20

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/modalisd" <<WRAP
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.\$\$" "$modalisd" "\$@"
WRAP
chmod +x "$work/modalisd"

# Prints "CALLS INSTRUCTIONS" of one run.
run() {
  local target=$1 ms=$2
  rm -f "$work"/callgrind.*
  "$load" --modalisd "$work/modalisd" --targets "$target" --streams 1 --warmup-ms 0 \
    --measure-ms "$ms" --repeats 1 --reload-rules 0 --deadline-ms 60000 \
    --out "$work/$target-$ms.json" >"$work/$target-$ms.log" 2>&1 || {
    echo "suggest_instruction_guard: modalis_load failed:" >&2
    cat "$work/$target-$ms.log" >&2
    exit 1
  }
  local out
  out=$(ls "$work"/callgrind.* | head -1)
  local total calls
  total=$(sed -n 's/^totals: \([0-9]*\).*/\1/p' "$out")
  calls=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cells"][0]["calls"])' \
    "$work/$target-$ms.json")
  if [ -z "$total" ] || [ -z "$calls" ]; then
    echo "suggest_instruction_guard: no count for $target ($ms ms)" >&2
    exit 1
  fi
  echo "$calls $total"
}

# Instructions per call of one short and one long run.
per_call_of() {
  local target=$1 short_calls short_total long_calls long_total
  read -r short_calls short_total < <(run "$target" "$short_ms")
  read -r long_calls long_total < <(run "$target" "$long_ms")
  if [ $((long_calls - short_calls)) -lt 50 ]; then
    echo "suggest_instruction_guard: too few calls to count ($short_calls, $long_calls)" >&2
    exit 1
  fi
  echo "$(((long_total - short_total) / (long_calls - short_calls))) $short_calls $long_calls"
}

missing=0
failed=0
for target in modalis_dry_run modalis_durable modalis_connect_json; do
  recorded=$(awk -v k="$key" -v t="$target" '$1 == k && $2 == t { print $3 }' "$budget_file")
  limit=$(( ${recorded:-0} * (100 + allowed_growth_percent) / 100))
  # A pair of runs now and then counts far more (once in a few dozen pairs, by 2-3 times, seen
  # only on a machine busy with other work), so a figure over the limit is measured once more and
  # the lower one kept: a real regression is over the limit both times.
  for attempt in 1 2; do
    read -r per_call short_calls long_calls < <(per_call_of "$target")
    echo "$target: $per_call instructions per call ($key; $short_calls and $long_calls calls)"
    if [ -z "$recorded" ] || [ "$per_call" -le "$limit" ]; then break; fi
  done
  if [ -z "$recorded" ]; then
    echo "  no figure recorded; to guard this build, add: $key $target $per_call"
    missing=1
    continue
  fi
  echo "  recorded: $recorded, limit (+$allowed_growth_percent%): $limit"
  if [ "$per_call" -gt "$limit" ]; then
    echo "suggest_instruction_guard: $target grew from $recorded to $per_call instructions per" \
      "call (more than $allowed_growth_percent%) in two measurements; profile it, or record the" \
      "new figure with the reason" >&2
    failed=1
  fi
done
[ "$failed" -eq 0 ] || exit 1
[ "$missing" -eq 0 ] || exit 77
