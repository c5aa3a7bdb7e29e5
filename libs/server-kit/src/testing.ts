// One helper for tests: a real server on 127.0.0.1, port 0, stopped after the test.
import pino from 'pino';
import type { Logger } from './logger';
import type { ServiceServer } from './service-server';

export interface RunningTestServer {
  address: string;
  port: number;
  server: ServiceServer;
  stop(graceMs?: number): Promise<void>;
}

export async function startTestServer(server: ServiceServer): Promise<RunningTestServer> {
  const port = await server.listen('127.0.0.1', 0);
  return {
    address: `127.0.0.1:${port}`,
    port,
    server,
    stop: async (graceMs = 0) => {
      await server.shutdown(graceMs);
    },
  };
}

/** A logger for tests: silent unless TEST_LOG_LEVEL is set. */
export function testLogger(): Logger {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

/** Lists services through grpc.reflection.v1 (what grpcurl does): proof that reflection works. */
export async function listServicesByReflection(address: string): Promise<string[]> {
  const grpc = await import('@grpc/grpc-js');
  const { loadSync } = await import('@grpc/proto-loader');
  const { dirname, join } = await import('node:path');
  const protoDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');
  const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [protoDir], keepCase: true });
  const loaded = grpc.loadPackageDefinition(definition) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo();
      call.on('data', (response: { list_services_response?: { service: { name: string }[] } }) => {
        resolve((response.list_services_response?.service ?? []).map((s) => s.name).sort());
        call.end();
      });
      call.on('error', reject);
      call.write({ list_services: '' });
    });
  } finally {
    client.close();
  }
}
