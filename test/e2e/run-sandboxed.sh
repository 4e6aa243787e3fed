#!/usr/bin/env bash
# Runs the UI tests inside a fresh user + network + mount namespace (the disk test mounts
# its own small tmpfs there): the headless peers and the
# browser share its loopback, with multicast turned on there so mDNS works and stays here.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent build >/dev/null
files=("$@")
if [ ${#files[@]} -eq 0 ]; then files=(test/e2e/*.test.ts); fi
exec unshare -rnm bash -c '
  ip link set lo up
  ip link set lo multicast on
  ip route add 224.0.0.0/4 dev lo
  export BATON_E2E_SANDBOX=1
  exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@"
' bash "${files[@]}"
