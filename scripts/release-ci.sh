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
#   ./scripts/release-ci.sh trust-store         macOS and Windows runners: tries to add a probe
#                                               CA to the system's trust store (and removes it);
#                                               prints RELEASE_TESTS_TRUST_STORE=system when that
#                                               works, =refused (with a warning) when the runner
#                                               does not allow it (the HTTPS release tests then
#                                               say NOT RUN instead of failing after a timeout)
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
  trust-store)
    # Terraform (Go) trusts a CA on macOS and Windows only through the system's trust store
    # (tests/release_support/https.rs). Some macOS images refuse trust-settings changes
    # without a person to authorise them, or make the change wait for one forever.
    os="$(uname -s)"
    case "$os" in
      Darwin | MINGW* | MSYS* | CYGWIN*) ;;
      *) echo "release-ci: $os: Terraform reads SSL_CERT_FILE here; no trust store change needed" >&2
         echo "RELEASE_TESTS_TRUST_STORE="; exit 0 ;;
    esac
    probe="$(mktemp -d "${TMPDIR:-/tmp}/trust-probe.XXXXXX")"
    name="cloudhsm release tests trust probe $$"
    # Windows programs get C:/ paths, and Git Bash must not turn "/CN=..." into one.
    native() { cygpath -m "$1" 2>/dev/null || printf '%s' "$1"; }
    MSYS_NO_PATHCONV=1 openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$name" \
      -keyout "$(native "$probe/key.pem")" -out "$(native "$probe/ca.pem")" >/dev/null 2>&1 \
      || { say error "openssl could not make the probe certificate"; exit 1; }
    within() { perl -e 'alarm shift; exec @ARGV or die "$ARGV[0]: $!\n"' "$@"; } # seconds command...
    trusted=false
    if [ "$os" = Darwin ]; then
      # Lets root change admin trust settings without a password where the image allows it.
      within 60 sudo -n security authorizationdb write com.apple.trust-settings.admin allow \
        >"$probe/log" 2>&1 || true
      if within 120 sudo -n security add-trusted-cert -d -r trustRoot \
          -k /Library/Keychains/System.keychain "$probe/ca.pem" >>"$probe/log" 2>&1 \
        && security dump-trust-settings -d 2>>"$probe/log" | grep -q "$name"; then
        trusted=true
        within 60 sudo -n security remove-trusted-cert -d "$probe/ca.pem" >>"$probe/log" 2>&1 || true
      fi
    else
      if within 120 certutil -addstore -f Root "$(native "$probe/ca.pem")" >"$probe/log" 2>&1; then
        trusted=true
        within 60 certutil -delstore Root "$name" >>"$probe/log" 2>&1 || true
      fi
    fi
    if [ "$trusted" = true ]; then
      echo "release-ci: the system's trust store takes a test CA here" >&2
      echo "RELEASE_TESTS_TRUST_STORE=system"
    else
      sed 's/^/release-ci:   /' "$probe/log" >&2
      say warning "this runner refuses a test CA in the system's trust store; the HTTPS release tests (tests/registry.rs, tests/network_mirror.rs) will say NOT RUN here, and run on linux_amd64"
      echo "RELEASE_TESTS_TRUST_STORE=refused"
    fi
    rm -rf "$probe"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
