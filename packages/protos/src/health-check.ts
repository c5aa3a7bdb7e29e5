// One health probe for the CLI, container health checks and tests.
import type { ChannelCredentials } from '@grpc/grpc-js';
import { createAsyncClient } from './async-client';
import { HealthCheckResponse_ServingStatus, HealthService } from './gen/health/v1/health';

export type HealthState = keyof typeof HealthCheckResponse_ServingStatus;

/**
 * Calls grpc.health.v1.Health/Check once. Resolves with the status name (SERVING,
 * NOT_SERVING, ...); rejects with the grpc error (UNAVAILABLE when unreachable,
 * NOT_FOUND for an unknown service, DEADLINE_EXCEEDED on timeout).
 */
export async function checkHealth(
  address: string,
  service = '',
  options: { timeoutMs?: number; credentials?: ChannelCredentials; serverName?: string } = {},
): Promise<HealthState> {
  const { timeoutMs = 2000, credentials, serverName } = options;
  const client = createAsyncClient(HealthService, address, {
    credentials,
    channelOptions: serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : undefined,
  });
  try {
    const { status } = await client.check({ service }, { timeoutMs });
    return (HealthCheckResponse_ServingStatus[status] ?? 'UNRECOGNIZED') as HealthState;
  } finally {
    client.$close();
  }
}
