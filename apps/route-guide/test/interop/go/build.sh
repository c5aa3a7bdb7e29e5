#!/usr/bin/env bash
# Builds the Go interop client offline from Debian's packages: golang-go, golang-google-grpc-dev
# (grpc-go and its dependencies under /usr/share/gocode), protoc-gen-go, protoc-gen-go-grpc.
# Stubs are generated from our route_guide.proto as it is; GOPATH mode, no module download.
# usage: build.sh PROTO_DIR OUT_BINARY
set -euo pipefail
proto_dir="$1"
out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pkg="$work/src/routeguideclient"
mkdir -p "$pkg/routeguide"
# The proto has no go_package option (it is the upstream contract): M maps it to an import path.
map="Mroute_guide.proto=routeguideclient/routeguide"
protoc -I "$proto_dir/routeguide" \
  --go_out="$pkg/routeguide" --go_opt="paths=source_relative,$map" \
  --go-grpc_out="$pkg/routeguide" --go-grpc_opt="paths=source_relative,$map" \
  route_guide.proto
cp "$here/route_guide_client.go" "$pkg/main.go"
cd "$pkg"
# Go's build cache makes every build after the first take seconds; it needs a home.
export GOCACHE="${GOCACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/go-build}"
GO111MODULE=off GOPROXY=off GOPATH="$work:/usr/share/gocode" go build -o "$out" .
