#!/usr/bin/env bash
# CI-only scaffolding for the compose e2e test on a bare machine with no image registry:
#   1. installs Debian's docker.io and docker-compose (v1 CLI) when missing,
#   2. starts dockerd in the background when no engine answers, logging to a file,
#   3. builds a local Node base image by `docker import` of a tiny root filesystem: the pinned
#      Node 24 binary from the npm registry (.ci/install-node.sh, the Node CI tests), this
#      machine's npm and C runtime (no registry to pull node:24-bookworm-slim from).
# Afterwards: export BASE_IMAGE=local/node-base:24 (the e2e test passes it as the build
# argument). The Dockerfile never depends on this script; with a registry it uses the
# official image.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_NODE_MAJOR="${BASE_NODE_MAJOR:-24}"
BASE_IMAGE="${BASE_IMAGE:-local/node-base:$BASE_NODE_MAJOR}"
DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"

install_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

start_engine() {
  if docker info >/dev/null 2>&1; then return; fi
  echo "starting dockerd (log: $DOCKERD_LOG)"
  nohup dockerd >"$DOCKERD_LOG" 2>&1 &
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then return; fi
    sleep 1
  done
  echo "dockerd did not answer within 60 s; last log lines:" >&2
  tail -n 40 "$DOCKERD_LOG" >&2
  exit 1
}

# Copies every shared library a file loads into the root at the same paths.
copy_libs() {
  local root=$1 file=$2
  ldd "$file" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
    cp -L --parents "$lib" "$root"
  done
}

# Copies a file into the root at the same path, and its shared libraries.
copy_with_libs() {
  cp -L --parents "$2" "$1"
  copy_libs "$1" "$2"
}

# The C and C++ runtime libraries (as in a slim Debian image), so native addons in
# node_modules (nx, esbuild, swc) load too, not only node itself.
copy_runtime_libs() {
  local root=$1
  dpkg -L libc6 libgcc-s1 libstdc++6 | grep -E '^/[^ ]*/lib[^/]*\.so[.0-9]*$' | grep -v /gconv/ | while read -r lib; do
    cp -L --parents "$lib" "$root"
  done
}

# A root filesystem shaped like the official image where it matters: node and npm in
# /usr/local/bin, a `node` user (uid 1000), /bin/sh for RUN steps, and the machine's CA
# bundle, which npm needs here to reach the registry (set as npm's global cafile).
build_base_image() {
  local node_bin node_version npm_dir root built
  node_version=$(bash .ci/install-node.sh --version "$BASE_NODE_MAJOR")
  # The label says which binary an existing image holds: a bumped pin rebuilds it.
  built=$(docker image inspect --format '{{ index .Config.Labels "node.version" }}' "$BASE_IMAGE" 2>/dev/null || true)
  if [ "$built" = "$node_version" ]; then
    echo "base image $BASE_IMAGE exists (node $node_version)"
    return
  fi
  node_bin="$(bash .ci/install-node.sh "$BASE_NODE_MAJOR")/node"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
  root=$(mktemp -d)

  copy_runtime_libs "$root"
  copy_libs "$root" "$node_bin"
  copy_with_libs "$root" "$(readlink -f /bin/sh)"
  copy_with_libs "$root" /usr/bin/env # npm bin shims start with `#!/usr/bin/env node`
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/usr/local/etc" "$root/bin" \
    "$root/etc/ssl/certs" "$root/tmp" "$root/root" "$root/home/node"
  cp "$node_bin" "$root/usr/local/bin/node"
  [ -e "$root/bin/sh" ] || ln -s "$(readlink -f /bin/sh)" "$root/bin/sh"
  cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
  for tool in npm npx; do
    printf '#!/bin/sh\nexec /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/%s-cli.js "$@"\n' "$tool" \
      >"$root/usr/local/bin/$tool"
    chmod 755 "$root/usr/local/bin/$tool"
  done
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$root/usr/local/etc/npmrc"
  printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnode:x:1000:\n' >"$root/etc/group"
  echo 'hosts: files dns' >"$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp"
  chown 1000:1000 "$root/home/node"

  echo "importing $BASE_IMAGE from $node_bin ($node_version) and npm $(npm --version 2>/dev/null)"
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL node.version=$node_version" \
    --change 'CMD ["node"]' \
    - "$BASE_IMAGE" >/dev/null
  rm -rf "$root"
}

install_packages
start_engine
build_base_image
docker run --rm "$BASE_IMAGE" sh -c 'echo "base image works: node $(node --version), npm $(npm --version)"'
