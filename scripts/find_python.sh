#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8–3.10), or explain and fail.
set -euo pipefail
for candidate in "${PYTHON:-}" python3.10 "$(command -v pyenv >/dev/null 2>&1 && echo "$(pyenv root)/versions/3.10"*/bin/python | awk '{print $NF}')"; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    command -v "$candidate"
    exit 0
  fi
done
echo "Python 3.10 is required (Rasa 3.6 runs on 3.8-3.10) and was not found." >&2
echo "Install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv') or set PYTHON=/path/to/python3.10." >&2
exit 1
