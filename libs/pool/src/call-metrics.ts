// Counts every call by method and final status code and times it, as a server interceptor.
// Put it INSIDE the limiter (earlier in the interceptors array) so the limiter's
// RESOURCE_EXHAUSTED replies pass through it and are counted too.
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import type { ServerMetrics } from './metrics';

export function callMetricsInterceptor(metrics: ServerMetrics): ServerInterceptor {
  return (method, call) => {
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = (code: status) => {
      if (recorded) return;
      recorded = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.handledTotal.inc({ grpc_method: method.path, grpc_code: status[code] ?? String(code) });
      metrics.handlingSeconds.observe({ grpc_method: method.path }, seconds);
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          // A call that ends without a status from the handler was cancelled by the client
          // or ended by grpc-js itself at its deadline.
          onCancel: () => {
            const deadline = call.getDeadline();
            const expired = deadline instanceof Date ? deadline.getTime() <= Date.now() : deadline <= Date.now();
            record(expired ? status.DEADLINE_EXCEEDED : status.CANCELLED);
          },
        }),
      sendStatus: (statusObject, next) => {
        record(statusObject.code);
        next(statusObject);
      },
    });
  };
}
