#!/usr/bin/env bash
# Runs every project's unit and integration tests (the Nx `test` targets) on another Node
# major, installed from the npm registry (.ci/install-node.sh) and put first on PATH, so
# npx, nx, jest and every `process.execPath` child run on it. npm itself is the machine's.
#   usage: bash .ci/node-leg.sh 24
# Expects `npm ci` done. Left out: compose-e2e, whose services run on the image's node
# (BASE_IMAGE), not this one: the main leg already runs it on the Node 24 base image, and a
# second run (2-3 min) would test the same containers. The bench project stays: its tests
# are parsers and a 1-second smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: node-leg.sh <major>}
bin=$(bash .ci/install-node.sh "$major")
export PATH="$bin:$PATH"
started=$SECONDS
echo
echo "=== Node $major leg: node $(node --version) ($(command -v node)), npm $(npm --version) ==="
status=0
TEST_TARGETS=test bash scripts/test.sh --exclude compose-e2e || status=$?
echo "=== Node $major leg ($(node --version)): $([ $status -eq 0 ] && echo passed || echo "FAILED (exit $status)") in $((SECONDS - started)) s ==="
exit $status
