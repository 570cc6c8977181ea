#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only Rust, Python and pip:
# installs the Terraform CLI when none is on PATH (GnuPG, for the release tests, and mitmproxy,
# for the proxy tests), then runs formatting and lint checks (on linux_amd64 also for the other
# four release platforms: scripts/cross-check.sh), unit tests, protocol tests and end-to-end
# tests against the real Terraform CLI, and the Terraform-driven tests once more on Terraform
# 1.0.3, the oldest version we support, and last the release workflow's Linux leg
# (scripts/release-workflow-local.sh: two release builds, which must give the same bytes).
# Runs the same on macOS, Linux arm64 and Windows (Git Bash),
# where .github/workflows/release.yml runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/platform.sh

TERRAFORM="$(./scripts/ensure-terraform.sh)"
export TERRAFORM
echo "test.sh: using $("$TERRAFORM" version | sed -n 1p) at $TERRAFORM"
# The release tests sign releases with throwaway keys.
GPG="$(./scripts/ensure-gnupg.sh)"
export GPG
echo "test.sh: using $("$GPG" --version | sed -n 1p) at $GPG"
# The corporate-network tests relay through a real TLS-intercepting proxy.
MITMDUMP="$(./scripts/ensure-mitmproxy.sh)"
export MITMDUMP
echo "test.sh: using $("$MITMDUMP" --version | sed -n 1p) at $MITMDUMP"

echo "test.sh: cargo fmt --check"
cargo fmt --all -- --check
echo "test.sh: cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# The other release platforms' code (cfg(windows), cfg(target_os = "macos")), type-checked and
# linted here: on linux_amd64, which covers the other four; their own runners build and test
# it natively (the stand-in C compiler it uses could not run under Git Bash's CreateProcess).
if [ "$os_arch" = linux_amd64 ]; then
  echo "test.sh: cargo clippy for the other release platforms (scripts/cross-check.sh)"
  ./scripts/cross-check.sh
else
  echo "test.sh: the other release platforms are type-checked on linux_amd64 (scripts/cross-check.sh); this runner tests its own natively"
fi
# The builds that tests start themselves (scripts/demo.sh and emulator.sh: both packages'
# binaries; release.sh --profile dev: the provider's), each with features of its own, made
# here first: a test's time limit is for the test, not for compiling on a slow runner.
echo "test.sh: cargo build (the binaries the tests build themselves)"
cargo build --locked -p terraform-provider-cloudhsm -p cloudhsm-emulator --bins
cargo build --locked -p terraform-provider-cloudhsm --bin terraform-provider-cloudhsm
echo "test.sh: cargo test"
# The end-to-end tests refuse to skip when CI=true and no Terraform (or mitmdump) is found.
cargo test --workspace --locked -- --test-threads=2

oldest="$(./scripts/ensure-terraform.sh --bundled)"
if [ "$(realpath "$oldest")" != "$(realpath "$TERRAFORM")" ]; then
  echo "test.sh: end-to-end tests again on $("$oldest" version | sed -n 1p)"
  # --workspace: the features of the run above, so these are its test binaries again (about
  # 40 s of relinking here, where a test's own nested builds left a few crates stale; 75 s
  # without it).
  TERRAFORM="$oldest" cargo test --workspace --locked --test 'e2e_*' --test examples --test example_complete --test terraform_test --test demo --test release \
    --test registry --test network_mirror \
    -- --test-threads=2
fi
# The release workflow's Linux leg, replayed here (pack, a clean rebuild elsewhere that must
# give the same bytes, checksums, signature, release notes). The workflow itself sets
# RELEASE_WORKFLOW_LOCAL=0: it runs those steps as its own, after this script.
if [ "${RELEASE_WORKFLOW_LOCAL:-1}" = 0 ]; then
  echo "test.sh: RELEASE_WORKFLOW_LOCAL=0: the release workflow's own steps pack and rebuild-check next; not replaying them here"
elif [ "$os_arch" != linux_amd64 ]; then
  echo "test.sh: the release workflow replay (scripts/release-workflow-local.sh) is of its linux_amd64 leg; not on $os_arch"
else
  echo "test.sh: the release workflow's linux_amd64 leg, replayed (scripts/release-workflow-local.sh)"
  ./scripts/release-workflow-local.sh --skip-test-suite
fi
echo "test.sh: all tests passed"
