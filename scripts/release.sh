#!/usr/bin/env bash
# Builds and signs release archives the way the Terraform Registry (and a network or
# filesystem mirror) expects:
#
#   dist/terraform-provider-cloudhsm_<version>_<os>_<arch>.zip   holding terraform-provider-cloudhsm_v<version>[.exe]
#   dist/terraform-provider-cloudhsm_<version>_SHA256SUMS        sha256 of every zip and the manifest
#   dist/terraform-provider-cloudhsm_<version>_SHA256SUMS.sig    detached binary GPG signature of SHA256SUMS
#   dist/terraform-provider-cloudhsm_<version>_manifest.json     copy of terraform-registry-manifest.json
#   dist/terraform-registry-manifest.json                        {"version":1,"metadata":{"protocol_versions":["6.0"]}}
#   dist/publish.txt                                             the files to upload; only for a signed release
#
# Usage: ./scripts/release.sh [--profile release|dev] [--target <rust target triple>]...
#                             [--signing-key <gpg key id, fingerprint or email>] [--assemble]
#        PROFILE=dev ./scripts/release.sh         (reuse the debug build, e.g. in tests)
#        DIST_DIR=/elsewhere ./scripts/release.sh
#        GPG_SIGNING_KEY=<key> ./scripts/release.sh   (same as --signing-key)
#
# Reproducible: one commit built with one toolchain gives the same bytes, wherever it is
# checked out and whatever the target directory. The zips are written by
# scripts/release-pack.py (entries in name order, dated SOURCE_DATE_EPOCH, which defaults to
# the commit's time, mode 0755, no extra fields) and SHA256SUMS lists its files in name
# order. The release profile builds with --remap-path-prefix for the checkout, the target
# directory and CARGO_HOME (cargo's trim-paths is not stable yet), so no path of the
# building machine is in the binary, on Windows (MSVC) also with the linker's /Brepro (no
# link time in the PE header) and /DEBUG:NONE (no PDB, whose GUID hashes build paths; the
# MSVC build still carries aws-lc's C source paths under CARGO_HOME, which aws-lc-sys cannot
# remap for cl.exe: the same on every runner, so the bytes are still reproducible), on
# macOS with the linker's -S (no debug map, which names object files' paths) and
# -reproducible (an LC_UUID of the content alone), and with only those RUSTFLAGS (yours are ignored, with a warning). scripts/release-rebuild-check.sh rebuilds in a fresh clone elsewhere and
# compares. --profile dev (the tests) reuses the debug build as it is: its paths are not
# remapped, and it is not for publishing.
#
# Signing: the Terraform Registry accepts a release only with SHA256SUMS.sig, and terraform
# init checks that signature against the public key you gave the registry. With a signing
# key (an RSA key in your GnuPG keyring; GPG_PASSPHRASE, if set, is its passphrase, and
# GNUPGHOME chooses the keyring), the script signs, checks the signature with gpg --verify,
# and writes publish.txt. Without one the release is unsigned: it says so, writes no
# publish.txt, and must not be published. GnuPG comes from scripts/ensure-gnupg.sh.
#
# Platforms: without --target the script builds for the machine it runs on; --target passes
# another Rust target triple to cargo and names the archive after it (e.g.
# aarch64-apple-darwin -> darwin_arm64), which needs that target's std and linker installed.
# TESTED_PLATFORMS (default: linux_amd64, the platform this project's own machines test)
# names the platforms whose test suite ran; the script refuses to sign a release holding an
# archive for any other platform. .github/workflows/release.yml builds each platform on its
# own runner after ./scripts/test.sh passed there, and signs them together with --assemble:
# no build, the zips already in DIST_DIR are checksummed and signed.
#
# Needs bash, cargo and rustc (unless --assemble), git (for the commit time; or set
# SOURCE_DATE_EPOCH) and Python 3 (scripts/find-python.sh; PYTHON chooses one). Runs the
# same on Linux, macOS and Windows (Git Bash).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

profile="${PROFILE:-release}"
signing_key="${GPG_SIGNING_KEY:-}"
assemble=false
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) [ $# -ge 2 ] || { echo "release: --profile needs release or dev" >&2; exit 2; }
               profile="$2"; shift 2 ;;
    --profile=*) profile="${1#--profile=}"; shift ;;
    --target) [ $# -ge 2 ] || { echo "release: --target needs a Rust target triple" >&2; exit 2; }
              targets+=("$2"); shift 2 ;;
    --target=*) targets+=("${1#--target=}"); shift ;;
    --signing-key) [ $# -ge 2 ] || { echo "release: --signing-key needs a GPG key id, fingerprint or email" >&2; exit 2; }
                   signing_key="$2"; shift 2 ;;
    --signing-key=*) signing_key="${1#--signing-key=}"; shift ;;
    --assemble) assemble=true; shift ;;
    -h|--help) sed -n '2,/^[^#]/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release) cargo_profile=(--release); profile_dir=release ;;
  dev|debug) cargo_profile=(); profile_dir=debug ;;
  *) echo "release: PROFILE/--profile must be release or dev, not $profile" >&2; exit 2 ;;
esac
if $assemble && [ ${#targets[@]} -gt 0 ]; then
  echo "release: --assemble signs the zips already in DIST_DIR and builds nothing; drop --target" >&2; exit 2
fi

tools=()
$assemble || tools+=(cargo rustc)
for tool in ${tools[@]+"${tools[@]}"}; do
  command -v "$tool" >/dev/null 2>&1 || { echo "release: $tool is needed but not on PATH; install it and retry" >&2; exit 1; }
done
python="$("$root/scripts/find-python.sh")" || { echo "release: Python 3 is needed to write the zips and SHA256SUMS" >&2; exit 1; }

# A path as the native programs (cargo, rustc, Python) see it: on Windows (Git Bash) a
# /c/... path is C:\... to them.
native_path() {
  if command -v cygpath >/dev/null 2>&1; then cygpath -w "$1"; else printf '%s\n' "$1"; fi
}
pack() { "$python" "$(native_path "$root/scripts/release-pack.py")" "$@"; }

# The time every archive entry carries: SOURCE_DATE_EPOCH, else the commit's time.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  SOURCE_DATE_EPOCH="$(git -C "$root" log -1 --format=%ct 2>/dev/null || true)"
  if [ -z "$SOURCE_DATE_EPOCH" ]; then
    echo "release: $root is not a git checkout, so there is no commit time to date the archives with;" \
         "set SOURCE_DATE_EPOCH (seconds since 1970, e.g. the release commit's time)" >&2
    exit 1
  fi
fi
case "$SOURCE_DATE_EPOCH" in
  ''|*[!0-9]*) echo "release: SOURCE_DATE_EPOCH must be whole seconds since 1970, not $SOURCE_DATE_EPOCH" >&2; exit 1 ;;
esac
export SOURCE_DATE_EPOCH

name=terraform-provider-cloudhsm
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[ -n "$version" ] || { echo "release: no version = \"...\" line in Cargo.toml" >&2; exit 1; }
dist="${DIST_DIR:-$root/dist}"
target_root="${CARGO_TARGET_DIR:-$root/target}"
# cargo takes a relative CARGO_TARGET_DIR from the directory it runs in: here, $root.
case "$target_root" in /*|[A-Za-z]:*) ;; *) target_root="$root/$target_root" ;; esac
sums="${name}_${version}_SHA256SUMS"
# Platforms whose test suite ran (see the header), as " linux_amd64 darwin_arm64 ".
tested=" $(echo "${TESTED_PLATFORMS:-linux_amd64}" | tr ',' ' ') "

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

mkdir -p "$dist"
# A previous run's signature or publish list must never outlive the files it vouched for.
rm -f "$dist/$sums" "$dist/$sums.sig" "$dist/${name}_${version}_manifest.json" "$dist/publish.txt"

if ! $assemble; then
  host="$(rustc -vV | sed -n 's/^host: //p')"
  if [ "$profile" = release ]; then
    # No path of this machine in the binary: the checkout, the target directory and
    # CARGO_HOME (the registry's sources) are remapped. Later flags win, so the more
    # specific come last. Only these flags: the same commit must give the same bytes.
    if [ -n "${RUSTFLAGS:-}${CARGO_ENCODED_RUSTFLAGS:-}" ]; then
      echo "release: warning: ignoring RUSTFLAGS/CARGO_ENCODED_RUSTFLAGS for the release build (reproducibility)" >&2
    fi
    unset RUSTFLAGS
    cargo_home="${CARGO_HOME:-$HOME/.cargo}"
    sep=$'\x1f'
    # Each as written and as it really is: cargo finds the checkout from its working
    # directory (with symlinks resolved, as macOS's /tmp and /var/folders are), and takes
    # the target directory as given.
    physical() { # a path with its symlinks resolved (one not made yet: its parent's)
      if [ -d "$1" ]; then (cd "$1" && pwd -P)
      else printf '%s/%s\n' "$(physical "$(dirname "$1")")" "$(basename "$1")"; fi
    }
    remap() { # directory replacement
      local real
      real="$(physical "$1")"
      printf '%s' "--remap-path-prefix=$(native_path "$1")=$2"
      [ "$real" = "$1" ] || printf '%s' "$sep--remap-path-prefix=$(native_path "$real")=$2"
    }
    CARGO_ENCODED_RUSTFLAGS="$(remap "$root" "")$sep$(remap "$target_root" /target)$sep$(remap "$cargo_home" /cargo)"
    # MSVC's linker writes the wall-clock time into the PE header unless /Brepro, and rustc
    # always asks it for a PDB, whose GUID (recorded in the .exe) hashes the object files'
    # absolute paths: no PDB (/DEBUG:NONE; the release profile has no debug info anyway).
    # Apple's linker writes a debug map naming the absolute paths of the object files and
    # static libraries it linked (ring's C code is always built with -gfull there), and since
    # Xcode 15 the LC_UUID (which the arm64 ad-hoc signature hashes) depends on it even after
    # rustc's strip: no debug map (-S), and a UUID from the content alone (-reproducible).
    case " ${targets[*]-} $host " in
      *-windows-msvc*)
        CARGO_ENCODED_RUSTFLAGS+="$sep-Clink-arg=/Brepro$sep-Clink-arg=/DEBUG:NONE" ;;
      *-apple-darwin*)
        CARGO_ENCODED_RUSTFLAGS+="$sep-Clink-arg=-Wl,-S$sep-Clink-arg=-Wl,-reproducible" ;;
    esac
    export CARGO_ENCODED_RUSTFLAGS
    if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then
      echo "release: warning: the working tree has uncommitted changes; these archives are not the commit's" >&2
    fi
  fi
  [ ${#targets[@]} -gt 0 ] || targets=("$host")
  rm -f "$dist/${name}_${version}_"*.zip

  for target in "${targets[@]}"; do
    platform="$(os_arch "$target")"
    case "$tested" in
      *" $platform "*) ;;
      *) echo "release: warning: $target ($platform) is not in TESTED_PLATFORMS ($(echo $tested)); run ./scripts/test.sh on $platform before publishing its archive" >&2 ;;
    esac
    if [ "$target" = "$host" ]; then
      cargo build --locked ${cargo_profile[@]+"${cargo_profile[@]}"} -p "$name" --bin "$name"
      built="$target_root/$profile_dir/$name"
    else
      cargo build --locked ${cargo_profile[@]+"${cargo_profile[@]}"} -p "$name" --bin "$name" --target "$target"
      built="$target_root/$target/$profile_dir/$name"
    fi
    exe=""
    case "$target" in *-windows-*) exe=".exe" ;; esac
    [ -f "$built$exe" ] || { echo "release: cargo did not produce $built$exe" >&2; exit 1; }
    zipfile="$dist/${name}_${version}_${platform}.zip"
    pack zip "$(native_path "$zipfile")" "$SOURCE_DATE_EPOCH" "${name}_v${version}${exe}=$(native_path "$built$exe")"
    echo "release: built $zipfile"
  done
fi

zips=()
platforms=()
for zip in "$dist/${name}_${version}_"*.zip; do
  [ -f "$zip" ] || continue
  zips+=("$(basename "$zip")")
  platform="$(basename "$zip" .zip)"
  platforms+=("${platform#"${name}_${version}_"}")
done
[ ${#zips[@]} -gt 0 ] || { echo "release: no ${name}_${version}_<os>_<arch>.zip in $dist to checksum" >&2; exit 1; }

printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' \
  >"$dist/terraform-registry-manifest.json"
cp "$dist/terraform-registry-manifest.json" "$dist/${name}_${version}_manifest.json"
pack sums "$(native_path "$dist/$sums")" "$(native_path "$dist")" "${zips[@]}" "${name}_${version}_manifest.json"
echo "release: wrote $dist/$sums and terraform-registry-manifest.json"

if [ -z "$signing_key" ]; then
  echo "release: WARNING: this release is UNSIGNED and cannot be published: the Terraform Registry" >&2
  echo "release:   refuses a release without ${sums}.sig, and terraform init could not verify it." >&2
  echo "release:   The archives are fine for a filesystem or network mirror you trust. To publish," >&2
  echo "release:   run again with --signing-key <key id> or GPG_SIGNING_KEY=<key id> (see README, Releasing)." >&2
  echo "release: no publish.txt written: nothing in $dist is marked publishable" >&2
  exit 0
fi

for platform in "${platforms[@]}"; do
  case "$tested" in
    *" $platform "*) ;;
    *) echo "release: not signing: $dist holds the $platform archive, but the test suite did not run on" \
            "$platform (TESTED_PLATFORMS=$(echo $tested)). Run ./scripts/test.sh there and add it to" \
            "TESTED_PLATFORMS (.github/workflows/release.yml does), or leave that archive out." >&2
       exit 1 ;;
  esac
done

gpg="$("$root/scripts/ensure-gnupg.sh")"
# The key must be one secret key, and RSA: the Terraform Registry does not accept other kinds.
keys="$("$gpg" --batch --with-colons --list-secret-keys -- "$signing_key" 2>/dev/null || true)"
fingerprints="$(echo "$keys" | awk -F: '$1 == "sec" { getline; if ($1 == "fpr") print $10 }')"
case "$(echo "$fingerprints" | grep -c .)" in
  0) echo "release: no secret key \"$signing_key\" in the GnuPG keyring${GNUPGHOME:+ at $GNUPGHOME};" \
          "import it (gpg --import) or name another one (gpg --list-secret-keys lists them)" >&2; exit 1 ;;
  1) ;;
  *) echo "release: \"$signing_key\" names several secret keys ($(echo $fingerprints));" \
          "give the fingerprint of the one to sign with" >&2; exit 1 ;;
esac
fingerprint="$fingerprints"
algorithm="$(echo "$keys" | awk -F: '$1 == "sec" { print $4; exit }')"
if [ "$algorithm" != 1 ]; then
  echo "release: key $fingerprint is not an RSA key (OpenPGP algorithm $algorithm); the Terraform" \
       "Registry accepts RSA signing keys only. Make one: gpg --full-generate-key (RSA and RSA, 4096 bits)" >&2
  exit 1
fi

passphrase=()
[ -z "${GPG_PASSPHRASE:-}" ] || passphrase=(--pinentry-mode loopback --passphrase-fd 0)
printf '%s' "${GPG_PASSPHRASE:-}" | "$gpg" --batch --yes ${passphrase[@]+"${passphrase[@]}"} \
  --local-user "$fingerprint" --output "$dist/$sums.sig" --detach-sign "$dist/$sums"
if ! "$gpg" --batch --verify "$dist/$sums.sig" "$dist/$sums" 2>/dev/null; then
  rm -f "$dist/$sums.sig"
  echo "release: gpg --verify does not accept the signature just made with $fingerprint; nothing is publishable" >&2
  exit 1
fi
{
  printf '%s\n' "${zips[@]}"
  printf '%s\n' "$sums" "$sums.sig" "${name}_${version}_manifest.json"
} >"$dist/publish.txt"
echo "release: signed $sums with key $fingerprint (key ID ${fingerprint: -16})"
echo "release: ready to publish ($(echo "${platforms[@]}")): upload the files listed in $dist/publish.txt"
echo "         as the GitHub release v$version; the registry needs the public key once:"
echo "         gpg --armor --export $fingerprint"
