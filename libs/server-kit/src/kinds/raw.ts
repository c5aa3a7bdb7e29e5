// Handlers written against grpc-js's own call objects (grpc-health-check, @grpc/reflection):
// they answer for themselves; this only notes when their call ends, so it is counted once.
import { status, type UntypedHandleCall } from '@grpc/grpc-js';
import type { CallHandler } from '../chain';
import type { RawCallback } from '../server-call';

type RawHandler = (call: object, callback?: RawCallback) => void;

export function rawHandler(handler: UntypedHandleCall): CallHandler {
  const run = handler as RawHandler;
  return (call) => {
    if (call.ended) return;
    if (call.method.kind === 'unary' || call.method.kind === 'clientStream') {
      run(call.raw, (error, value) => {
        call.settle(error ? ((error as { code?: number }).code ?? status.UNKNOWN) : status.OK);
        call.rawCallback!(error, value);
      });
      return;
    }
    call.raw.once('finish', () => call.settle(status.OK));
    run(call.raw);
  };
}
