#!/usr/bin/env bash
# The offline demo: watch Terraform initialize and configure a CloudHSM cluster on your
# laptop, with no AWS account.
#
#   ./scripts/demo.sh
#
# It builds the provider and the CloudHSM emulator (a stand-in for the AWS API), starts the
# emulator with one new cluster, and runs Terraform on examples/quickstart: init, apply (the
# provider signs the cluster's certificate request with a one-time root whose key it then
# destroys, initializes the cluster and configures it), a plan that shows no changes, and a
# change of the backup retention applied in place. Everything happens in a temporary
# directory that is removed at the end, and the emulator is stopped, even on Ctrl-C or error.
#
# Environment: TERRAFORM=/path/to/terraform to choose the CLI (else scripts/ensure-terraform.sh
# finds or installs one); CARGO_TARGET_DIR is honoured; DEMO_KEEP=1 keeps the work directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ -t 1 ]; then
  bold=$'\033[1m'; green=$'\033[32m'; red=$'\033[31m'; reset=$'\033[0m'; color=()
else
  bold=""; green=""; red=""; reset=""; color=(-no-color)
fi
step=0
say() { step=$((step + 1)); printf '\n%s==> %d. %s%s\n' "$bold" "$step" "$1" "$reset"; }
note() { printf '    %s\n' "$@"; }
die() { printf '\n%sdemo failed:%s %s\n' "$red" "$reset" "$1" >&2; exit 1; }

# Windows (Git Bash): programs end in .exe ($exe), and paths written into files for
# Terraform (a native program) are C:/...-style (native); elsewhere both are as they are.
# shellcheck source=platform.sh
. "$root/scripts/platform.sh"

for tool in cargo; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is needed but not on PATH. Install it and run ./scripts/demo.sh again."
done

work="$(mktemp -d "${TMPDIR:-/tmp}/cloudhsm-demo.XXXXXX")"
emulator_pid=""
cleanup() {
  local status=$?
  if [ -n "$emulator_pid" ] && kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  if [ "${DEMO_KEEP:-}" = "1" ]; then
    echo "demo: kept the work directory $work (DEMO_KEEP=1)" >&2
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Our own (for now empty) CLI configuration, so that none of yours applies to the demo.
: >"$work/terraformrc"
export TF_CLI_CONFIG_FILE="$(native "$work/terraformrc")"

say "Finding a Terraform CLI"
terraform="$("$root/scripts/ensure-terraform.sh")" || die "no Terraform CLI; see the message above."
# Read all of `terraform version` before parsing: cutting it short with head would kill it
# with SIGPIPE and, under pipefail, end this script without a word.
tf_version_text="$("$terraform" version 2>/dev/null || true)"
tf_version="$(printf '%s\n' "$tf_version_text" | sed -n 's/^Terraform v\([0-9][0-9.]*\).*/\1/p' | sed -n 1p)"
note "using Terraform ${tf_version:-of unknown version} at $terraform"
IFS=. read -r tf_major _ <<<"${tf_version:-0.0.0}"
if [ "${tf_major:-0}" -lt 1 ]; then
  die "Terraform ${tf_version:-?} is too old for this provider, which speaks plugin protocol 6
    (Terraform 1.0 or newer). Install Terraform 1.0 or newer, or OpenTofu, and run
    TERRAFORM=/path/to/terraform ./scripts/demo.sh"
fi

say "Building the provider and the CloudHSM emulator (cargo build)"
cargo build --quiet -p terraform-provider-cloudhsm -p cloudhsm-emulator --bins \
  || die "cargo build failed; the compiler's message is above."
bin="${CARGO_TARGET_DIR:-$root/target}/debug"

say "Starting the CloudHSM emulator with one new cluster"
# A copy runs, not target/debug's file: another cargo build (of other features) replaces
# that, which Windows refuses while it runs.
copy_built "$bin/cloudhsm-emulator$exe" "$work/cloudhsm-emulator$exe" \
  || die "the built emulator is not in $bin; is CARGO_TARGET_DIR pointing elsewhere?"
"$work/cloudhsm-emulator$exe" --seed-cluster --url-file "$(native "$work/endpoint")" \
  >"$work/emulator.out" 2>"$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/endpoint" ] && break
  kill -0 "$emulator_pid" 2>/dev/null || die "the emulator stopped at start: $(cat "$work/emulator.log")"
  sleep 0.1
done
[ -s "$work/endpoint" ] || die "the emulator did not start within 10 s; its log: $(cat "$work/emulator.log")"
endpoint="$(head -n 1 "$work/endpoint")"
cluster_id="$(sed -n 's/^CLUSTER_ID=//p' "$work/emulator.out")"
[ -n "$cluster_id" ] || die "the emulator did not report a cluster id: $(cat "$work/emulator.out")"
note "The emulator speaks the CloudHSM v2 API at $endpoint, like AWS would."
note "It holds cluster $cluster_id: UNINITIALIZED, with one HSM, type hsm1.medium,"
note "backups kept 90 days. That is where aws_cloudhsm_v2_cluster and _hsm leave you."

say "Preparing Terraform: the quickstart example and a local provider mirror"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)"
mirror="$work/mirror/registry.terraform.io/cloudhsm-iac/cloudhsm/$version/$os_arch"
mkdir -p "$mirror" "$work/quickstart"
copy_built "$bin/terraform-provider-cloudhsm$exe" "$mirror/terraform-provider-cloudhsm_v$version$exe" \
  || die "the built provider is not in $bin; is CARGO_TARGET_DIR pointing elsewhere?"
cp "$root"/examples/quickstart/*.tf "$work/quickstart/"
cat >"$work/terraformrc" <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$(native "$work/mirror")"
    include = ["registry.terraform.io/cloudhsm-iac/cloudhsm"]
  }
}
EOF
cat >"$work/quickstart/terraform.tfvars" <<EOF
endpoint   = "$endpoint"
cluster_id = "$cluster_id"
EOF
export TF_CLI_CONFIG_FILE="$(native "$work/terraformrc")" TF_IN_AUTOMATION=1 TF_INPUT=0 \
  CHECKPOINT_DISABLE=1 AWS_EC2_METADATA_DISABLED=true
unset TF_LOG AWS_PROFILE 2>/dev/null || true
note "Working in $(native "$work") (removed at the end)."
note "Terraform installs the provider you just built from a local mirror, the same way it"
note "would from the registry. No network needed."
tf() { (cd "$work/quickstart" && "$terraform" "$@"); }

say "terraform init"
tf init ${color[@]+"${color[@]}"} >"$work/init.log" 2>&1 || { cat "$work/init.log"; die "terraform init failed (output above)."; }
grep -E "Installed|Installing|initialized" "$work/init.log" | sed 's/^/    /' || true

say "terraform apply: initialize the cluster and configure it"
note "cloudhsm_one_time_root reads the cluster's CSR, makes a root CA for this cluster alone,"
note "signs the CSR and destroys the root's private key: no one will ever hold it. Then"
note "Terraform calls InitializeCluster with the two certificates and waits for the cluster"
note "to be INITIALIZED, then calls ModifyCluster to migrate the HSMs to hsm2m.medium in"
note "place (the AWS provider would destroy the cluster for that) and waits again."
tf apply -auto-approve ${color[@]+"${color[@]}"} || die "terraform apply failed (output above)."

say "terraform plan: nothing left to do"
set +e
tf plan -detailed-exitcode ${color[@]+"${color[@]}"} >"$work/plan.log" 2>&1
plan_status=$?
set -e
case "$plan_status" in
  0) grep -E "No changes" "$work/plan.log" | sed 's/^/    /'
     note "${green}The cluster matches the configuration: a second run changes nothing.${reset}" ;;
  2) cat "$work/plan.log"; die "the second plan wants changes; it should be empty (output above)." ;;
  *) cat "$work/plan.log"; die "terraform plan failed (output above)." ;;
esac

say "Changing the backup retention from 90 to 30 days"
note "Only backup_retention_policy changes: an in-place update, nothing is replaced."
tf apply -auto-approve -var backup_retention_days=30 ${color[@]+"${color[@]}"} | tee "$work/update.log" \
  || die "terraform apply of the retention change failed (output above)."
grep -q "0 added, 1 changed, 0 destroyed" "$work/update.log" \
  || die "expected exactly one resource changed in place (output above)."

printf '\n%sDone.%s The cluster was initialized, migrated to hsm2m.medium and its backup retention\n' "$green" "$reset"
printf 'changed to 30 days, all by Terraform. Next: examples/complete for the real AWS flow,\n'
printf 'docs/ for every argument. The emulator is stopped and the temporary files removed.\n'
