// The two real services as processes (from source, on port 0) for the CLI (another process)
// to call. Each has its own /metrics, so tests can compare what the CLI reports with what
// the server counted. Data come from the services' data files, read as data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { scrapeMetrics, spawnService, tsMain, type ServiceProcess } from '@grpc-ts/test-support';

const apps = join(__dirname, '../../..');
const stockFile = JSON.parse(readFileSync(join(apps, 'prod-service/data/stock.json'), 'utf8')) as {
  products: { id: number; name: string; stock: number }[];
};
export const catalogue: ReadonlyMap<number, { id: number; name: string; stock: number }> = new Map(
  stockFile.products.map((product) => [product.id, product]),
);

export interface RunningService extends ServiceProcess {
  /** Its Prometheus page, now. */
  metrics(): Promise<string>;
}

async function start(app: string, env: Record<string, string>): Promise<RunningService> {
  const service = await spawnService(...tsMain(join(apps, app, 'src/main.ts')), env);
  return Object.assign(service, { metrics: () => scrapeMetrics(service.metricsPort!) });
}

/** prod-service; env adds settings (e.g. MAX_CONCURRENT_RPCS). */
export const startProd = (env: Record<string, string> = {}) => start('prod-service', env);
export const startRouteGuide = (env: Record<string, string> = {}) => start('route-guide', env);

export interface Stack {
  prod: RunningService;
  route: RunningService;
  /** Points the CLI at both servers. */
  env: Record<string, string>;
}

/** Starts both servers before a test file's tests and stops them after; fields are set once started. */
export function useStack(): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    [stack.prod, stack.route] = await Promise.all([startProd(), startRouteGuide()]);
    stack.env = { PROD_SERVICE_ADDR: stack.prod.address, ROUTE_GUIDE_ADDR: stack.route.address };
  });
  afterAll(async () => {
    await Promise.all([stack.prod?.stop(), stack.route?.stop()]);
  });
  return stack;
}

/** A TCP relay in front of a server that counts the connections clients open through it. */
export async function connectionCounter(target: string): Promise<{ address: string; connections(): number; close(): Promise<void> }> {
  const { createServer, connect } = await import('node:net');
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let connections = 0;
  const sockets = new Set<import('node:net').Socket>();
  const relay = createServer((client) => {
    connections++;
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(relay.address() as { port: number }).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      }),
  };
}

/** grpc_server_handled_total for one method, by status code name, read from the service's /metrics. */
export async function handledByCode(service: RunningService, method: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await service.metrics()).split('\n')) {
    const match = /^grpc_server_handled_total\{(.*)\} (\d+(?:\.\d+)?)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map(([, key, value]) => [key, value]));
    if (labels.grpc_method === method && Number(match[2]) > 0) counts[labels.grpc_code!] = Number(match[2]);
  }
  return counts;
}

/** An address nothing listens on: a port bound, then released. */
export async function unusedAddress(): Promise<string> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
