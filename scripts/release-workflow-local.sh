#!/usr/bin/env bash
# Runs the Linux leg of .github/workflows/release.yml on this machine, step by step and with
# the same scripts, as far as a machine without GitHub's services allows:
#
#   test job (linux_amd64 here):
#     1. checkout          a clone of HEAD at a temporary path (uncommitted changes are not in it)
#     2. check-tag         ./scripts/release-ci.sh check-tag v<version> (HEAD's v* tag if it has one;
#                          CHANGELOG.md must have the version's notes)
#     3. Rust              rustc here, compared with the workflow's RUST_TOOLCHAIN
#     4. Python            ./scripts/find-python.sh
#     5. Terraform         ./scripts/ensure-terraform.sh (the workflow: hashicorp/setup-terraform)
#     5b. trust store      ./scripts/release-ci.sh trust-store (the workflow runs it on macOS and
#                          Windows only): on Linux it must say that SSL_CERT_FILE serves
#     6. test suite        ./scripts/test.sh in the clone (--skip-test-suite: not again; test.sh,
#                          which runs this script last, has just run it)
#     6b. free disk        ./scripts/release-ci.sh free-disk, on a stand-in target directory (this
#                          machine's debug builds stay)
#     7. pack              ./scripts/release.sh (release profile)
#     8. rebuild check     ./scripts/release-rebuild-check.sh dist: a clean rebuild at another
#                          path must give the same bytes
#     9. checksum          ./scripts/release-ci.sh checksum dist
#    10. upload            the zip and its .sha256 copied to the artifacts directory
#   sign job (as the dry run signs: the same scripts as a release, with a throwaway key):
#    11. check-tag         ./scripts/release-ci.sh check-tag again (the sign job says why every leg
#                          failed when the tag is wrong)
#    12. download         the artifacts merged into a dist directory of its own
#    13. platforms         ./scripts/release-ci.sh platforms; it must refuse a corrupted download
#                          and an archive without its leg's checksum
#    14. secrets           ./scripts/release-ci.sh throwaway-secrets: an RSA key with a
#                          passphrase, armored, as the release environment's secrets hold one
#    15. signing key       ./scripts/release-ci.sh import-key into an empty keyring
#    16. checksum and sign ./scripts/release.sh --assemble with the passphrase; then gpg --verify
#                          with the public key alone, and every SHA256SUMS line checked
#    17. forget the key    ./scripts/release-ci.sh forget-key: the keyring must be gone
#    18. attestation       not here (actions/attest-build-provenance needs GitHub's OIDC token):
#                          the subjects it would attest are listed and must exist
#    19. release notes     ./scripts/release-ci.sh notes <version>
#    20. draft             ./scripts/release-ci.sh draft v<version> dist with a stand-in for gh
#                          (no GitHub here) that has a stale draft of the tag: the draft must be
#                          deleted, then created with exactly publish.txt's files and the notes,
#                          which begin with the platforms it lacks; a tag moved to another
#                          commit must stop it
#
# Usage: ./scripts/release-workflow-local.sh [--skip-test-suite] [--keep]
# Needs what the workflow's Linux runner has: bash, git, cargo, Python 3, gpg, unzip.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

run_suite=true
keep=false
for arg in "$@"; do
  case "$arg" in
    --skip-test-suite) run_suite=false ;;
    --keep) keep=true ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release-workflow-local: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done

step=0
say() { step=$((step + 1)); echo "release-workflow-local: step $step: $*"; }
die() { echo "release-workflow-local: FAILED at step $step: $*" >&2; exit 1; }
workflow="$root/.github/workflows/release.yml"
name=terraform-provider-cloudhsm
platform=linux_amd64
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) die "this replays the workflow's linux_amd64 leg; run it on Linux x86_64" ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/release-workflow.XXXXXX")"
homes=()
cleanup() {
  local status=$?
  for home in ${homes[@]+"${homes[@]}"}; do
    GNUPGHOME="$home" gpgconf --kill gpg-agent >/dev/null 2>&1 || true
  done
  if $keep; then echo "release-workflow-local: kept $work" >&2; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT

# ---- test job ------------------------------------------------------------------------------
say "checkout: a clone of HEAD at $work/checkout"
commit="$(git rev-parse HEAD)"
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "release-workflow-local: note: uncommitted changes are not in the clone of $commit" >&2
fi
git clone --quiet --no-hardlinks "$root" "$work/checkout"
git -C "$work/checkout" checkout --quiet --detach "$commit"
checkout="$work/checkout"

version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$checkout/Cargo.toml" | head -n 1)"
tag="$(git -C "$checkout" tag --points-at HEAD --list 'v*' | head -n 1)"
say "the tag is the version in Cargo.toml (${tag:-no v* tag on HEAD: as for v$version})"
(cd "$checkout" && ./scripts/release-ci.sh check-tag "${tag:-v$version}") || die "check-tag"

say "Rust: $(rustc -V)"
pinned="$(sed -n 's/^  RUST_TOOLCHAIN: "\(.*\)"$/\1/p' "$workflow")"
[ -n "$pinned" ] || die "the workflow pins no RUST_TOOLCHAIN"
here="$(rustc -V | awk '{ print $2 }')"
if [ "$here" != "$pinned" ]; then
  echo "release-workflow-local: warning: rustc $here here, the workflow builds with $pinned:" \
       "the archives below are reproducible among themselves, not byte for byte the workflow's" >&2
fi

say "Python: $("$("$checkout/scripts/find-python.sh")" --version 2>&1)"

say "Terraform: $("$("$checkout/scripts/ensure-terraform.sh")" version | sed -n 1p)"

say "trust store: ./scripts/release-ci.sh trust-store"
trust="$(cd "$checkout" && ./scripts/release-ci.sh trust-store)" || die "trust-store"
[ "$trust" = "RELEASE_TESTS_TRUST_STORE=" ] \
  || die "release-ci.sh trust-store printed '$trust' on Linux, where Terraform reads SSL_CERT_FILE"

if $run_suite; then
  say "test suite: ./scripts/test.sh"
  (cd "$checkout" && RELEASE_WORKFLOW_LOCAL=0 ./scripts/test.sh) || die "the test suite failed"
else
  say "test suite: not again (--skip-test-suite: scripts/test.sh has just run it)"
fi

say "room for the release builds: ./scripts/release-ci.sh free-disk (on a stand-in target directory)"
mkdir -p "$work/stand-in-target/debug/deps" "$work/stand-in-target/release"
(cd "$checkout" && CARGO_TARGET_DIR="$work/stand-in-target" ./scripts/release-ci.sh free-disk) || die "free-disk"
[ ! -e "$work/stand-in-target/debug" ] && [ -d "$work/stand-in-target/release" ] \
  || die "free-disk did not remove the debug builds alone"

# The runner's checkout has no target directory; here the pack may reuse this checkout's
# (the rebuild check that follows starts from an empty one either way).
target="${CARGO_TARGET_DIR:-$root/target}"
say "pack the archive: ./scripts/release.sh (release profile, CARGO_TARGET_DIR=$target)"
(cd "$checkout" && env -u GPG_SIGNING_KEY -u TESTED_PLATFORMS CARGO_TARGET_DIR="$target" \
  TESTED_PLATFORMS="$platform" ./scripts/release.sh) || die "release.sh"
zip="${name}_${version}_${platform}.zip"
[ -f "$checkout/dist/$zip" ] || die "release.sh made no dist/$zip"

say "rebuild from a clean target at another path: ./scripts/release-rebuild-check.sh dist"
(cd "$checkout" && env -u CARGO_TARGET_DIR TESTED_PLATFORMS="$platform" ./scripts/release-rebuild-check.sh dist) \
  || die "the archive is not what a clean rebuild gives"

say "the archive's checksum: ./scripts/release-ci.sh checksum dist"
(cd "$checkout" && ./scripts/release-ci.sh checksum dist) || die "checksum"
[ -s "$checkout/dist/$zip.sha256" ] || die "release-ci.sh checksum wrote no dist/$zip.sha256"

say "upload the archive and its checksum (artifact archive-$platform)"
mkdir -p "$work/artifacts/archive-$platform"
cp "$checkout/dist/$zip" "$checkout/dist/$zip.sha256" "$work/artifacts/archive-$platform/"

# ---- sign job ------------------------------------------------------------------------------
say "the tag again, in the sign job: ./scripts/release-ci.sh check-tag"
(cd "$checkout" && ./scripts/release-ci.sh check-tag "${tag:-v$version}") || die "check-tag"

say "download the archives (merge-multiple) into the sign job's dist"
dist="$work/sign/dist"
mkdir -p "$dist"
cp "$work"/artifacts/archive-*/* "$dist/"

say "the platforms whose tests passed: ./scripts/release-ci.sh platforms"
# A download that went wrong, and an archive without its leg's checksum, are refused first.
for broken in corrupted unchecked; do
  mkdir -p "$work/$broken"
  cp "$dist/$zip" "$dist/$zip.sha256" "$work/$broken/"
  case "$broken" in
    corrupted) printf 'x' >>"$work/$broken/$zip" ;;
    unchecked) rm "$work/$broken/$zip.sha256" ;;
  esac
  if (cd "$checkout" && ./scripts/release-ci.sh platforms "$work/$broken") >/dev/null 2>&1; then
    die "release-ci.sh platforms took a $broken archive"
  fi
done
outputs="$(cd "$checkout" && ./scripts/release-ci.sh platforms "$dist")" || die "platforms"
tested="$(printf '%s\n' "$outputs" | sed -n 's/^platforms=//p')"
[ "$tested" = "$platform" ] || die "platforms answered '$outputs'"
[ ! -e "$dist/$zip.sha256" ] || die "platforms left $zip.sha256 among the files to sign"

say "secrets: ./scripts/release-ci.sh throwaway-secrets (a key with a passphrase, armored)"
command -v gpg >/dev/null 2>&1 || die "gpg is needed (./scripts/ensure-gnupg.sh)"
signer="$(mktemp -d /tmp/gpg-sign.XXXXXX)"; homes+=("$signer")
verifier="$(mktemp -d /tmp/gpg-verify.XXXXXX)"; homes+=("$verifier")
chmod 700 "$signer" "$verifier"
uid="release-workflow-local <release-workflow-local@example.invalid>"
(cd "$checkout" && ./scripts/release-ci.sh throwaway-secrets "$uid") >"$work/secrets.env" \
  || die "gpg could not make a key"
# $GITHUB_ENV's format: NAME=value, or NAME<<DELIMITER, the lines, DELIMITER.
while IFS= read -r line; do
  case "$line" in
    *'<<'*)
      var="${line%%<<*}"; delimiter="${line#*<<}"; value=""
      while IFS= read -r more && [ "$more" != "$delimiter" ]; do value="$value$more"$'\n'; done
      export "$var=${value%$'\n'}" ;;
    *=*) export "${line%%=*}=${line#*=}" ;;
  esac
done <"$work/secrets.env"
rm -f "$work/secrets.env"
for secret in GPG_PRIVATE_KEY GPG_FINGERPRINT GPG_PASSPHRASE; do
  [ -n "${!secret:-}" ] || die "throwaway-secrets gave no $secret"
done
case "$GPG_PRIVATE_KEY" in
  "-----BEGIN PGP PRIVATE KEY BLOCK-----"*) ;;
  *) die "throwaway-secrets' GPG_PRIVATE_KEY is not an armored secret key" ;;
esac

say "import the signing key: ./scripts/release-ci.sh import-key (into an empty keyring)"
imported="$(cd "$checkout" && GNUPGHOME="$signer" ./scripts/release-ci.sh import-key)" || die "import-key"
[ "$imported" = "GPG_SIGNING_KEY=$GPG_FINGERPRINT" ] || die "import-key printed '$imported'"
# A fingerprint pasted with spaces and a newline is the same key; another one is refused.
spaced="$(printf '%s' "$GPG_FINGERPRINT" | sed 's/..../& /g')"$'\n'
[ "$(cd "$checkout" && GNUPGHOME="$signer" GPG_FINGERPRINT="$spaced" ./scripts/release-ci.sh import-key 2>/dev/null)" = "$imported" ] \
  || die "import-key does not take the fingerprint with spaces and a newline"
if (cd "$checkout" && GNUPGHOME="$signer" GPG_FINGERPRINT="$(printf '%040d' 0)" ./scripts/release-ci.sh import-key) >/dev/null 2>&1; then
  die "import-key took a fingerprint the key does not have"
fi
GNUPGHOME="$signer" gpg --batch --armor --export "$GPG_FINGERPRINT" | GNUPGHOME="$verifier" gpg --batch --quiet --import 2>/dev/null

say "checksum and sign: ./scripts/release.sh --assemble (with the key's passphrase)"
(cd "$checkout" && GNUPGHOME="$signer" GPG_SIGNING_KEY="$GPG_FINGERPRINT" TESTED_PLATFORMS="$tested" \
  DIST_DIR="$dist" ./scripts/release.sh --assemble) || die "release.sh --assemble"
sums="${name}_${version}_SHA256SUMS"
GNUPGHOME="$verifier" gpg --batch --verify "$dist/$sums.sig" "$dist/$sums" 2>/dev/null \
  || die "gpg --verify with the public key alone refuses $sums.sig"
python="$("$checkout/scripts/find-python.sh")"
(cd "$dist" && "$python" - "$sums" <<'EOF'
import hashlib, sys
lines = open(sys.argv[1], "rb").read().decode().splitlines()
assert lines, "SHA256SUMS is empty"
for line in lines:
    digest, name = line.split("  ", 1)
    actual = hashlib.sha256(open(name, "rb").read()).hexdigest()
    assert digest == actual, "%s: SHA256SUMS says %s, the file is %s" % (name, digest, actual)
print("release-workflow-local: SHA256SUMS matches its %d files" % len(lines))
EOF
) || die "SHA256SUMS does not match its files"

say "forget the signing key: ./scripts/release-ci.sh forget-key"
(cd "$checkout" && GNUPGHOME="$signer" ./scripts/release-ci.sh forget-key) || die "forget-key"
[ ! -e "$signer" ] || die "forget-key left the keyring $signer"
unset GPG_PRIVATE_KEY GPG_PASSPHRASE GPG_FINGERPRINT

say "build provenance: not here (actions/attest-build-provenance needs GitHub's OIDC token)"
subjects=$(sed -n '/attest-build-provenance/,/^      - name/p' "$workflow" | sed -n 's|^ *\(dist/[^ ]*\)$|\1|p')
[ -n "$subjects" ] || die "the workflow attests no dist/ subjects"
for pattern in $subjects; do
  matched=false
  for file in "$work/sign/"$pattern; do
    [ -f "$file" ] && { matched=true; echo "release-workflow-local:   would attest $(basename "$file")"; }
  done
  $matched || die "the attestation's subject $pattern matches no file"
done

say "release notes: ./scripts/release-ci.sh notes $version"
(cd "$checkout" && ./scripts/release-ci.sh notes "$version" >"$work/notes.md") || die "no release notes"

say "draft the release: ./scripts/release-ci.sh draft (gh is a stand-in here: no GitHub)"
[ -f "$dist/publish.txt" ] || die "release.sh --assemble wrote no publish.txt"
expected="$(printf '%s\n' "$zip" "$sums" "$sums.sig" "${name}_${version}_manifest.json")"
[ "$(cat "$dist/publish.txt")" = "$expected" ] || die "publish.txt is not: $expected"
# The stand-in knows one stale draft of the tag (a re-run) and which commit the tag names
# (FAKE_GH_TAGGED), logs every call, and for create checks that each file it is given is in
# its working directory and keeps the notes.
fake="$work/fake-gh"; mkdir -p "$fake"
cat >"$fake/gh" <<'GH'
#!/usr/bin/env bash
echo "gh $*" >>"$FAKE_GH_LOG"
case "$1 $2" in
  "api repos/"*) echo "$FAKE_GH_TAGGED" ;;
  "release view") [ -f "$FAKE_GH_LOG.deleted" ] && { echo "release not found" >&2; exit 1; }; echo true ;;
  "release delete") touch "$FAKE_GH_LOG.deleted" ;;
  "release create")
    shift 2; files=false
    while [ $# -gt 0 ]; do
      if $files; then [ -f "$1" ] || { echo "gh: no file $1 in $(pwd)" >&2; exit 1; }
      elif [ "$1" = --notes-file ]; then shift; [ -s "$1" ] || { echo "gh: empty notes" >&2; exit 1; }
        cp "$1" "$FAKE_GH_LOG.notes"; files=true
      fi
      shift
    done ;;
  *) exit 2 ;;
esac
GH
chmod +x "$fake/gh"
log="$work/fake-gh.log"
draft() { # log file, the commit the tag names
  (cd "$checkout" && PATH="$fake:$PATH" FAKE_GH_LOG="$1" FAKE_GH_TAGGED="$2" GITHUB_SHA="$commit" \
    GITHUB_REPOSITORY=cloudhsm-iac/terraform-provider-cloudhsm ./scripts/release-ci.sh draft "v$version" "$dist")
}
if draft "$log.moved" "$(printf '%040d' 1)" 2>/dev/null; then
  die "release-ci.sh draft drafted archives of $commit on a tag that names another commit"
fi
grep -q "^gh release create" "$log.moved" && die "release-ci.sh draft created a release for a moved tag"
draft "$log" "$commit" || die "release-ci.sh draft"
grep -q "^gh release delete v$version --yes$" "$log" || die "the stale draft was not deleted: $(cat "$log")"
created="$(grep "^gh release create " "$log")" || die "no release was created: $(cat "$log")"
case "$created" in
  "gh release create v$version --draft --verify-tag --title v$version --notes-file "*" $(echo $expected)") ;;
  *) die "the draft is not made of publish.txt's files: $created" ;;
esac
# This leg is one of five: the notes say which four the draft lacks, then the changelog's.
head -n 1 "$log.notes" | grep -q "^\*\*Not in this release:\*\* linux_arm64, darwin_amd64, darwin_arm64, windows_amd64 " \
  || die "the draft's notes do not begin with the platforms it lacks: $(head -n 1 "$log.notes")"
grep -qxF "$(cd "$checkout" && ./scripts/release-ci.sh notes "$version" | head -n 1)" "$log.notes" \
  || die "the draft's notes lack CHANGELOG.md's for $version"
# Without a signature there is no publish.txt, and no draft.
mkdir -p "$work/unsigned"
if (cd "$checkout" && PATH="$fake:$PATH" FAKE_GH_LOG="$log.unsigned" ./scripts/release-ci.sh draft "v$version" "$work/unsigned") 2>/dev/null; then
  die "release-ci.sh draft drafted a release with no publish.txt"
fi
[ ! -e "$log.unsigned" ] || die "release-ci.sh draft called gh without a publish.txt"

echo "release-workflow-local: the workflow's linux_amd64 leg passed: $zip rebuilt byte for byte," \
     "signed ($sums.sig verifies), release notes for $version"
