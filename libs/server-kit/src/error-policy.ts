// The one table from anything a call can end with to what goes on the wire. Every status a
// handler, an executor or a limit produces passes through statusOf(); nothing else builds
// one. Unknown errors, a task that throws and a worker that crashes are INTERNAL with a
// generic message (the cause is logged with the method path, never sent): never UNAVAILABLE,
// which clients retry as "never reached a handler", so a crash mid-call cannot invite a
// retry of non-idempotent work.
import { Metadata, status } from '@grpc/grpc-js';
import {
  ExecutorClosedError,
  QueueFullError,
  TaskCancelledError,
  TaskFailedError,
  WorkerCrashedError,
} from '@grpc-ts/executors';
import { RpcError } from './errors';

export interface WireStatus {
  code: status;
  details: string;
  metadata: Metadata;
}

export interface StatusDecision {
  status: WireStatus;
  /** The cause is unexpected: log it (with the method path); the client sees only `details`. */
  log: boolean;
}

const INTERNAL = 'internal error';

type Rule = readonly [match: abstract new (...args: never[]) => Error, code: status, details: 'own' | string, log: boolean];

// Order matters only where classes inherit from each other; these do not.
const RULES: readonly Rule[] = [
  [QueueFullError, status.RESOURCE_EXHAUSTED, 'own', false],
  [TaskCancelledError, status.CANCELLED, 'own', false],
  [ExecutorClosedError, status.UNAVAILABLE, 'own', false],
  [TaskFailedError, status.INTERNAL, INTERNAL, true],
  [WorkerCrashedError, status.INTERNAL, INTERNAL, true],
];

export function statusOf(error: unknown): StatusDecision {
  if (error instanceof RpcError) {
    return { status: { code: error.code, details: error.message, metadata: error.metadata }, log: false };
  }
  for (const [match, code, details, log] of RULES) {
    if (error instanceof match) {
      return { status: { code, details: details === 'own' ? error.message : details, metadata: new Metadata() }, log };
    }
  }
  return { status: { code: status.INTERNAL, details: INTERNAL, metadata: new Metadata() }, log: true };
}
