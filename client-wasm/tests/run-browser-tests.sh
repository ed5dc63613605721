#!/usr/bin/env bash
# The wasm-bindgen tests of agentcast-client (tests/browser.rs) in headless Chromium against a
# real `agentcast serve`. A browser test cannot start processes, so this starts the server
# (no auth; a low message rate so that a flood gets a socket disconnected by the server),
# bakes its URL into the test build (AGENTCAST_TEST_URL) and stops the server afterwards.
# Chromium's flags are in client-wasm/webdriver.json (read by wasm-bindgen-test-runner).
#
# Needs: target/debug/agentcast (or $AGENTCAST_BIN), the wasm32 target, chromedriver and
# wasm-bindgen-test-runner of the wasm-bindgen version in Cargo.lock. Extra arguments go to
# `cargo test`.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="${AGENTCAST_BIN:-$root/target/debug/agentcast}"
data="$(mktemp -d)"
RUST_LOG="${RUST_LOG:-warn}" "$bin" serve --bind 127.0.0.1:0 --data-dir "$data" --auth none \
  --connections-per-ip-per-s 0 --http-requests-per-ip-per-s 0 \
  --messages-per-socket-per-s 20 >"$data/stdout" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT

url=""
for _ in $(seq 200); do
  url="$(sed -n 's/^agentcast listening on //p' "$data/stdout")"
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "agentcast did not print its address within 20 s" >&2
  exit 1
fi
echo "agentcast for the browser tests: $url"

cd "$root/client-wasm"
AGENTCAST_TEST_URL="$url" \
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p agentcast-client --target wasm32-unknown-unknown "$@"
