#!/usr/bin/env bash
# Prints the path of a mitmproxy `mitmdump` to use, installing one into .tools/ when needed.
# The end-to-end tests of corporate networks (tests/e2e_networks.rs) run it as a real
# TLS-intercepting HTTPS proxy on 127.0.0.1 (tests/support/proxy.rs).
#
# Order: $MITMDUMP if set; else .tools/mitmproxy/bin/mitmdump, a Python virtual environment
# with mitmproxy 11.0.2 installed from PyPI with pip, every package pinned by
# scripts/mitmproxy-constraints.txt (the newest mitmproxy for Python 3.10 and 3.11). The venv
# is made again when the constraints change. Needs Python 3.10 or newer with venv and pip
# (scripts/find-python.sh: PYTHON, python3 or python). On Windows the path printed is
# C:/...-style, which native programs (cargo test) read too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/mitmproxy"
constraints="$root/scripts/mitmproxy-constraints.txt"
version="11.0.2"
# A path as native programs read it: on Windows (Git Bash), /c/x is C:/x to them.
emit() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else printf '%s\n' "$1"; fi
}

if [ -n "${MITMDUMP:-}" ]; then
  if [ -f "$MITMDUMP" ] && [ -x "$MITMDUMP" ]; then
    emit "$MITMDUMP"; exit 0
  fi
  if command -v "$MITMDUMP" >/dev/null 2>&1; then
    emit "$(command -v "$MITMDUMP")"; exit 0
  fi
  echo "ensure-mitmproxy: MITMDUMP=$MITMDUMP is not an executable;" \
       "unset it or point it at mitmdump" >&2
  exit 1
fi

# The venv is complete when its stamp names these constraints (written last, after pip).
stamp="$venv/.installed"
want="mitmproxy==$version $(cksum <"$constraints")"
# A venv keeps its programs in bin/, or Scripts/ on Windows.
mitmdump() {
  if [ -d "$venv/Scripts" ]; then echo "$venv/Scripts/mitmdump"; else echo "$venv/bin/mitmdump"; fi
}
if [ -x "$(mitmdump)" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  emit "$(mitmdump)"; exit 0
fi

if ! python="$("$root/scripts/find-python.sh" --at-least 3.10 2>/dev/null)"; then
  echo "ensure-mitmproxy: mitmproxy $version needs Python 3.10 or newer (found:" \
       "$(python3 --version 2>&1 || python --version 2>&1 || echo none)); install one (PYTHON" \
       "chooses it), or set MITMDUMP=/path/to/mitmdump" >&2
  exit 1
fi

echo "ensure-mitmproxy: installing mitmproxy $version into $venv" >&2
rm -rf "$venv"
mkdir -p "$(dirname "$venv")"
if ! "$python" -m venv "$venv" >&2; then
  echo "ensure-mitmproxy: python3 -m venv failed (Debian/Ubuntu: apt-get install python3-venv)" >&2
  exit 1
fi
"$(dirname "$(mitmdump)")/python" -m pip install --quiet --disable-pip-version-check \
  -c "$constraints" "mitmproxy==$version" >&2
"$(mitmdump)" --version | sed -n 1p >&2
printf '%s\n' "$want" >"$stamp"
emit "$(mitmdump)"
