#!/usr/bin/env bash
# Runs the LAN suite inside a fresh user + network + mount namespace, so that every
# packet (mDNS multicast included) stays inside namespaces this run made itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build >/dev/null
files=("$@")
if [ ${#files[@]} -eq 0 ]; then files=(test/lan/*.test.ts); fi
exec unshare -rnm bash -c '
  mount -t tmpfs tmpfs /run
  mkdir -p /run/netns
  ip link set lo up
  export BATON_LAN_SANDBOX=1
  exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@"
' bash "${files[@]}"
