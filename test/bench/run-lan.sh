#!/usr/bin/env bash
# The LAN part of the benchmark, in its own network + mount namespace (see test/lan): as real
# root `unshare -nm`, which keeps the power to lower and raise a process's scheduling
# priority (the room bench's second light phase uses it); else `unshare -rnm`, a user
# namespace as well. Either way no packet leaves the namespace.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build >/dev/null
ns=(-rnm)
if [ "$(id -u)" = "0" ] && unshare -nm true 2>/dev/null; then ns=(-nm); fi
exec unshare "${ns[@]}" bash -c '
  mount -t tmpfs tmpfs /run
  mkdir -p /run/netns
  ip link set lo up
  export BATON_LAN_SANDBOX=1
  exec node --import tsx "${BENCH_LAN_SCRIPT:-test/bench/lan.ts}" "$@"
'
