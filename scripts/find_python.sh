#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports 3.8–3.10), or explain and fail.
set -uo pipefail
candidates=("${PYTHON:-}" python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10)
if command -v pyenv >/dev/null 2>&1; then
  candidates+=("$(pyenv root)"/versions/3.10*/bin/python)
fi
candidates+=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python)
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] || continue
  if command -v "$candidate" >/dev/null 2>&1 \
    && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
    command -v "$candidate"
    exit 0
  fi
done
echo "Python 3.10 is required (Rasa 3.6 runs on 3.8-3.10) and was not found." >&2
echo "Install it (e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv') or set PYTHON=/path/to/python3.10." >&2
exit 1
