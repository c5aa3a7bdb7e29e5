// The gRPC service config of a backend channel: round_robin over every address the target
// resolves to, and retries (with exponential backoff and retry throttling) for exactly the
// methods the .proto marks idempotent (idempotency_level). A method without the mark, such
// as RecordRoute, gets no retry policy at all, so grpc-js never repeats it.
import { idempotentMethods } from '@grpc-ts/protos';

export interface RetrySettings {
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  throttleMaxTokens: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)}s`;

/** The methods of `serviceName` that are retried (its idempotent ones; none when retries are off). */
export function retriedMethods(serviceName: string, retry: RetrySettings): string[] {
  return retry.maxAttempts > 1 ? idempotentMethods(serviceName) : [];
}

export function backendServiceConfig(serviceName: string, retry: RetrySettings): object {
  const retried = retriedMethods(serviceName, retry).map((path) => {
    const [, service, method] = path.split('/');
    return { service: service!, method: method! };
  });
  return {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig:
      retried.length > 0
        ? [
            {
              name: retried,
              retryPolicy: {
                maxAttempts: retry.maxAttempts,
                initialBackoff: seconds(retry.initialBackoffMs),
                maxBackoff: seconds(retry.maxBackoffMs),
                backoffMultiplier: 2,
                // The call never reached a handler (connection refused or reset, replica
                // going away): repeating a read is safe.
                retryableStatusCodes: ['UNAVAILABLE'],
              },
            },
          ]
        : [],
    retryThrottling: { maxTokens: retry.throttleMaxTokens, tokenRatio: 0.1 },
  };
}
