#!/usr/bin/env bash
# Fails when the generated code in git (packages/protos/src/gen as staged or committed)
# differs from what the protos generate now: stale or hand-edited generated code. Generates
# into a temp dir so the work tree is untouched, and compares with git's copy rather than the
# work tree: under nx run-many, protos:generate (buf, clean: true) may be deleting and
# rewriting src/gen at this very moment. Outside a git checkout it compares with the work tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
gen=packages/protos/src/gen
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash "$root/packages/protos/scripts/generate.sh" "$tmp/fresh"
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mkdir -p "$tmp/git/$gen"
  git -C "$root" ls-files -z -- "$gen" | xargs -0 -r git -C "$root" checkout-index --prefix="$tmp/git/" --
  against="$tmp/git/$gen" what="$gen in git"
else
  against="$root/$gen" what="$gen"
fi
if ! diff -r "$tmp/fresh/$gen" "$against"; then
  echo "$what is stale: run 'npm run generate' and commit (or git add) the result." >&2
  exit 1
fi
echo "generated code is up to date"
