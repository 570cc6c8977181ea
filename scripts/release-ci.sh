#!/usr/bin/env bash
# The steps of .github/workflows/release.yml that are more than one command, as scripts, so
# that scripts/release-workflow-local.sh runs exactly what the workflow runs:
#
#   ./scripts/release-ci.sh check-tag TAG       TAG (v<version>) names the version in Cargo.toml,
#                                               and CHANGELOG.md has that version's notes
#   ./scripts/release-ci.sh platforms DIST_DIR  prints platforms=<the platforms with an archive in
#                                               DIST_DIR>, warns for each release platform left
#                                               out, fails without linux_amd64 and for an
#                                               archive that is not what its leg checksummed
#                                               (its <zip>.sha256, then removed)
#   ./scripts/release-ci.sh notes VERSION       prints CHANGELOG.md's section for VERSION
#                                               (without its heading); fails when it has none
#   ./scripts/release-ci.sh draft TAG DIST_DIR  drafts the GitHub release of TAG (gh) with the
#                                               files DIST_DIR/publish.txt names and the notes;
#                                               fails when publish.txt is missing or empty (an
#                                               unsigned release) or names a missing file; an
#                                               earlier draft of TAG (a re-run) is replaced, a
#                                               published release of TAG stops it, so does a
#                                               tag moved off GITHUB_SHA; the notes begin with
#                                               the release platforms the draft lacks
#   ./scripts/release-ci.sh trust-store         macOS and Windows runners: tries to add a probe
#                                               CA to the system's trust store (on Windows it is
#                                               removed again; on macOS the removal is known to
#                                               hang on hosted runners, and they are thrown away);
#                                               prints RELEASE_TESTS_TRUST_STORE=system when that
#                                               works, =refused (with a warning) when the runner
#                                               does not allow it (the HTTPS release tests then
#                                               say NOT RUN instead of failing after a timeout)
#   ./scripts/release-ci.sh trust-add PEM_FILE  macOS and Windows: adds the CA in PEM_FILE to the
#                                               system's trust store, within 120 s (the command
#                                               the probe and tests/release_support/https.rs use)
#   ./scripts/release-ci.sh free-disk           after the test suite: removes its debug builds
#                                               (target/debug, or CARGO_TARGET_DIR's), which the
#                                               release builds after it do not use, and says how
#                                               much room that made
#   ./scripts/release-ci.sh checksum DIST_DIR   writes <zip>.sha256 beside every archive in DIST_DIR:
#                                               what its leg uploads with it, so that the sign
#                                               job checks what it downloaded (platforms)
#   ./scripts/release-ci.sh import-key          imports GPG_PRIVATE_KEY (an ASCII-armored secret
#                                               key) into GNUPGHOME (or gpg's own home), checks
#                                               that it holds the key GPG_FINGERPRINT names
#                                               (spaces, newlines and 0x ignored) and prints
#                                               GPG_SIGNING_KEY=<fingerprint>; fails, naming
#                                               what is missing, without either; never prints
#                                               the key
#   ./scripts/release-ci.sh forget-key          stops gpg's agents (which keep an unlocked key)
#                                               and removes GNUPGHOME, or gpg's own home under
#                                               GitHub Actions only
#   ./scripts/release-ci.sh throwaway-secrets [UID]
#                                               makes a new RSA signing key with a new
#                                               passphrase in a keyring of its own, removed
#                                               again, and prints GPG_PRIVATE_KEY (armored),
#                                               GPG_FINGERPRINT and GPG_PASSPHRASE as lines for
#                                               $GITHUB_ENV: the secrets of runs that publish
#                                               nothing (the workflow's dry run, the local
#                                               replay), which then sign the way a release does
#
# Warnings and errors use GitHub's ::warning:: / ::error:: form under GitHub Actions.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The platforms every release is built for, as the workflow's matrix names them.
PLATFORMS="linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64"

# Windows programs get C:/ paths.
native() { cygpath -m "$1" 2>/dev/null || printf '%s' "$1"; }
# coreutils' timeout where there is one (Linux; Git Bash, whose /usr/bin/timeout ends a
# native program such as certutil, where Windows' own timeout.exe only waits); else (macOS)
# /usr/bin/perl, whose exec replaces it (Strawberry Perl's on a Windows PATH returns at once,
# which would make every bounded command look successful).
within() { # seconds command...
  if [ -x /usr/bin/timeout ]; then
    /usr/bin/timeout "$@"
    return
  fi
  local perl=/usr/bin/perl
  [ -x "$perl" ] || perl=perl
  "$perl" -e 'alarm shift; exec @ARGV or die "$ARGV[0]: $!\n"' "$@"
}
# Adds the CA in $1 to the system's trust store (macOS, Windows), bounded: on some images a
# trust-settings change waits for an authorisation nobody can give.
trust_add() {
  case "$(uname -s)" in
    Darwin) within 120 sudo -n security add-trusted-cert -d -r trustRoot \
              -k /Library/Keychains/System.keychain "$1" ;;
    MINGW* | MSYS* | CYGWIN*) within 120 certutil -addstore -f Root "$(native "$1")" ;;
    *) echo "release-ci: $(uname -s) has no system trust store to add to here (Terraform reads SSL_CERT_FILE)" >&2
       return 1 ;;
  esac
}

# Writes OUT with the line "<sha256>  NAME" of DIR/NAME, as SHA256SUMS holds it
# (scripts/release-pack.py sums: the same bytes on every system).
sums_line() { # OUT DIR NAME
  local python
  python="$("$root/scripts/find-python.sh")" || { say error "Python 3 is needed (scripts/find-python.sh)"; return 1; }
  "$python" "$(native "$root/scripts/release-pack.py")" sums "$(native "$1")" "$(native "$2")" "$3"
}
# 16 random bytes, in hex.
random_hex() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }

say() { # level message
  if [ "${GITHUB_ACTIONS:-}" = true ]; then echo "::$1::$2" >&2; else echo "release-ci: $1: $2" >&2; fi
}
version() { sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1; }
notes_for() { # version: CHANGELOG.md's section for it, or an error
  local notes
  notes="$(awk -v v="$1" '/^## / { inside = ($2 == v); next } inside' "$root/CHANGELOG.md")"
  if [ -z "$(printf '%s' "$notes" | tr -d '[:space:]')" ]; then
    say error "CHANGELOG.md has no '## $1' section (or it is empty): write the release notes before tagging"
    return 1
  fi
  printf '%s\n' "$notes"
}

case "${1:-}" in
  check-tag)
    tag="${2:?check-tag needs the tag}"
    version="$(version)"
    if [ "v$version" != "$tag" ]; then
      say error "tag $tag, but Cargo.toml says version $version; bump one of them"
      exit 1
    fi
    notes_for "$version" >/dev/null
    echo "release-ci: tag $tag is version $version, and CHANGELOG.md has its notes"
    ;;
  platforms)
    dist="${2:?platforms needs the directory of the archives}"
    found=""
    for zip in "$dist"/terraform-provider-cloudhsm_*_*.zip; do
      [ -f "$zip" ] || continue
      platform="$(basename "$zip" .zip | sed 's/^terraform-provider-cloudhsm_[^_]*_//')"
      # The bytes its leg tested and rebuilt, or a download that went wrong: only the former
      # may be signed.
      if [ ! -f "$zip.sha256" ]; then
        say error "$(basename "$zip") came without its leg's checksum ($(basename "$zip").sha256, written by release-ci.sh checksum); not signing an archive nobody can tie to its leg"
        exit 1
      fi
      sums_line "$zip.sha256.here" "$dist" "$(basename "$zip")"
      if ! cmp -s "$zip.sha256" "$zip.sha256.here"; then
        say error "$(basename "$zip") is not the archive its leg uploaded (sha256 $(awk '{ print $1 }' "$zip.sha256.here") here, $(awk '{ print $1 }' "$zip.sha256") there): the download went wrong; re-run this job"
        exit 1
      fi
      rm -f "$zip.sha256" "$zip.sha256.here"
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
    notes_for "${2:?notes needs the version}"
    ;;
  draft)
    tag="${2:?draft needs the tag}"
    dist="${3:?draft needs the directory of the archives}"
    if [ ! -s "$dist/publish.txt" ]; then
      say error "$dist/publish.txt is missing or empty: the release was not signed (are the secrets GPG_PRIVATE_KEY and GPG_FINGERPRINT set?); not drafting a release without its files"
      exit 1
    fi
    files=()
    while IFS= read -r file || [ -n "$file" ]; do
      [ -n "$file" ] || continue
      [ -f "$dist/$file" ] || { say error "publish.txt names $file, which is not in $dist"; exit 1; }
      files+=("$file")
    done <"$dist/publish.txt"
    # The tag may have moved since this run started: its archives are of GITHUB_SHA, and
    # --verify-tag below would put them on whatever the tag names now.
    if [ -n "${GITHUB_SHA:-}" ] && [ -n "${GITHUB_REPOSITORY:-}" ]; then
      tagged="$(gh api "repos/$GITHUB_REPOSITORY/commits/$tag" --jq .sha)" \
        || { say error "gh could not read which commit $tag names"; exit 1; }
      if [ "$tagged" != "$GITHUB_SHA" ]; then
        say error "$tag now names commit $tagged, but this run built $GITHUB_SHA (was the tag moved?); not drafting archives of another commit: tag a new version"
        exit 1
      fi
    fi
    notes="$(mktemp)"
    # What a published version lacks, it lacks for good (the registry's versions do not
    # change): the draft says so first, for the maintainer who decides to publish it.
    missing=""
    for wanted in $PLATFORMS; do
      grep -qx "terraform-provider-cloudhsm_${tag#v}_$wanted.zip" "$dist/publish.txt" || missing="$missing $wanted"
    done
    if [ -n "$missing" ]; then
      say warning "the draft of $tag lacks${missing}: their tests failed or did not run"
      printf '**Not in this release:**%s (their tests failed or did not run on their runners). A published version cannot gain them later: publish this draft only if %s is meant to ship without them; otherwise delete it, fix them and tag a new version.\n\n' \
        "$(echo "$missing" | sed 's/ /, /g; s/^, / /')" "$tag" >"$notes"
    fi
    notes_for "${tag#v}" >>"$notes"
    # A re-run of failed jobs runs this job again: GitHub would keep the first attempt's draft
    # beside the new one (with other archives and another SHA256SUMS), so it goes first.
    for _ in 1 2 3 4 5; do
      if ! state="$(gh release view "$tag" --json isDraft --jq .isDraft 2>"$notes.err")"; then
        # No release of the tag: nothing to replace. Any other failure (authentication, rate
        # limit, network) could hide a draft, which would then stay beside the new one.
        grep -qi "not found" "$notes.err" && break
        sed 's/^/release-ci:   /' "$notes.err" >&2
        say error "gh could not say whether $tag has a release already; not drafting another beside it"
        exit 1
      fi
      if [ "$state" != true ]; then
        say error "the release $tag is already published; a published release is never replaced: tag a new version"
        exit 1
      fi
      echo "release-ci: deleting the earlier draft of $tag (its tag stays)" >&2
      gh release delete "$tag" --yes
    done
    if gh release view "$tag" --json isDraft >/dev/null 2>&1; then
      say error "a draft of $tag is still there after deleting drafts five times; delete the drafts of $tag by hand and re-run"
      exit 1
    fi
    (cd "$dist" && gh release create "$tag" --draft --verify-tag --title "$tag" --notes-file "$notes" "${files[@]}")
    rm -f "$notes" "$notes.err"
    echo "release-ci: drafted $tag with ${#files[@]} files: ${files[*]}" >&2
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
    # Git Bash must not turn "/CN=..." into a path.
    MSYS_NO_PATHCONV=1 openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$name" \
      -keyout "$(native "$probe/key.pem")" -out "$(native "$probe/ca.pem")" >/dev/null 2>&1 \
      || { say error "openssl could not make the probe certificate"; exit 1; }
    trusted=false
    if [ "$os" = Darwin ]; then
      # Lets root change admin trust settings without a password where the image allows it.
      within 60 sudo -n security authorizationdb write com.apple.trust-settings.admin allow \
        >"$probe/log" 2>&1 || true
      # grep reads to the end (no -q): under pipefail, security killed by SIGPIPE for output
      # it could not write would read as "refused". Not removed again (see the top).
      if trust_add "$probe/ca.pem" >>"$probe/log" 2>&1 \
        && security dump-trust-settings -d 2>>"$probe/log" | grep -F "$name" >/dev/null; then
        trusted=true
      fi
    else
      if trust_add "$probe/ca.pem" >"$probe/log" 2>&1; then
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
  trust-add)
    trust_add "${2:?trust-add needs the PEM file of the CA}"
    ;;
  free-disk)
    debug="${CARGO_TARGET_DIR:-$root/target}/debug"
    free() { df -h "$root" | awk 'NR == 2 { print $4 }'; }
    before="$(free)"
    rm -rf "$debug"
    [ ! -e "$debug" ] || { say error "could not remove $debug"; exit 1; }
    echo "release-ci: removed the test suite's $debug; free space $before before, $(free) now" >&2
    ;;
  checksum)
    dist="${2:?checksum needs the directory of the archives}"
    made=0
    for zip in "$dist"/terraform-provider-cloudhsm_*_*.zip; do
      [ -f "$zip" ] || continue
      sums_line "$zip.sha256" "$dist" "$(basename "$zip")"
      echo "release-ci: $(cat "$zip.sha256")" >&2
      made=$((made + 1))
    done
    [ "$made" -gt 0 ] || { say error "no archive in $dist to checksum"; exit 1; }
    ;;
  import-key)
    for secret in GPG_PRIVATE_KEY GPG_FINGERPRINT; do
      if [ -z "${!secret:-}" ]; then
        say error "secret $secret is not set in the release environment (README, \"Releasing\"); an unsigned release cannot be published"
        exit 1
      fi
    done
    # As people paste it: grouped by spaces, with a newline, or with 0x.
    fingerprint="$(printf '%s' "$GPG_FINGERPRINT" | tr -d '[:space:]')"
    fingerprint="${fingerprint#0x}"
    case "${#fingerprint}:$fingerprint" in
      40:*[!0-9A-Fa-f]* | 64:*[!0-9A-Fa-f]*) ok=false ;;
      40:* | 64:*) ok=true ;;
      *) ok=false ;;
    esac
    if ! $ok; then
      say error "GPG_FINGERPRINT is not a key's fingerprint (40 hexadecimal digits; gpg --fingerprint <key> shows it)"
      exit 1
    fi
    log="$(mktemp)"
    # gpg says what it imported on stderr (ids, never the key); the key goes in on stdin.
    if ! printf '%s\n' "$GPG_PRIVATE_KEY" | within 120 gpg --batch --import >"$log" 2>&1; then
      sed 's/^/release-ci:   /' "$log" >&2
      rm -f "$log"
      say error "gpg could not import GPG_PRIVATE_KEY: it must be an ASCII-armored secret key (gpg --armor --export-secret-keys <fingerprint>)"
      exit 1
    fi
    rm -f "$log"
    if ! gpg --batch --with-colons --list-secret-keys -- "$fingerprint" >/dev/null 2>&1; then
      held="$(gpg --batch --with-colons --list-secret-keys 2>/dev/null | awk -F: '$1 == "fpr" { printf "%s ", $10 }')"
      say error "GPG_PRIVATE_KEY holds no secret key with the fingerprint GPG_FINGERPRINT names ($fingerprint); the keyring holds: ${held:-none}"
      exit 1
    fi
    echo "release-ci: imported the signing key $fingerprint" >&2
    echo "GPG_SIGNING_KEY=$fingerprint"
    ;;
  forget-key)
    # Removing ~/.gnupg is for throwaway runners; anywhere else, name the keyring to remove.
    if [ -z "${GNUPGHOME:-}" ] && [ "${GITHUB_ACTIONS:-}" != true ]; then
      say error "forget-key removes a whole keyring: set GNUPGHOME to it (outside GitHub Actions it never removes ~/.gnupg)"
      exit 2
    fi
    home="${GNUPGHOME:-$HOME/.gnupg}"
    within 30 gpgconf --kill all >/dev/null 2>&1 || true
    rm -rf "$home"
    [ ! -e "$home" ] || { say error "could not remove $home"; exit 1; }
    echo "release-ci: no signing key is left on this machine: gpg's agents stopped, $home removed" >&2
    ;;
  throwaway-secrets)
    uid="${2:-cloudhsm release dry run $$ <release-dry-run@example.invalid>}"
    GNUPGHOME="$(mktemp -d "${TMPDIR:-/tmp}/gpg-throwaway.XXXXXX")"
    export GNUPGHOME
    chmod 700 "$GNUPGHOME"
    trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$GNUPGHOME"' EXIT
    passphrase="$(random_hex)"
    [ ${#passphrase} = 32 ] || { say error "no random bytes for a passphrase (od, /dev/urandom)"; exit 1; }
    # RSA: the registry takes no other kind, and the key stands in for the real one. Nothing
    # of gpg's on stdout, which the caller reads.
    printf '%s' "$passphrase" | within 300 gpg --batch --quiet --pinentry-mode loopback --passphrase-fd 0 \
      --quick-generate-key "$uid" rsa3072 sign never >&2 \
      || { say error "gpg could not make a throwaway signing key"; exit 1; }
    fingerprint="$(gpg --batch --with-colons --list-secret-keys "$uid" | awk -F: '$1 == "fpr" { print $10; exit }')"
    [ -n "$fingerprint" ] || { say error "gpg lists no fingerprint for the throwaway key $uid"; exit 1; }
    key="$(printf '%s' "$passphrase" | within 60 gpg --batch --pinentry-mode loopback --passphrase-fd 0 \
      --armor --export-secret-keys "$fingerprint")" \
      || { say error "gpg could not export the throwaway key"; exit 1; }
    delimiter="END_OF_KEY_$(random_hex)"
    echo "release-ci: a throwaway signing key with a passphrase, $fingerprint (nothing it signs is published)" >&2
    printf 'GPG_FINGERPRINT=%s\nGPG_PASSPHRASE=%s\nGPG_PRIVATE_KEY<<%s\n%s\n%s\n' \
      "$fingerprint" "$passphrase" "$delimiter" "$key" "$delimiter"
    ;;
  *)
    sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
