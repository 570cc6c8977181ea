#!/usr/bin/env bash
# Prints the command of a Python 3 to use (3.10 or newer with --at-least 3.10, say).
#
# Order: $PYTHON if set; else python3; else python. Each must run and be Python 3: on
# Windows there is usually no python3 (python.org's installer and actions/setup-python make
# python.exe only, and a python3.exe in WindowsApps may be the Microsoft Store's stub, which
# runs nothing), and on some systems python is still Python 2.
set -euo pipefail
major=3 minor=0
if [ "${1:-}" = "--at-least" ] && [ -n "${2:-}" ]; then
  IFS=. read -r major minor <<<"$2"
fi
check="import sys; sys.exit(0 if sys.version_info[:2] >= ($major, ${minor:-0}) else 1)"
if [ -n "${PYTHON:-}" ]; then
  if "$PYTHON" -c "$check" >/dev/null 2>&1; then
    echo "$PYTHON"; exit 0
  fi
  echo "find-python: PYTHON=$PYTHON does not run, or is older than $major.${minor:-0}" >&2; exit 1
fi
for candidate in python3 python; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c "$check" >/dev/null 2>&1; then
    echo "$candidate"; exit 0
  fi
done
echo "find-python: no Python $major.${minor:-0} or newer (tried python3 and python); install" \
     "one, or set PYTHON=/path/to/python" >&2
exit 1
