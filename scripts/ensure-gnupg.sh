#!/usr/bin/env bash
# Prints the path of a GnuPG `gpg` to use, installing Debian's `gnupg` package when none is
# found. release.sh signs SHA256SUMS with it; the release tests make throwaway keys with it.
#
# Order: $GPG if set; else `gpg` on PATH; else `apt-get install gnupg` (as root, or through
# sudo without a password), which needs a reachable Debian/Ubuntu package mirror. Anything
# else: a message saying how to install it by hand.
# On Windows (Git Bash) the path printed is C:/...-style, which native programs read too.
set -euo pipefail
emit() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -m "$1"; else printf '%s\n' "$1"; fi
}

if [ -n "${GPG:-}" ]; then
  if [ -f "$GPG" ] && [ -x "$GPG" ]; then
    emit "$GPG"; exit 0
  fi
  if command -v "$GPG" >/dev/null 2>&1; then
    emit "$(command -v "$GPG")"; exit 0
  fi
  echo "ensure-gnupg: GPG=$GPG is not an executable; unset it or point it at gpg" >&2; exit 1
fi
if command -v gpg >/dev/null 2>&1; then
  emit "$(command -v gpg)"; exit 0
fi

how="install GnuPG 2 (Debian/Ubuntu: apt-get install gnupg; macOS: brew install gnupg;"
how="$how Windows: Git for Windows ships gpg) and put gpg on PATH, or set GPG=/path/to/gpg"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-gnupg: gpg is not on PATH and this system has no apt-get; $how" >&2; exit 1
fi
if [ "$(id -u)" = 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "ensure-gnupg: gpg is not on PATH, and installing it needs root (no passwordless sudo);" \
       "run: sudo apt-get install gnupg, or $how" >&2
  exit 1
fi

echo "ensure-gnupg: gpg is not on PATH; installing Debian's gnupg package with apt-get" >&2
if ! { ${as_root[@]+"${as_root[@]}"} apt-get update -qq >&2 &&
       ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -qq --no-install-recommends gnupg >&2; }; then
  echo "ensure-gnupg: apt-get could not install gnupg (no package mirror reachable?); $how" >&2
  exit 1
fi
command -v gpg >/dev/null 2>&1 || { echo "ensure-gnupg: gnupg installed but gpg is not on PATH; $how" >&2; exit 1; }
gpg --version | sed -n 1p >&2
emit "$(command -v gpg)"
