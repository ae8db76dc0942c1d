#!/usr/bin/env bash
# Debian packages the tests use: Chromium for the browser tests (driven by Playwright; browsers cannot be
# downloaded here) and Poppler's pdftotext, which cross-checks the declaration PDF's text.
set -euo pipefail
missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "Missing Debian packages for the tests: run 'sudo apt-get install ${missing[*]}'." >&2
  exit 1
fi
echo "Installing Debian packages for the tests: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
