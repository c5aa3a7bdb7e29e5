// Everything about reaching a server: target parsing, the retry service config and the
// grpc-js channel options every client of the CLI is built with.
import type { ChannelOptions } from '@grpc/grpc-js';

export const DEFAULT_PROD_SERVICE_ADDR = 'localhost:50051';
export const DEFAULT_ROUTE_GUIDE_ADDR = 'localhost:50052';

/** grpc-js caps maxAttempts at 5 (first try + 4 retries); a larger value would be cut silently. */
export const MAX_RETRIES = 4;

// Targets grpc-js resolves itself; they are passed through unchanged.
const URI_SCHEMES = /^(dns|ipv4|ipv6|unix|unix-abstract):/;
const HOST_PORT = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9][A-Za-z0-9.-]*)):(\d{1,5})$/;

/** Checks a target ("host:port", "[::1]:port" or a grpc URI such as unix:/path); throws a one-line reason. */
export function parseTarget(text: string): string {
  const target = text.trim();
  if (URI_SCHEMES.test(target)) return target;
  const match = HOST_PORT.exec(target);
  if (!match) throw new Error(`"${text}" is not host:port (e.g. localhost:50051, [::1]:50051 or unix:/path)`);
  const port = Number(match[3]);
  if (port < 1 || port > 65535) throw new Error(`"${text}": port must be 1-65535`);
  return target;
}

export interface RetrySettings {
  /** Extra attempts after an UNAVAILABLE failure (0 = no retries). */
  retries: number;
  /** Backoff before the first retry; doubles each time, up to 10x. */
  initialBackoffMs: number;
}

/**
 * The service config (as grpc-js reads it from 'grpc.service_config'): every method of every
 * service is retried on UNAVAILABLE only, the one status that means "never reached a handler"
 * and is therefore always safe to repeat.
 */
export function retryServiceConfig({ retries, initialBackoffMs }: RetrySettings): object {
  if (retries <= 0) return { methodConfig: [] };
  const seconds = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
  return {
    methodConfig: [
      {
        name: [{}],
        retryPolicy: {
          maxAttempts: Math.min(retries, MAX_RETRIES) + 1,
          initialBackoff: seconds(initialBackoffMs),
          maxBackoff: seconds(initialBackoffMs * 10),
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      },
    ],
  };
}

export interface ChannelSettings extends RetrySettings {
  /**
   * Give this channel its own subchannel (its own TCP connection). grpc-js otherwise shares one
   * connection among all channels to the same address, so N channels would still be one
   * connection, and a clustered server (WORKERS=N) balances per connection, not per call.
   */
  ownConnection?: boolean;
}

export function channelOptions(settings: ChannelSettings): ChannelOptions {
  return {
    'grpc.enable_retries': settings.retries > 0 ? 1 : 0,
    'grpc.service_config': JSON.stringify(retryServiceConfig(settings)),
    ...(settings.ownConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
  };
}
