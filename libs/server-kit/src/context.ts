// What a handler sees of its call. The same shape in production (ServerCall) and in unit
// tests (testContext), so a handler can be called directly, without a socket.
import { Metadata } from '@grpc/grpc-js';
import { ANONYMOUS, type Caller } from '@grpc-ts/runtime';
import { methodInfo, type MethodInfo, type MethodShape } from './method';

export interface CallContext {
  /**
   * Aborted when the client cancels or goes away, the deadline passes, a stream stays idle
   * too long, or (streams only) the server begins shutting down. Long work should watch it.
   */
  readonly signal: AbortSignal;
  /** Epoch milliseconds; Infinity when the client set no deadline. */
  readonly deadline: number;
  readonly metadata: Metadata;
  /** "ip:port" of the client, or "unknown". */
  readonly peer: string;
  readonly method: MethodInfo;
  /** Who is calling, as authenticated for this method (see the service's policy). */
  readonly caller: Caller;
}

export interface TestContextOptions {
  caller?: Caller;
  method?: MethodShape;
  signal?: AbortSignal;
  deadline?: number;
  metadata?: Metadata;
  peer?: string;
}

const TEST_METHOD: MethodShape = { path: '/test.Test/Call', requestStream: false, responseStream: false };

/** A CallContext for calling a handler directly in a unit test. */
export function testContext(options: TestContextOptions = {}): CallContext {
  return {
    signal: options.signal ?? new AbortController().signal,
    deadline: options.deadline ?? Infinity,
    metadata: options.metadata ?? new Metadata(),
    peer: options.peer ?? '127.0.0.1:1',
    method: methodInfo(options.method ?? TEST_METHOD),
    caller: options.caller ?? ANONYMOUS,
  };
}
