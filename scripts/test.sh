#!/usr/bin/env bash
# The whole test suite, from a fresh machine with only Rust, Python and pip:
# installs the Terraform CLI when none is on PATH, then runs formatting and lint checks,
# unit tests, protocol tests and end-to-end tests against the real Terraform CLI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TERRAFORM="$(./scripts/ensure-terraform.sh)"
export TERRAFORM
echo "test.sh: using $("$TERRAFORM" version | head -n 1) at $TERRAFORM"

echo "test.sh: cargo fmt --check"
cargo fmt --all -- --check
echo "test.sh: cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "test.sh: cargo test"
# The end-to-end tests refuse to skip when CI=true and no Terraform is found.
cargo test --workspace --locked -- --test-threads=2
