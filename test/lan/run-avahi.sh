#!/usr/bin/env bash
# Discovery beside the OS's own mDNS responder: avahi-daemon runs in one laptop's network
# namespace. avahi-daemon must chown its runtime directory, which a user namespace does not
# allow, so this runs under `unshare -nm` as real root (a private network and mount
# namespace: no packet leaves it). Elsewhere it prints a SKIP line.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != "0" ]; then
  echo "# SKIP: the avahi-daemon test needs real root for unshare -nm (running as $(id -un))"
  exit 0
fi
if ! command -v avahi-daemon >/dev/null 2>&1; then
  echo "# SKIP: no avahi-daemon on this machine (apt-get install avahi-daemon)"
  exit 0
fi
if ! unshare -nm true 2>/dev/null; then
  echo "# SKIP: unshare -nm is not allowed here"
  exit 0
fi
npm run --silent build >/dev/null
exec unshare -nm bash -c '
  mount -t tmpfs tmpfs /run
  mkdir -p /run/netns
  ip link set lo up
  export BATON_LAN_SANDBOX=1 BATON_AVAHI_SANDBOX=1
  exec node --import tsx --test --test-reporter=spec test/lan/avahi.test.ts
'
