#!/usr/bin/env bash
# Debian packages the tests use: Python grpcio + grpc_tools (interop tests, the notes' own
# stack) and nghttp2-client (h2load, benchmarks). Installs only what is missing.
set -euo pipefail
packages=(python3-grpcio python3-grpc-tools nghttp2-client)
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
