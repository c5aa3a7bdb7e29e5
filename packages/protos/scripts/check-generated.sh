#!/usr/bin/env bash
# Fails when the generated code you would commit differs from what the protos generate now
# (stale or hand-edited). Generates into a temp dir and compares it with git's index for
# tracked files (plus untracked, not ignored files as they are on disk), so it never reads
# what a concurrent `protos:generate` is writing into the work tree; outside a git checkout
# it compares with the work tree.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
gen=packages/protos/src/gen
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
bash "$root/packages/protos/scripts/generate.sh" "$tmp/fresh" >/dev/null
cd "$root"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mkdir -p "$tmp/committed"
  git ls-files -z -- "$gen" | xargs -0 -r git checkout-index --prefix="$tmp/committed/" --
  git ls-files -z --others --exclude-standard -- "$gen" | xargs -0 -r cp --parents -t "$tmp/committed/"
  actual="$tmp/committed/$gen"
  what="the generated code in git's index (plus untracked files)"
else
  actual="$root/$gen"
  what="$gen"
fi
mkdir -p "$actual"
if ! diff -r "$tmp/fresh/$gen" "$actual"; then
  echo "$what is stale: run 'npm run generate' and commit the result (git add $gen)." >&2
  exit 1
fi
echo "generated code is up to date"
