// What an executor needs from whatever runs its tasks: the event loop (inline-backend.ts),
// a piscina thread pool (thread-backend.ts) or a workerpool process pool
// (process-backend.ts). The queue, its bound, cancellation and the counts live in
// task-executor.ts, once for all three.
import type { TaskOutcome, TaskRequest } from './task-protocol';

export interface WorkerBackend {
  /** Tasks it runs at once; the executor queues the rest. */
  readonly capacity: number;
  /**
   * Runs one request. A task's own failure resolves (`ok: false`); a rejection is always a
   * WorkerLostError. Aborting `signal` must stop the work (kill and replace its worker).
   */
  run(request: TaskRequest, signal?: AbortSignal): Promise<TaskOutcome>;
  /** Live workers now. */
  workers(): number;
  /** Stops every worker at once (runs still pending reject); safe to call twice. */
  stop(): Promise<void>;
}

export interface BackendOptions {
  taskModule: string;
  size: number;
}

/** The worker running a request went away without answering. */
export class WorkerLostError extends Error {
  override readonly name = 'WorkerLostError';
  constructor(readonly detail: string) {
    super(detail);
  }
}
