#!/usr/bin/env bash
# Regression guard on evaluation cost, counted in instructions (repeatable where wall time is not).
# Runs modalis_eval_count under callgrind with two evaluation counts; the difference divided by the
# extra evaluations is the instructions per evaluation, free of generation and compile costs.
# Fails when that grows more than 20% over the figure recorded for this compiler and build type.
#
# Usage: instruction_guard.sh EVAL_COUNT_BINARY BUDGET_FILE KEY
#   BUDGET_FILE lines: KEY RULES INSTRUCTIONS_PER_EVALUATION
# Exit 77 (skipped) when no figure is recorded for KEY: it prints the line to record.
set -euo pipefail

binary=$1
budget_file=$2
key=$3
rules=2000
low=100
high=1100
allowed_growth_percent=20

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

count() {
  local evaluations=$1
  valgrind --tool=callgrind --callgrind-out-file="$work/out.$evaluations" \
    "$binary" "$rules" "$evaluations" >"$work/stdout.$evaluations" 2>"$work/stderr.$evaluations" || {
    echo "instruction_guard: $binary failed under valgrind:" >&2
    cat "$work/stderr.$evaluations" >&2
    exit 1
  }
  local collected
  collected=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$work/stderr.$evaluations")
  if [ -z "$collected" ]; then
    echo "instruction_guard: no instruction count in callgrind's output" >&2
    cat "$work/stderr.$evaluations" >&2
    exit 1
  fi
  echo "$collected"
}

low_count=$(count $low)
high_count=$(count $high)
per_evaluation=$(((high_count - low_count) / (high - low)))
echo "instructions per evaluation at $rules rules ($key): $per_evaluation"

recorded=$(awk -v k="$key" -v r="$rules" '$1 == k && $2 == r { print $3 }' "$budget_file")
if [ -z "$recorded" ]; then
  echo "no figure recorded for '$key' in $budget_file; to guard this build, add:"
  echo "$key $rules $per_evaluation"
  exit 77
fi
limit=$((recorded * (100 + allowed_growth_percent) / 100))
echo "recorded: $recorded, limit (+$allowed_growth_percent%): $limit"
if [ "$per_evaluation" -gt "$limit" ]; then
  echo "instruction_guard: evaluation cost grew from $recorded to $per_evaluation instructions" \
    "(more than $allowed_growth_percent%); profile it, or record the new figure with the reason" >&2
  exit 1
fi
