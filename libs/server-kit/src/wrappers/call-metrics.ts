// grpc_server_handled_total and grpc_server_handling_seconds per method: the status code a
// call ended with and the time from arrival to its end, including any wait for a slot.
// Outermost in the chain, so rejections by later wrappers are counted too.
import type { ServerMetrics } from '@grpc-ts/runtime';
import type { CallWrapper } from '../chain';
import type { ServerCall } from '../server-call';

export function callMetrics(metrics: ServerMetrics | undefined): CallWrapper {
  return {
    name: 'metrics',
    wrap(method, next) {
      if (!metrics) return undefined;
      const record = metrics.recorderFor(method.path);
      // One listener per method, not a closure per call.
      const done = (code: number, call: ServerCall) => record(code, (performance.now() - call.startedAt) / 1000);
      return (call) => {
        call.startedAt = performance.now();
        call.onEnd(done);
        next(call);
      };
    },
  };
}
