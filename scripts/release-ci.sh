#!/usr/bin/env bash
# The steps of .github/workflows/release.yml that are more than one command, as scripts, so
# that scripts/release-workflow-local.sh runs exactly what the workflow runs:
#
#   ./scripts/release-ci.sh check-tag TAG       TAG (v<version>) names the version in Cargo.toml
#   ./scripts/release-ci.sh platforms DIST_DIR  prints platforms=<the platforms with an archive in
#                                               DIST_DIR>, warns for each release platform left
#                                               out, fails without linux_amd64
#   ./scripts/release-ci.sh notes VERSION       prints CHANGELOG.md's section for VERSION
#                                               (without its heading); fails when it has none
#
# Warnings and errors use GitHub's ::warning:: / ::error:: form under GitHub Actions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The platforms every release is built for, as the workflow's matrix names them.
PLATFORMS="linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64"

say() { # level message
  if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::$1::$2" >&2; else echo "release-ci: $1: $2" >&2; fi
}
version() { sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1; }

case "${1:-}" in
  check-tag)
    tag="${2:?check-tag needs the tag}"
    version="$(version)"
    if [ "v$version" != "$tag" ]; then
      say error "tag $tag, but Cargo.toml says version $version; bump one of them"
      exit 1
    fi
    echo "release-ci: tag $tag is version $version"
    ;;
  platforms)
    dist="${2:?platforms needs the directory of the archives}"
    found=""
    for zip in "$dist"/terraform-provider-cloudhsm_*_*.zip; do
      [ -f "$zip" ] || continue
      platform="$(basename "$zip" .zip | sed 's/^terraform-provider-cloudhsm_[^_]*_//')"
      found="$found $platform"
    done
    echo "release-ci: archives for:${found:- none}" >&2
    for wanted in $PLATFORMS; do
      case " $found " in
        *" $wanted "*) ;;
        *) say warning "no $wanted archive: its tests failed or did not run; it is left out of this release" ;;
      esac
    done
    case " $found " in
      *" linux_amd64 "*) ;;
      *) say error "no linux_amd64 archive; not releasing"; exit 1 ;;
    esac
    echo "platforms=${found# }"
    ;;
  notes)
    version="${2:?notes needs the version}"
    notes="$(awk -v v="$version" '/^## / { inside = ($2 == v); next } inside' "$root/CHANGELOG.md")"
    if [ -z "$(printf '%s' "$notes" | tr -d '[:space:]')" ]; then
      say error "CHANGELOG.md has no '## $version' section (or it is empty)"
      exit 1
    fi
    printf '%s\n' "$notes"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
