#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only Rust, Python and pip:
# installs the Terraform CLI when none is on PATH (GnuPG, for the release tests, and mitmproxy, for
# the proxy tests), then runs formatting and lint checks,
# unit tests, protocol tests and end-to-end tests against the real Terraform CLI, and
# finally the Terraform-driven tests once more on Terraform 1.0.3, the oldest version we support.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

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
echo "test.sh: cargo test"
# The end-to-end tests refuse to skip when CI=true and no Terraform (or mitmdump) is found.
cargo test --workspace --locked -- --test-threads=2

oldest="$(./scripts/ensure-terraform.sh --bundled)"
if [ "$(realpath "$oldest")" != "$(realpath "$TERRAFORM")" ]; then
  echo "test.sh: end-to-end tests again on $("$oldest" version | sed -n 1p)"
  TERRAFORM="$oldest" cargo test --locked --test 'e2e_*' --test examples --test example_complete --test terraform_test --test demo --test release \
    --test registry --test network_mirror \
    -- --test-threads=2
fi
echo "test.sh: all tests passed"
