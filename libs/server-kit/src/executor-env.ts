// Settings of a service whose handlers run CPU-bound work on an executor.
import { EXECUTOR_KINDS, type ExecutorKind } from '@grpc-ts/executors';
import { envEnum, envInt } from '@grpc-ts/runtime';
import { availableParallelism } from 'node:os';

export function executorEnv(defaultKind: ExecutorKind) {
  return {
    /** inline (event loop), threads (worker_threads) or processes (child processes). */
    EXECUTOR: envEnum(EXECUTOR_KINDS, { default: defaultKind }),
    /** Workers of a threads/processes executor. */
    EXECUTOR_SIZE: envInt({ default: availableParallelism(), defaultText: "the machine's cores", min: 1, max: 256 }),
    /** Tasks that may wait for a worker before RESOURCE_EXHAUSTED. */
    EXECUTOR_QUEUE: envInt({ default: 64, min: 0, max: 1_000_000 }),
  };
}
