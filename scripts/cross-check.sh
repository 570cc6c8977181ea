#!/usr/bin/env bash
# Type-checks and lints the whole workspace (every target: lib, bins, tests, benches) for each
# release platform other than this machine's, so code behind cfg(windows) or
# cfg(target_os = "macos") is compiled and held to clippy on every run of the test suite, not
# first on a hosted runner. ./scripts/test.sh runs it on linux_amd64, after the native clippy.
#
# Nothing is linked or run for those targets: their tests run on their own runners
# (.github/workflows/release.yml). The C parts of dependencies (aws-lc-sys, ring) need a C
# compiler for the target only to produce objects that a type check never reads, so this
# script hands them a stand-in compiler and archiver that write empty files.
#
# Needs rustup, which installs each target's standard library (a download of about 30 MB per
# target, once). CROSS_CHECK=0 skips the check outside CI; with CI=true that is an error.
#   ./scripts/cross-check.sh                 every release platform but this one
#   ./scripts/cross-check.sh darwin_arm64    the ones named
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/platform.sh

# Terraform's platform name -> Rust's target triple, for every platform the release
# workflow's matrix builds (tests/release_workflow.rs holds the two to each other).
release_targets() {
  cat <<'EOF'
linux_amd64 x86_64-unknown-linux-gnu
linux_arm64 aarch64-unknown-linux-gnu
darwin_amd64 x86_64-apple-darwin
darwin_arm64 aarch64-apple-darwin
windows_amd64 x86_64-pc-windows-msvc
EOF
}

if [ "${CROSS_CHECK:-1}" = 0 ]; then
  if [ "${CI:-}" = true ]; then
    echo "cross-check.sh: CROSS_CHECK=0 is not allowed with CI=true: CI checks every release platform" >&2
    exit 1
  fi
  echo "cross-check.sh: CROSS_CHECK=0: not checking the other release platforms"
  exit 0
fi

if [ "$#" -gt 0 ]; then
  wanted=" $* "
else
  wanted=" $(release_targets | awk -v me="$os_arch" '$1 != me { printf "%s ", $1 }') "
fi
triples=()
while read -r platform triple; do
  case "$wanted" in *" $platform "*)
    triples+=("$triple")
    wanted="${wanted/ $platform / }"
    ;;
  esac
done < <(release_targets)
if [ -n "${wanted// /}" ]; then
  echo "cross-check.sh: not a release platform:${wanted% }; they are: $(release_targets | awk '{ print $1 }' | paste -sd ' ' -)" >&2
  exit 2
fi

if ! command -v rustup >/dev/null 2>&1; then
  echo "cross-check.sh: rustup is not on PATH, and it is what installs the other platforms' standard libraries." >&2
  echo "  Install Rust with rustup (https://rustup.rs), or set CROSS_CHECK=0 to skip this check (not with CI=true)." >&2
  exit 1
fi
installed="$(rustup target list --installed)"
for triple in "${triples[@]}"; do
  if ! grep -qx "$triple" <<<"$installed"; then
    echo "cross-check.sh: rustup target add $triple"
    if ! rustup target add "$triple"; then
      echo "cross-check.sh: rustup could not install the standard library for $triple (see above; offline?)." >&2
      echo "  Run 'rustup target add $triple' when online, or set CROSS_CHECK=0 to skip this check (not with CI=true)." >&2
      exit 1
    fi
  fi
done

# The stand-in C toolchain: an empty object for every compile, an empty archive for every
# archive. Only a type check may use it: anything that links these would fail loudly.
stub="$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-cross-check.XXXXXX")"
trap 'rm -rf "$stub"' EXIT
cat >"$stub/cc" <<'EOF'
#!/bin/sh
# Stand-in C compiler for a type check (scripts/cross-check.sh): writes an empty output file.
out=""
prev=""
for arg in "$@"; do
  case "$prev" in -o) out="$arg" ;; esac
  case "$arg" in -Fo*) out="${arg#-Fo}" ;; esac
  prev="$arg"
done
if [ -n "$out" ]; then : >"$out"; fi
EOF
cat >"$stub/ar" <<'EOF'
#!/bin/sh
# Stand-in archiver for a type check (scripts/cross-check.sh): writes an empty archive.
for arg in "$@"; do
  case "$arg" in
    -out:*) out="${arg#-out:}"; break ;;
    *.a|*.lib) out="$arg"; break ;;
  esac
done
if [ -n "${out:-}" ]; then printf '!<arch>\n' >"$out"; fi
EOF
chmod +x "$stub/cc" "$stub/ar"

for triple in "${triples[@]}"; do
  lower="${triple//-/_}"
  echo "cross-check.sh: cargo clippy --target $triple (type check only)"
  env "CC_$lower=$stub/cc" "CXX_$lower=$stub/cc" "AR_$lower=$stub/ar" \
    AWS_LC_SYS_CMAKE_BUILDER=0 \
    cargo clippy --workspace --all-targets --locked --target "$triple" -- -D warnings
done
echo "cross-check.sh: ${#triples[@]} platform(s) type-checked and linted: ${triples[*]}"
