#!/usr/bin/env bash
# Builds release archives the way the Terraform Registry (and a filesystem_mirror) expects:
#
#   dist/terraform-provider-cloudhsm_<version>_<os>_<arch>.zip   holding terraform-provider-cloudhsm_v<version>
#   dist/terraform-provider-cloudhsm_<version>_SHA256SUMS        sha256 of every zip and the manifest
#   dist/terraform-provider-cloudhsm_<version>_manifest.json     copy of terraform-registry-manifest.json
#   dist/terraform-registry-manifest.json                        {"version":1,"metadata":{"protocol_versions":["6.0"]}}
#
# Usage: ./scripts/release.sh [--profile release|dev] [--target <rust target triple>]...
#        PROFILE=dev ./scripts/release.sh         (reuse the debug build, e.g. in tests)
#        DIST_DIR=/elsewhere ./scripts/release.sh
#
# Platforms: linux_amd64 (x86_64-unknown-linux-gnu) is the only platform this project builds
# and tests. Without --target the script builds for the machine it runs on; --target passes
# another Rust target triple to cargo and names the archive after it (e.g.
# aarch64-apple-darwin -> darwin_arm64), which needs that target's std and linker installed.
# An archive for any platform other than linux_amd64 is NOT tested, and the script says so
# when it builds one: test it on that platform yourself before publishing it.
# For the public registry, sign the SHA256SUMS file with your GPG key
# (gpg --detach-sign dist/..._SHA256SUMS) and upload all of dist/ as a GitHub release.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

profile="${PROFILE:-release}"
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) [ $# -ge 2 ] || { echo "release: --profile needs release or dev" >&2; exit 2; }
               profile="$2"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --target) [ $# -ge 2 ] || { echo "release: --target needs a Rust target triple" >&2; exit 2; }
              targets+=("$2"); shift 2 ;;
    --target=*) targets+=("${1#--target=}"); shift ;;
    -h|--help) sed -n '2,/^[^#]/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release) cargo_profile=(--release); profile_dir=release ;;
  dev|debug) cargo_profile=(); profile_dir=debug ;;
  *) echo "release: PROFILE/--profile must be release or dev, not $profile" >&2; exit 2 ;;
esac

for tool in cargo zip sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || { echo "release: $tool is needed but not on PATH; install it and retry" >&2; exit 1; }
done

name=terraform-provider-cloudhsm
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[ -n "$version" ] || { echo "release: no version = \"...\" line in Cargo.toml" >&2; exit 1; }
dist="${DIST_DIR:-$root/dist}"
target_root="${CARGO_TARGET_DIR:-$root/target}"

# Terraform's os_arch for a Rust target triple.
os_arch() {
  local os arch
  case "$1" in
    *-linux-*) os=linux ;;
    *-apple-darwin) os=darwin ;;
    *-windows-*) os=windows ;;
    *-freebsd*) os=freebsd ;;
    *) echo "release: do not know Terraform's OS name for target $1" >&2; return 1 ;;
  esac
  case "$1" in
    x86_64-*) arch=amd64 ;;
    aarch64-*) arch=arm64 ;;
    i686-*) arch=386 ;;
    armv7-*|arm-*) arch=arm ;;
    *) echo "release: do not know Terraform's architecture name for target $1" >&2; return 1 ;;
  esac
  echo "${os}_${arch}"
}

host="$(rustc -vV | sed -n 's/^host: //p')"
[ ${#targets[@]} -gt 0 ] || targets=("$host")
# The one target the project builds and tests; see the header.
tested_target=x86_64-unknown-linux-gnu

mkdir -p "$dist"
rm -f "$dist/${name}_${version}_"*
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

for target in "${targets[@]}"; do
  platform="$(os_arch "$target")"
  if [ "$target" != "$tested_target" ]; then
    echo "release: warning: $target ($platform) is not built or tested by this project; test the archive on $platform before publishing it" >&2
  fi
  if [ "$target" = "$host" ]; then
    cargo build --locked "${cargo_profile[@]}" -p "$name" --bin "$name"
    built="$target_root/$profile_dir/$name"
  else
    cargo build --locked "${cargo_profile[@]}" -p "$name" --bin "$name" --target "$target"
    built="$target_root/$target/$profile_dir/$name"
  fi
  exe=""
  case "$target" in *-windows-*) exe=".exe" ;; esac
  [ -f "$built$exe" ] || { echo "release: cargo did not produce $built$exe" >&2; exit 1; }
  dir="$stage/$platform"
  mkdir -p "$dir"
  cp "$built$exe" "$dir/${name}_v${version}${exe}"
  chmod 0755 "$dir/${name}_v${version}${exe}"
  zipfile="$dist/${name}_${version}_${platform}.zip"
  (cd "$dir" && zip -q -X "$zipfile" "${name}_v${version}${exe}")
  echo "release: built $zipfile"
done

printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' \
  >"$dist/terraform-registry-manifest.json"
cp "$dist/terraform-registry-manifest.json" "$dist/${name}_${version}_manifest.json"
(cd "$dist" && sha256sum "${name}_${version}_"*.zip "${name}_${version}_manifest.json" \
  >"${name}_${version}_SHA256SUMS")
echo "release: wrote $dist/${name}_${version}_SHA256SUMS and terraform-registry-manifest.json"
echo "release: to try it, unzip into <mirror>/registry.terraform.io/cloudhsm-iac/cloudhsm/$version/<os_arch>/"
echo "         and use provider_installation { filesystem_mirror { path = \"<mirror>\" } }"
