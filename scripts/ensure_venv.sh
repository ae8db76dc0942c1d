#!/usr/bin/env bash
# Create .venv with Python 3.10 and install requirements.lock; a stamp keeps this instant when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
lock_hash=$(sha256sum requirements.lock | cut -d' ' -f1)
stamp=.venv/.installed-lock
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ]; then
  exit 0
fi
python=$(scripts/find_python.sh)
if [ ! -x .venv/bin/python ]; then
  echo "Creating .venv with $python"
  "$python" -m venv .venv
fi
echo "Installing dependencies from requirements.lock (a few minutes the first time)"
# (Some machines list package mirrors that do not exist; pip's "Location ... is ignored" lines are noise.)
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock \
  2> >(grep -v "^WARNING: Location .* is ignored" >&2)
.venv/bin/python -m pip check
echo "$lock_hash" > "$stamp"
