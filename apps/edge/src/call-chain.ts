// What every edge call goes through, as one connect interceptor (its only cross-cutting
// code, in the order server-kit's chain uses): metrics see every outcome, then the caller is
// admitted under the method's policy (runtime's admit(), shared with server-kit), then the
// concurrency limit takes a slot (RESOURCE_EXHAUSTED, HTTP 429 in Connect, beyond it) that
// a stream holds until its last message. An error that is not a ConnectError becomes
// INTERNAL with a generic message; its cause is logged, never sent. (The edge's listener takes
// no client certificates: browsers authenticate with tokens, if at all.)
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { ConcurrencyLimiter } from '@grpc-ts/limits';
import { admit, type CallerAuth, type Logger, type MethodPolicy, type ServerMetrics } from '@grpc-ts/runtime';

export interface CallChainDeps {
  metrics?: ServerMetrics;
  limiter?: ConcurrencyLimiter;
  auth?: CallerAuth;
  policyOf(path: string): MethodPolicy;
  logger: Logger;
  /** Methods that skip the chain (health: answered even at the limit, not counted as calls). */
  exempt?(path: string): boolean;
}

// Connect's Code has no OK member (success is no error); gRPC's status 0.
const OK = 0;
const codeOf = (error: unknown) => (error instanceof ConnectError ? error.code : Code.Internal);

export function callChain({ metrics, limiter, auth, policyOf, logger, exempt }: CallChainDeps): Interceptor {
  const recorders = new Map<string, (code: number, seconds: number) => void>();
  const recorderFor = (path: string) => {
    let record = recorders.get(path);
    if (!record) {
      record = metrics ? metrics.recorderFor(path) : () => undefined;
      recorders.set(path, record);
    }
    return record;
  };
  const toWire = (error: unknown, path: string): ConnectError => {
    if (error instanceof ConnectError) return error;
    logger.error({ err: error, method: path }, 'handler failed');
    return new ConnectError('internal error', Code.Internal);
  };

  return (next) => async (request) => {
    const path = `/${request.service.typeName}/${request.method.name}`;
    if (exempt?.(path)) return next(request);
    const record = recorderFor(path);
    const started = performance.now();
    const finish = (code: number) => record(code, (performance.now() - started) / 1000);
    let release: (() => void) | undefined;
    try {
      if (auth) {
        const required = policyOf(path);
        if (required.kind !== 'public') {
          const authorization = request.header.get('authorization') ?? undefined;
          const admission = await admit(auth, required, authorization, []);
          if (!('caller' in admission)) {
            metrics?.authRejectedTotal.inc({ grpc_method: path, reason: admission.reason });
            throw new ConnectError(admission.message, admission.status === 'unauthenticated' ? Code.Unauthenticated : Code.PermissionDenied);
          }
        }
      }
      if (limiter) {
        if (!limiter.tryAcquire()) {
          const queued = await new Promise<string | undefined>((resolve) => {
            const waiter = limiter.enqueue(path, () => resolve(undefined), resolve);
            if (typeof waiter === 'string') resolve(waiter);
            else request.signal.addEventListener('abort', () => limiter.leave(waiter), { once: true });
          });
          if (queued !== undefined) throw new ConnectError(queued, Code.ResourceExhausted);
          if (request.signal.aborted) {
            limiter.release();
            throw new ConnectError('the caller went away while queued', Code.Canceled);
          }
        }
        let released = false;
        release = () => {
          if (released) return;
          released = true;
          limiter.release();
        };
      }
      const response = await next(request);
      if (!response.stream) {
        release?.();
        finish(OK);
        return response;
      }
      const messages = response.message;
      const slot = release;
      return {
        ...response,
        message: (async function* () {
          let code: number = Code.Canceled; // the caller stopped reading: left early
          try {
            yield* messages;
            code = OK;
          } catch (error) {
            const wire = toWire(error, path);
            code = wire.code;
            throw wire;
          } finally {
            slot?.();
            finish(code);
          }
        })(),
      };
    } catch (error) {
      release?.();
      const wire = toWire(error, path);
      finish(request.signal.aborted && wire.code !== Code.ResourceExhausted ? abortedCode(request.signal) : codeOf(wire));
      throw wire;
    }
  };
}

// connect aborts the handler's signal with DeadlineExceeded when the caller's timeout passes.
function abortedCode(signal: AbortSignal): number {
  const reason: unknown = signal.reason;
  return reason instanceof ConnectError ? reason.code : Code.Canceled;
}
