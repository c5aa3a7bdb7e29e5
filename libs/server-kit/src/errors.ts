// The error a handler throws to end its call with a chosen status; anything else it throws
// becomes INTERNAL (see error-policy.ts).
import { Metadata, status } from '@grpc/grpc-js';

export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
    readonly metadata: Metadata = new Metadata(),
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RpcError';
  }
}

export const invalidArgument = (message: string) => new RpcError(status.INVALID_ARGUMENT, message);
export const notFound = (message: string) => new RpcError(status.NOT_FOUND, message);
export const resourceExhausted = (message: string) => new RpcError(status.RESOURCE_EXHAUSTED, message);
export const unavailable = (message: string) => new RpcError(status.UNAVAILABLE, message);
export const deadlineExceeded = (message: string) => new RpcError(status.DEADLINE_EXCEEDED, message);
export const unimplemented = (message: string) => new RpcError(status.UNIMPLEMENTED, message);
export const cancelled = (message: string) => new RpcError(status.CANCELLED, message);
