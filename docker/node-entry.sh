#!/bin/sh
# Entrypoint of the service images: runs node with V8's old space (and young generation) sized
# from the container's memory limit, so the heap is collected well before the kernel's OOM killer acts. Without
# it, Node 20 sizes the heap from the cgroup limit so that heap plus Buffers, sockets and
# code can pass the limit (route-guide under a 256 MiB limit was OOM-killed in about 1 s).
#   HEAP_PERCENT        share of the limit for the old space (default 50; 0 = leave node's default)
#   MEMORY_LIMIT_BYTES  the limit to size from, instead of the cgroup's (tests; other runtimes)
# Works on every Node version the images use; on Node >= 22.21 / 24.8,
# `--max-old-space-size-percentage` does the same from inside node. exec keeps node as PID 1,
# so SIGTERM reaches it directly.
set -eu
percent="${HEAP_PERCENT:-50}"
limit="${MEMORY_LIMIT_BYTES:-}"
if [ -z "$limit" ]; then
  # Shell builtins only: the local base image has sh and node, not cat.
  if [ -r /sys/fs/cgroup/memory.max ]; then
    read -r limit </sys/fs/cgroup/memory.max # cgroup v2: a number or "max"
  elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    read -r limit </sys/fs/cgroup/memory/memory.limit_in_bytes # cgroup v1: a huge number when unlimited
  fi
fi
case "$limit" in
'' | max | *[!0-9]*) exec node "$@" ;;
esac
case "$percent" in
'' | 0 | *[!0-9]*) exec node "$@" ;;
esac
# 1 TiB or more means "no limit" (cgroup v1 reports about 2^63).
if [ "${#limit}" -gt 13 ] || [ "$limit" -ge 1099511627776 ]; then exec node "$@"; fi
heap_mb=$((limit / 1048576 * percent / 100))
# The young generation too: V8 in Node 24 sizes it from the machine's memory (64 MiB
# semi-spaces, 192 MiB of young generation on a 24 GiB host), not from the limit: 1 MiB of
# semi-space per 64 MiB of limit, 1 to 16 MiB (16 is Node 20's default maximum).
semi_mb=$((limit / 1048576 / 64))
if [ "$semi_mb" -lt 1 ]; then semi_mb=1; fi
if [ "$semi_mb" -gt 16 ]; then semi_mb=16; fi
exec node --max-old-space-size="$heap_mb" --max-semi-space-size="$semi_mb" "$@"
