#!/usr/bin/env bash
# Regenerates packages/protos/src/gen from packages/protos/proto (ts-proto, and protoc-gen-es
# for edge/v1 under src/gen/es; both local plugins)
# and embeds the descriptor set that server reflection serves.
# Usage: generate.sh [OUT_ROOT]   (default: the workspace root; check-generated uses a temp dir)
# Everything is generated into a scratch dir first, then synced: only files whose content
# changed are rewritten (atomically), so an unchanged run touches nothing and restarts no
# `tsx watch`, and a reader never sees a half-deleted src/gen.
set -euo pipefail
root="$(cd "$(dirname "$0")/../../.." && pwd)"
target="${1:-$root}/packages/protos/src/gen"
cd "$root"
buf="$root/node_modules/.bin/buf"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$buf" generate --template packages/protos/buf.gen.yaml --output "$work"
# The edge's contract again with protoc-gen-es (Connect), into src/gen/es.
"$buf" generate --template packages/protos/buf.gen.es.yaml --output "$work"
# Reflection serves one set: our module, grpc.health.v1 and grpc.reflection itself, each
# built by buf so every type name is fully qualified (grpcurl / buf curl resolve them).
# Serialized FileDescriptorSets concatenate into one (`file` is a repeated field).
"$buf" build --exclude-source-info -o "$work/module.binpb"
"$buf" build node_modules/grpc-health-check/proto --exclude-source-info -o "$work/health.binpb"
"$buf" build node_modules/@grpc/reflection/build/proto --path node_modules/@grpc/reflection/build/proto/grpc \
  --exclude-source-info -o "$work/reflection.binpb"
cat "$work/module.binpb" "$work/health.binpb" "$work/reflection.binpb" >"$work/all.binpb"
node packages/protos/scripts/embed-descriptor.mjs "$work/all.binpb" "$work/packages/protos/src/gen/descriptor-set.ts"
node packages/protos/scripts/sync-dir.mjs "$work/packages/protos/src/gen" "$target"
