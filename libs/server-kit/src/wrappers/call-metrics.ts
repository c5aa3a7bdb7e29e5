// grpc_server_handled_total and grpc_server_handling_seconds per method: the status code a
// call ended with and the time from arrival to its end, including any wait for a slot.
// Outermost in the chain, so rejections by later wrappers are counted too.
import type { ServerMetrics } from '@grpc-ts/runtime';
import type { CallWrapper } from '../chain';

export function callMetrics(metrics: ServerMetrics | undefined): CallWrapper {
  return {
    name: 'metrics',
    wrap(method, next) {
      if (!metrics) return undefined;
      const record = metrics.recorderFor(method.path);
      return (call) => {
        const started = performance.now();
        call.onEnd((code) => record(code, (performance.now() - started) / 1000));
        next(call);
      };
    },
  };
}
