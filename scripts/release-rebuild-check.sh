#!/usr/bin/env bash
# Rebuilds the release archives of this commit from scratch and fails unless they are the
# same bytes as the ones already packed:
#
#   ./scripts/release-rebuild-check.sh [DIST_DIR] [-- release.sh arguments...]
#
# DIST_DIR (default dist/) holds what ./scripts/release.sh packed from this checkout. The
# commit (git archive HEAD) is unpacked at another path, with an empty target directory of
# its own, and packed again by its own scripts/release.sh (release profile, unsigned, the same
# SOURCE_DATE_EPOCH); every zip, and SHA256SUMS when DIST_DIR has one, must match byte for
# byte. A difference is explained (scripts/release-pack.py diff): the binary itself (the
# build is not reproducible) or only the zip's packing. The release workflow runs this on
# each platform's runner before the archive may be signed; scripts/release-workflow-local.sh
# runs it here.
#
# REBUILD_DIR chooses where the rebuild happens (default: a new temporary directory, removed
# afterwards; KEEP_REBUILD=1 keeps it). Needs git, tar, and what release.sh needs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

dist="$root/dist"
if [ $# -gt 0 ] && [ "$1" != "--" ]; then dist="$1"; shift; fi
[ "${1:-}" = "--" ] && shift
release_args=("$@")
dist="$(cd "$dist" && pwd)"

die() { echo "rebuild-check: $*" >&2; exit 1; }
python="$("$root/scripts/find-python.sh")"
native_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -w "$1"; else printf '%s\n' "$1"; fi
}

commit="$(git rev-parse HEAD)" || die "$root is not a git checkout"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  die "the working tree has uncommitted changes, so $dist is not what commit $commit builds;" \
      "commit (or stash) them and pack again"
fi
zips=()
for zip in "$dist"/terraform-provider-cloudhsm_*_*.zip; do
  [ -f "$zip" ] && zips+=("$(basename "$zip")")
done
[ ${#zips[@]} -gt 0 ] || die "no archive in $dist to compare; run ./scripts/release.sh first"
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}"

if [ -n "${REBUILD_DIR:-}" ]; then
  work="$REBUILD_DIR"
  [ ! -e "$work" ] || [ -z "$(ls -A "$work")" ] || die "REBUILD_DIR=$work is not empty"
  mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/release-rebuild.XXXXXX")"
  [ "${KEEP_REBUILD:-}" = 1 ] || trap 'rm -rf "$work"' EXIT
fi
# Another path than the checkout's, of another length: a path that leaks into the binary
# shows as a difference.
checkout="$work/elsewhere/terraform-provider-cloudhsm"
mkdir -p "$checkout"
git archive --format=tar "$commit" | tar -xf - -C "$checkout"
echo "rebuild-check: rebuilding commit $commit in $checkout (empty target directory)"
(
  cd "$checkout"
  unset GPG_SIGNING_KEY GPG_PASSPHRASE
  SOURCE_DATE_EPOCH="$epoch" DIST_DIR="$work/dist" CARGO_TARGET_DIR="$work/target" \
    bash ./scripts/release.sh --profile release ${release_args[@]+"${release_args[@]}"}
) || die "the rebuild failed (output above)"

different=0
for zip in "${zips[@]}"; do
  if [ ! -f "$work/dist/$zip" ]; then
    echo "rebuild-check: the rebuild made no $zip" >&2; different=1; continue
  fi
  if cmp -s "$dist/$zip" "$work/dist/$zip"; then
    echo "rebuild-check: $zip: the same bytes"
  else
    "$python" "$(native_path "$root/scripts/release-pack.py")" diff \
      "$(native_path "$dist/$zip")" "$(native_path "$work/dist/$zip")" >&2 || true
    different=1
  fi
done
for sums in "$dist"/terraform-provider-cloudhsm_*_SHA256SUMS; do
  [ -f "$sums" ] || continue
  name="$(basename "$sums")"
  if cmp -s "$sums" "$work/dist/$name"; then
    echo "rebuild-check: $name: the same bytes"
  else
    echo "rebuild-check: $name differs from the rebuild's:" >&2
    diff "$sums" "$work/dist/$name" >&2 || true
    different=1
  fi
done
if [ "$different" != 0 ]; then
  die "the archives of commit $commit are not what a clean rebuild gives; not publishable"
fi
echo "rebuild-check: every archive is byte for byte what a clean rebuild of $commit gives"
