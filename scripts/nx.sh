#!/usr/bin/env bash
# `nx` with the offline settings of scripts/nx-env.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/nx-env.sh
exec npx nx "$@"
