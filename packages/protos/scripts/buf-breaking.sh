#!/usr/bin/env bash
# buf breaking (FILE rules) of the work tree against the main branch. Must run from the
# workspace root: buf cannot clone the repository from a subfolder.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
cd "$root"
against="${BUF_BREAKING_AGAINST:-main}"
if ! git rev-parse --verify --quiet "$against^{commit}" >/dev/null; then
  echo "buf-breaking: no git ref '$against' here (set BUF_BREAKING_AGAINST); nothing to compare against" >&2
  exit 0
fi
if ! git cat-file -e "$against:buf.yaml" 2>/dev/null; then
  echo "buf-breaking: '$against' has no buf.yaml yet; nothing to compare against"
  exit 0
fi
"$root/node_modules/.bin/buf" breaking --against ".git#ref=$against"
echo "buf breaking: no breaking change against $against"
