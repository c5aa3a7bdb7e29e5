// The executors' errors: plain classes told apart by `kind`, with no transport in them. A
// server maps them to its statuses in one table of its own; other users need no gRPC.
export type ExecutorErrorKind = 'queue-full' | 'cancelled' | 'worker-crashed' | 'task-failed' | 'closed';

export abstract class ExecutorError extends Error {
  abstract readonly kind: ExecutorErrorKind;
}

export function isExecutorError(error: unknown): error is ExecutorError {
  return error instanceof ExecutorError;
}

/** An option given to createExecutor is invalid; names the option. */
export class ExecutorOptionsError extends Error {
  override readonly name = 'ExecutorOptionsError';
  constructor(
    readonly option: string,
    problem: string,
  ) {
    super(`invalid option ${option}: ${problem}`);
  }
}

/** Every worker is busy and `maxQueue` tasks already wait. */
export class QueueFullError extends ExecutorError {
  override readonly name = 'QueueFullError';
  readonly kind = 'queue-full';
  constructor(
    executor: string,
    readonly limit: number,
  ) {
    super(`${executor} executor queue is full (${limit} waiting); try again later`);
  }
}

/** The task's signal was aborted; `cause` is the signal's reason. */
export class TaskCancelledError extends ExecutorError {
  override readonly name = 'TaskCancelledError';
  readonly kind = 'cancelled';
  constructor(reason?: unknown) {
    super('task cancelled', { cause: reason });
  }
}

/** The worker running the task died (exit, signal, uncaught error); it has been replaced. */
export class WorkerCrashedError extends ExecutorError {
  override readonly name = 'WorkerCrashedError';
  readonly kind = 'worker-crashed';
  constructor(readonly detail: string) {
    super(`worker crashed while running the task (${detail}); it has been replaced`);
  }
}

/** The task threw (or rejected), or there is no such task; `cause` is the task's error. */
export class TaskFailedError extends ExecutorError {
  override readonly name = 'TaskFailedError';
  readonly kind = 'task-failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`task failed: ${message}`, options);
  }
}

/** The executor is closing (no new tasks) or was destroyed (every task failed). */
export class ExecutorClosedError extends ExecutorError {
  override readonly name = 'ExecutorClosedError';
  readonly kind = 'closed';
  constructor(readonly how: 'closing' | 'destroyed') {
    super(how === 'closing' ? 'executor is closing; no new tasks accepted' : 'executor was destroyed');
  }
}
