// The server-wide limit on active RPCs: a call takes a slot before its handler runs and gives
// it back exactly once when it ends (ServerCall guarantees the end comes, whatever the
// client does). Over the limit it is rejected with RESOURCE_EXHAUSTED, or waits in the
// limiter's bounded queue.
import type { ConcurrencyLimiter } from '@grpc-ts/limits';
import type { CallWrapper } from '../chain';
import { resourceExhausted } from '../errors';

export function concurrencyLimit(limiter: ConcurrencyLimiter | undefined): CallWrapper {
  return {
    name: 'limits',
    wrap(method, next) {
      if (!limiter) return undefined;
      const release = (): void => limiter.release();
      return (call) => {
        if (call.ended) return; // dead on arrival (past its deadline): no slot, no rejection
        if (limiter.tryAcquire()) {
          call.onEnd(release);
          next(call);
          return;
        }
        const queued = limiter.enqueue(
          method.path,
          () => {
            // The slot is ours from here; an end while queued already left the queue.
            call.onEnd(release);
            queueMicrotask(() => next(call));
          },
          (details) => call.fail(resourceExhausted(details)),
        );
        if (typeof queued === 'string') call.fail(resourceExhausted(queued));
        else call.onEnd(() => limiter.leave(queued));
      };
    },
  };
}
