#!/usr/bin/env bash
# The LAN part of the benchmark, in its own user + network + mount namespace (see test/lan).
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build >/dev/null
exec unshare -rnm bash -c '
  mount -t tmpfs tmpfs /run
  mkdir -p /run/netns
  ip link set lo up
  export BATON_LAN_SANDBOX=1
  exec node --import tsx "${BENCH_LAN_SCRIPT:-test/bench/lan.ts}" "$@"
'
