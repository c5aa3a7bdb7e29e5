#!/usr/bin/env bash
# Every check and test of every project, through Nx: generated code and settings docs are fresh, protos pass
# buf lint/format/breaking, TypeScript typechecks, and each project's unit + integration
# tests pass. Ends with one line of totals and each failed test's message.
#   TEST_TARGETS="test" bash scripts/test.sh --exclude compose-e2e   # a subset; extra args go to nx
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/nx-env.sh
export TEST_SUMMARY_FILE="${TEST_SUMMARY_FILE:-$(mktemp)}"
: > "$TEST_SUMMARY_FILE"
# Word-split on purpose: nx takes several targets after one -t.
# shellcheck disable=SC2086
npx nx run-many -t ${TEST_TARGETS:-check-generated check-docs buf-lint buf-format buf-breaking lint typecheck test} --output-style stream "$@"
status=$?
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  const sum = (k) => lines.reduce((n, l) => n + l[k], 0);
  console.log(`\ntests: ${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
  for (const { test, message } of lines.flatMap((l) => l.failures ?? [])) console.log(`\nFAILED ${test}\n${message.replace(/^/gm, "  ")}`);
' "$TEST_SUMMARY_FILE"
exit $status
