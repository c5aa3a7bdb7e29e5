#!/usr/bin/env bash
# Debian packages the tests use: Python grpcio + grpc_tools (interop tests, the notes' own
# stack), Go with grpc-go and the protoc plugins (the route-guide Go interop client, built
# offline from these sources), nghttp2-client (h2load, benchmarks) and chromium (the edge's page
# tested in a real browser through playwright-core; no browser is downloaded). Installs only what is missing.
set -euo pipefail
packages=(
  python3-grpcio python3-grpc-tools nghttp2-client chromium
  # protobuf 1-5 (APIv2-backed) rather than 1-3: protoc-gen-go 1.28's stubs need google.golang.org/protobuf.
  golang-go golang-google-grpc-dev golang-github-golang-protobuf-1-5-dev golang-google-protobuf-dev protoc-gen-go protoc-gen-go-grpc
)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
/usr/bin/python3 -c 'import grpc, grpc_tools; print("python grpcio", grpc.__version__)'
go version
/usr/bin/chromium --version
