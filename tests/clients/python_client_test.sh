#!/usr/bin/env bash
# A client nobody here wrote: Debian's Python gRPC, with stubs generated from proto/ by
# scripts/call, against the real modalisd. Checks health, SuggestPlan and GetPlan.
# Usage: python_client_test.sh BIN_DIR PLUGINS_DIR SOURCE_DIR
set -euo pipefail
bin=$1 plugins=$2 src=$3
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# Starts modalisd with the given extra flags; sets pid and address (host:port it listens on).
start_modalisd() {
  "$bin/modalisd" --listen 127.0.0.1:0 --rules "$src/rules" --plugins "$plugins" \
    --db "$work/m.db" "$@" >"$work/out" 2>"$work/err" &
  pid=$!
  for _ in $(seq 1 100); do
    grep -q "listening on" "$work/out" 2>/dev/null && break
    sleep 0.1
  done
  address=$(sed -n 's/^modalisd listening on \([^ ]*\) .*/\1/p' "$work/out")
  [ -n "$address" ] || { echo "modalisd did not start:"; cat "$work/err"; exit 1; }
}

start_modalisd

call() { "$src/scripts/call" --address "$address" "$@"; }
# Whole outputs are captured before matching: `grep -q` closing a pipe early would fail the
# pipeline under pipefail.
health=$(call health)
grep -q '"SERVING"' <<<"$health"
call SuggestPlan "$src/tests/data/desk-worker-request.json" >"$work/plan.json"
plan_id=$(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["plan"]
assert p["status"] == "COMPLETE", p["status"]
assert [s["modality"] for s in p["steps"]][:2] == ["dry_needling", "myofascial_release"]
assert p["course"]["frequency"] == "WEEKLY"
print(p["plan_id"])' "$work/plan.json")
call GetPlan "{\"plan_id\": \"$plan_id\"}" >"$work/got.json"
/usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["patient_ref"] == "P-0001", r["patient_ref"]
assert r["plan"]["steps"][0]["modality"] == "dry_needling"' <"$work/got.json"
# An error comes back as a gRPC status a Python client can read.
if call SuggestPlan '{"patient_ref": "P-2", "findings": {"pain_nprs": 12}}' 2>"$work/error"; then
  echo "out-of-range finding was accepted"; exit 1
fi
grep -q "INVALID_ARGUMENT" "$work/error"
# A request from standard input, and bad JSON as one line that says what is wrong.
call SuggestPlan - <"$src/tests/data/desk-worker-request.json" >"$work/stdin.json"
grep -q '"plan_id"' "$work/stdin.json"
if call SuggestPlan '{"patient_ref": "P-3", "findings": {' 2>"$work/bad"; then
  echo "bad JSON was sent"; exit 1
fi
[ "$(wc -l <"$work/bad")" -eq 1 ] && grep -q "^call: the request is not valid JSON for SuggestPlanRequest" "$work/bad" ||
  { echo "bad JSON error:"; cat "$work/bad"; exit 1; }
kill "$pid"; wait "$pid" 2>/dev/null || true

# TLS and mutual TLS, with a CA, server and client certificates made here.
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
(cd "$work" && openssl req -x509 $ec -keyout ca.key -out ca.pem -days 1 -subj /CN=call-test-ca &&
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext &&
  for who in server client; do
    openssl req $ec -keyout $who.key -out $who.csr -subj /CN=$who &&
      openssl x509 -req -in $who.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
        -extfile san.ext -out $who.pem
  done) >/dev/null 2>&1
start_modalisd --tls-cert "$work/server.pem" --tls-key "$work/server.key" --client-ca "$work/ca.pem"
port=${address##*:}
status=$("$src/scripts/call" --address "localhost:$port" --ca "$work/ca.pem" \
  --cert "$work/client.pem" --key "$work/client.key" GetStatus)
grep -q '"lower-back-pain"' <<<"$status"
if "$src/scripts/call" --address "localhost:$port" --ca "$work/ca.pem" GetStatus 2>/dev/null; then
  echo "a client without a certificate got through mutual TLS"; exit 1
fi
echo "python client: health, SuggestPlan, GetPlan, errors, standard input and TLS ok"
