#!/usr/bin/env bash
# Installs dependencies (when needed), generates the protos and starts every service in
# development mode (tsx watch) on this machine; no Docker needed. Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nx-env.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npx nx run protos:generate
echo "starting: $(npx nx show projects --projects 'tag:type:service' | tr '\n' ' ')"
exec npx nx run-many -t serve --projects 'tag:type:service' --parallel 10 --output-style stream
