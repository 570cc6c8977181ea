#!/usr/bin/env bash
# The CloudHSM emulator for testing a module by hand: plan, apply or `terraform test` against
# it instead of AWS.
#
#   ./scripts/emulator.sh
#
# It builds the provider and the emulator, starts the emulator in eu-west-1 with one
# UNINITIALIZED cluster (one HSM, so a CSR) and the Secrets Manager secret cloudhsm-test/ca-key
# (the throwaway CA key of examples/complete-own-ca/tests), and prints what to use: the
# endpoints, the cluster id, provider blocks pointed at the emulator, a -var-file for the
# examples' test files, and a Terraform CLI configuration that installs the provider just
# built. It runs until Ctrl-C. Every call is served at once (--instant).
#
# Environment: EMULATOR_DIR (default target/emulator) is where the mirror, the CLI
# configuration and emulator.tfvars go; EMULATOR_REGION (default eu-west-1);
# EMULATOR_TIMINGS_MS=N makes every transition take N ms instead; EMULATOR_PORT and
# EMULATOR_STS_PORT fix the ports (default: free ones); AWS_PROVIDER_MIRROR is a filesystem
# mirror holding hashicorp/aws (else /opt/tf-plugins when it has it, else the registry);
# CARGO_TARGET_DIR is honoured.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
die() { printf 'emulator.sh: %s\n' "$1" >&2; exit 1; }
# Windows (Git Bash): programs end in .exe ($exe), and paths printed or written for
# Terraform (a native program) are C:/...-style (native); elsewhere both are as they are.
# shellcheck source=platform.sh
. "$root/scripts/platform.sh"
command -v cargo >/dev/null 2>&1 || die "cargo is needed but not on PATH."

target="${CARGO_TARGET_DIR:-$root/target}"
dir="${EMULATOR_DIR:-$target/emulator}"
region="${EMULATOR_REGION:-eu-west-1}"
key="$root/examples/complete-own-ca/tests/fixtures/customerCA.key"

echo "Building the provider and the emulator (cargo build)..." >&2
cargo build --quiet -p terraform-provider-cloudhsm -p cloudhsm-emulator --bins \
  || die "cargo build failed; the compiler's message is above."
bin="$target/debug"

# The provider just built, as a filesystem mirror, and a CLI configuration installing it.
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)"
rm -rf "$dir/mirror"
mkdir -p "$dir/mirror/registry.terraform.io/cloudhsm-iac/cloudhsm/$version/$os_arch"
copy_built "$bin/terraform-provider-cloudhsm$exe" \
  "$dir/mirror/registry.terraform.io/cloudhsm-iac/cloudhsm/$version/$os_arch/terraform-provider-cloudhsm_v$version$exe" \
  || die "the built provider is not in $bin; is CARGO_TARGET_DIR pointing elsewhere?"
aws_mirror="${AWS_PROVIDER_MIRROR:-}"
if [ -z "$aws_mirror" ] && [ -d /opt/tf-plugins/registry.terraform.io/hashicorp/aws ]; then
  aws_mirror=/opt/tf-plugins
fi
{
  printf 'provider_installation {\n'
  printf '  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/cloudhsm-iac/cloudhsm"]\n  }\n' "$(native "$dir/mirror")"
  excluded='"registry.terraform.io/cloudhsm-iac/cloudhsm"'
  if [ -n "$aws_mirror" ]; then
    printf '  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n' "$(native "$aws_mirror")"
    excluded="$excluded, \"registry.terraform.io/hashicorp/aws\""
  fi
  printf '  direct {\n    exclude = [%s]\n  }\n}\n' "$excluded"
} >"$dir/terraformrc"

timings=(--instant)
if [ -n "${EMULATOR_TIMINGS_MS:-}" ]; then
  timings=(--timings-ms "$EMULATOR_TIMINGS_MS")
fi
rm -f "$dir/endpoint" "$dir/emulator.out" "$dir/emulator.tfvars"
# A copy runs, not target/debug's file: another cargo build (of other features) replaces
# that, which Windows refuses while it runs.
mkdir -p "$dir/bin"
copy_built "$bin/cloudhsm-emulator$exe" "$dir/bin/cloudhsm-emulator$exe" \
  || die "could not copy the emulator to $dir/bin (is an earlier one still running from there?)"
"$dir/bin/cloudhsm-emulator$exe" --port "${EMULATOR_PORT:-0}" --sts-port "${EMULATOR_STS_PORT:-0}" \
  --region "$region" --seed-cluster --seed-secret "cloudhsm-test/ca-key=$(native "$key")" "${timings[@]}" \
  --url-file "$dir/endpoint" >"$dir/emulator.out" 2>"$dir/emulator.log" &
pid=$!
stop() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
for _ in $(seq 1 100); do
  grep -q '^SECRET_ARN=' "$dir/emulator.out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || die "the emulator stopped at start: $(cat "$dir/emulator.log")"
  sleep 0.1
done
grep -q '^SECRET_ARN=' "$dir/emulator.out" \
  || die "the emulator did not start within 10 s; its log: $(cat "$dir/emulator.log")"
endpoint="$(sed -n 's/^ENDPOINT=//p' "$dir/emulator.out")"
sts="$(sed -n 's/^STS_ENDPOINT=//p' "$dir/emulator.out")"
cluster_id="$(sed -n 's/^CLUSTER_ID=//p' "$dir/emulator.out")"
printf 'emulator_endpoint     = "%s"\nemulator_sts_endpoint = "%s"\n' "$endpoint" "$sts" \
  >"$dir/emulator.tfvars"

cat <<EOF
ENDPOINT=$endpoint
STS_ENDPOINT=$sts
CLUSTER_ID=$cluster_id
REGION=$region
SECRET=cloudhsm-test/ca-key
TFVARS=$(native "$dir/emulator.tfvars")
TF_CLI_CONFIG_FILE=$(native "$dir/terraformrc")

# The CloudHSM emulator is running (Ctrl-C stops it). Point the providers at it:

provider "cloudhsm" {
  region     = "$region"
  access_key = "AKIDEMULATOR" # any key: the emulator checks the signature's shape only
  secret_key = "emulator-secret"
  endpoints {
    cloudhsmv2 = "$endpoint"
  }
}

provider "aws" {
  region                      = "$region"
  access_key                  = "AKIDEMULATOR"
  secret_key                  = "emulator-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    cloudhsmv2     = "$endpoint"
    secretsmanager = "$endpoint"
    sts            = "$sts"
  }
}

# Install the provider just built, then run an example's tests against the emulator:
#   export TF_CLI_CONFIG_FILE=$dir/terraformrc
#   cd examples/complete && terraform init && terraform test -var-file=$dir/emulator.tfvars
EOF
wait "$pid"
