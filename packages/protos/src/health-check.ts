// One health probe for the CLI, container health checks and tests.
import { createAsyncClient } from './async-client';
import { HealthCheckResponse_ServingStatus, HealthService } from './gen/health/v1/health';

export type HealthState = keyof typeof HealthCheckResponse_ServingStatus;

/**
 * Calls grpc.health.v1.Health/Check once. Resolves with the status name (SERVING,
 * NOT_SERVING, ...); rejects with the grpc error (UNAVAILABLE when unreachable,
 * NOT_FOUND for an unknown service, DEADLINE_EXCEEDED on timeout).
 */
export async function checkHealth(address: string, service = '', timeoutMs = 2000): Promise<HealthState> {
  const client = createAsyncClient(HealthService, address);
  try {
    const { status } = await client.check({ service }, { timeoutMs });
    return (HealthCheckResponse_ServingStatus[status] ?? 'UNRECOGNIZED') as HealthState;
  } finally {
    client.$close();
  }
}
