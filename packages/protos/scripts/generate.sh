#!/usr/bin/env bash
# Regenerates packages/protos/src/gen from packages/protos/proto (ts-proto, local plugin)
# and embeds the module's descriptor set for server reflection.
# Usage: generate.sh [OUT_ROOT]   (default: the workspace root; check-generated uses a temp dir)
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
out_root="${1:-$root}"
cd "$root"
buf="$root/node_modules/.bin/buf"
if [ "$out_root" = "$root" ]; then
  "$buf" generate --template packages/protos/buf.gen.yaml
else
  "$buf" generate --template packages/protos/buf.gen.yaml --output "$out_root"
fi
descriptor="$(mktemp)"
trap 'rm -f "$descriptor"' EXIT
"$buf" build --exclude-source-info -o "$descriptor#format=binpb"
node packages/protos/scripts/embed-descriptor.mjs "$descriptor" "$out_root/packages/protos/src/gen/descriptor-set.ts"
