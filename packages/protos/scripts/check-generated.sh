#!/usr/bin/env bash
# Fails when packages/protos/src/gen differs from what the protos generate now (stale or
# hand-edited generated code). Generates into a temp dir so the work tree is untouched.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash "$root/packages/protos/scripts/generate.sh" "$tmp"
if ! diff -r "$tmp/packages/protos/src/gen" "$root/packages/protos/src/gen"; then
  echo "packages/protos/src/gen is stale: run 'npm run generate' and commit the result." >&2
  exit 1
fi
echo "generated code is up to date"
