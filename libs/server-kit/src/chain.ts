// Cross-cutting concerns are wrappers around a call handler, composed once per method at
// registration (never per call), in the order they are listed: the first wraps the rest.
// A wrapper that has nothing to do for a method returns undefined and costs nothing.
import type { MethodInfo } from './method';
import type { ServerCall } from './server-call';

export type CallHandler = (call: ServerCall) => void;

export interface CallWrapper {
  /** For logs and tests: "metrics", "limits", ... */
  readonly name: string;
  wrap(method: MethodInfo, next: CallHandler): CallHandler | undefined;
}

export function composeChain(wrappers: readonly CallWrapper[], method: MethodInfo, handler: CallHandler): CallHandler {
  let next = handler;
  for (let i = wrappers.length - 1; i >= 0; i--) next = wrappers[i]!.wrap(method, next) ?? next;
  return next;
}
