// Peers from other stacks (Python grpcio) that interop tests drive, or a printed reason to skip.
import { spawnSync } from 'node:child_process';

/**
 * The Python that interop tests drive: Debian's python3 (a pyenv python3 on PATH cannot see
 * Debian's python3-grpcio), or INTEROP_PYTHON. `missing` says why it cannot run grpc, and the
 * reason is printed once so a skipped interop suite is never silent.
 */
export function interopPython(suite: string): { python: string; missing: boolean } {
  const python = process.env.INTEROP_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import grpc, grpc_tools'], { encoding: 'utf8' });
  const missing = probe.status !== 0;
  if (missing) {
    console.warn(
      `SKIPPED ${suite}: ${python} cannot import grpc/grpc_tools ` +
        `(apt-get install python3-grpcio python3-grpc-tools). ${probe.error?.message ?? probe.stderr.trim()}`,
    );
  }
  return { python, missing };
}
