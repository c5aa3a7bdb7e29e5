// One health probe for the CLI, container health checks and tests.
import type { ChannelCredentials, ClientOptions } from '@grpc/grpc-js';
import { createAsyncClient, type TlsOptions, type TokenSource } from './async-client';
import { HealthCheckResponse_ServingStatus, HealthService } from './gen/health/v1/health';

export type HealthState = keyof typeof HealthCheckResponse_ServingStatus;

export interface HealthCheckOptions {
  timeoutMs?: number;
  /** Channel credentials as they are; or `tls` to build them (see createAsyncClient). */
  credentials?: ChannelCredentials;
  tls?: boolean | TlsOptions;
  /** With `credentials`: the name the server's certificate must hold (with `tls`, its serverName). */
  serverName?: string;
  /** Health is public on this repo's servers; a token is sent when given all the same. */
  token?: TokenSource;
  channelOptions?: Partial<ClientOptions>;
}

/**
 * Calls grpc.health.v1.Health/Check once. Resolves with the status name (SERVING,
 * NOT_SERVING, ...); rejects with the grpc error (UNAVAILABLE when unreachable,
 * NOT_FOUND for an unknown service, DEADLINE_EXCEEDED on timeout).
 */
export async function checkHealth(address: string, service = '', options: HealthCheckOptions = {}): Promise<HealthState> {
  const { timeoutMs = 2000, credentials, tls, serverName, token, channelOptions } = options;
  const client = createAsyncClient(HealthService, address, {
    credentials,
    tls,
    token,
    channelOptions: {
      ...(serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {}),
      ...channelOptions,
    },
  });
  try {
    const { status } = await client.check({ service }, { timeoutMs });
    return (HealthCheckResponse_ServingStatus[status] ?? 'UNRECOGNIZED') as HealthState;
  } finally {
    client.$close();
  }
}
