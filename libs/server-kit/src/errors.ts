import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { PoolError } from '@grpc-ts/pool';

/** An error a handler throws to end its call with a chosen status code. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly metadata: Metadata = new Metadata(),
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new RpcError(status.NOT_FOUND, message);
export const resourceExhausted = (message: string) => new RpcError(status.RESOURCE_EXHAUSTED, message);
export const unavailable = (message: string) => new RpcError(status.UNAVAILABLE, message);

/** The status a failed handler ends its call with: RpcErrors keep theirs, anything else is INTERNAL. */
export function toServiceError(error: unknown): Partial<ServiceError> & { code: status; details: string } {
  if (error instanceof RpcError) {
    return { code: error.code, details: error.message, metadata: error.metadata };
  }
  // Errors that name their own status (the pool's QueueFullError, WorkerCrashedError, ...).
  if (error instanceof PoolError) {
    return { code: error.grpcCode, details: error.message };
  }
  // Never leak internals (stack, paths) to clients; the server logs the real error.
  return { code: status.INTERNAL, details: 'internal error' };
}
