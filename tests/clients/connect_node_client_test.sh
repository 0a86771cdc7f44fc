#!/usr/bin/env bash
# A Connect client nobody here wrote (tests/clients/connect-node: @connectrpc/connect-node, stubs
# generated from proto/ by @bufbuild/protoc-gen-es through buf) against the real modalisd's HTTP
# listener, over JSON and over binary protobuf.
# Usage: connect_node_client_test.sh BIN_DIR PLUGINS_DIR SOURCE_DIR
set -euo pipefail
bin=$1 plugins=$2 src=$3
pkg=$src/tests/clients/connect-node
if [ ! -x "$pkg/node_modules/.bin/buf" ]; then
  echo "connect-node client: run scripts/deps first (npm ci in $pkg)" >&2
  exit 1
fi
work=$(mktemp -d)
# Generated inside the package, so that its imports find the package's node_modules.
gen=$(mktemp -d -p "$pkg" .gen-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work" "$gen"' EXIT

"$bin/modalisd" --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --rules "$src/rules" \
  --plugins "$plugins" --db "$work/m.db" >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do
  grep -q "HTTP on" "$work/out" 2>/dev/null && break
  sleep 0.1
done
http=$(sed -n 's/.*HTTP on \([^ ]*\)$/\1/p' "$work/out")
[ -n "$http" ] || { echo "modalisd did not start:"; cat "$work/err"; exit 1; }

(cd "$pkg" && PATH=$pkg/node_modules/.bin:$PATH buf generate "$src/proto" \
  --template buf.gen.yaml -o "$gen")
node "$pkg/client.mjs" "http://$http" "$gen/gen"
