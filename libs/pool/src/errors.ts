// Typed errors of the pool library. Each carries the gRPC status code a server should end
// the call with, so handlers can rethrow them and the server maps them without a table.
import { status } from '@grpc/grpc-js';

export abstract class PoolError extends Error {
  abstract readonly grpcCode: status;
}

/** An option passed to a constructor is invalid; names the option. */
export class PoolOptionsError extends Error {
  constructor(option: string, problem: string) {
    super(`invalid option ${option}: ${problem}`);
    this.name = 'PoolOptionsError';
  }
}

export class QueueFullError extends PoolError {
  readonly grpcCode = status.RESOURCE_EXHAUSTED;
  constructor(what: string, limit: number) {
    super(`${what} is full (${limit} waiting); try again later`);
    this.name = 'QueueFullError';
  }
}

export class TaskCancelledError extends PoolError {
  readonly grpcCode = status.CANCELLED;
  constructor(reason = 'task cancelled') {
    super(reason);
    this.name = 'TaskCancelledError';
  }
}

export class WorkerCrashedError extends PoolError {
  readonly grpcCode = status.UNAVAILABLE;
  constructor(detail: string) {
    super(`worker crashed while running the task (${detail}); it has been replaced`);
    this.name = 'WorkerCrashedError';
  }
}

export class TaskFailedError extends PoolError {
  readonly grpcCode = status.INTERNAL;
  constructor(message: string) {
    super(`task failed: ${message}`);
    this.name = 'TaskFailedError';
  }
}

export class ExecutorClosedError extends PoolError {
  readonly grpcCode = status.UNAVAILABLE;
  constructor(how: 'closing' | 'destroyed') {
    super(how === 'closing' ? 'executor is closing; no new tasks accepted' : 'executor was destroyed');
    this.name = 'ExecutorClosedError';
  }
}
