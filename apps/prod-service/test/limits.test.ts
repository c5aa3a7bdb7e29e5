// Limits, metrics and WORKERS come from env through runService, in real processes.
import { createAsyncClient, prod } from '@grpc-ts/protos';
import { LISTENING } from '@grpc-ts/runtime';
import { scrapeMetrics, spawnService, sumSamples, tsMain, waitFor, type ServiceProcess } from '@grpc-ts/test-support';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const main = join(root, 'apps/prod-service/src/main.ts');

describe('prod-service limits and metrics from env', () => {
  let service: ServiceProcess | undefined;
  afterEach(async () => {
    await service?.stop('SIGTERM');
    service = undefined;
  });

  it('applies MAX_CONCURRENT_RPCS and friends and exports them on /metrics', async () => {
    service = await spawnService(...tsMain(main), { MAX_CONCURRENT_RPCS: '7', MAX_CONNECTIONS: '5', RPC_QUEUE_SIZE: '3' });
    expect(service.logs.find((line) => line.msg === LISTENING)).toMatchObject({
      limits: { maxConcurrentRpcs: 7, maxConnections: 5, rpcQueueSize: 3 },
    });
    const client = createAsyncClient(prod.ProdServiceService, service.address);
    await client.getProdStock({ prodId: 1 });
    await client.getProdStock({ prodId: 999 }).catch(() => undefined);
    client.$close();
    const page = await scrapeMetrics(await waitFor(() => service?.metricsPort, 'metrics port', 20_000));
    const labels = { service: 'prod-service' };
    expect(sumSamples(page, 'grpc_server_max_concurrent_rpcs', labels)).toBe(7);
    expect(sumSamples(page, 'grpc_server_connections_max', labels)).toBe(5);
    const method = '/services.ProdService/GetProdStock';
    expect(sumSamples(page, 'grpc_server_handled_total', { grpc_method: method, grpc_code: 'OK' })).toBe(1);
    expect(sumSamples(page, 'grpc_server_handled_total', { grpc_method: method, grpc_code: 'NOT_FOUND' })).toBe(1);
    expect(sumSamples(page, 'grpc_server_handling_seconds_count', { grpc_method: method })).toBe(2);
    expect(sumSamples(page, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('runs WORKERS=2 server processes on one port; clients with their own connections reach both', async () => {
    service = await spawnService(...tsMain(main), { WORKERS: '2', SHUTDOWN_GRACE_MS: '2000' }, 40_000);
    const listeningPids = () => new Set(service?.logs.filter((l) => l.msg === LISTENING).map((l) => l.pid));
    await waitFor(() => (listeningPids().size === 2 ? true : undefined), 'two listening workers');
    const clients = Array.from({ length: 8 }, () =>
      createAsyncClient(prod.ProdServiceService, service!.address, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } }),
    );
    // Deadlines, so a call that hangs fails as itself instead of as the test's timeout.
    const deadline = () => ({ deadline: new Date(Date.now() + 10_000) });
    for (const client of clients) for (let i = 0; i < 5; i++) await client.getProdStock({ prodId: 1 + i }, deadline());
    for (const client of clients) client.$close();

    // The primary serves the workers' metrics, each worker's series under its own label.
    const page = await scrapeMetrics(await waitFor(() => service?.metricsPort, 'metrics port', 20_000));
    const handled = (worker: string) => sumSamples(page, 'grpc_server_handled_total', { grpc_code: 'OK', worker });
    expect(handled('1') + handled('2')).toBe(40);
    expect(handled('1')).toBeGreaterThan(0);
    expect(handled('2')).toBeGreaterThan(0);

    await expect(service.stop('SIGTERM')).resolves.toBe(0);
    expect(service.logs.filter((line) => line.msg === 'server stopped')).toHaveLength(2);
    service = undefined;
  }, 60_000);
});
