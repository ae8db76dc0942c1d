#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (browsers cannot be downloaded here).
set -euo pipefail
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "Chromium is missing: run 'sudo apt-get install chromium' (needed by the browser tests)." >&2
  exit 1
fi
echo "Installing Debian's chromium for the browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
