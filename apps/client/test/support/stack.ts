// The two real servers, in this process on port 0, for the CLI (a separate process) to call.
// Built with the apps' own builder functions; each prod server gets its own ServerMetrics so
// tests can compare what the CLI reports with what the server counted.
import { ServerMetrics } from '@grpc-ts/pool';
import type { ServerLimits } from '@grpc-ts/server-kit';
import { startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { loadCatalogue } from '../../../prod-service/src/catalogue';
import { buildProdServer } from '../../../prod-service/src/server';
import { RouteChatStore } from '../../../route-guide/src/chat-store';
import { loadFeatures } from '../../../route-guide/src/feature-file';
import { buildRouteGuideServer } from '../../../route-guide/src/server';

export const catalogue = loadCatalogue();

export interface RunningProd extends RunningTestServer {
  metrics: ServerMetrics;
}

export async function startProd(limits?: ServerLimits): Promise<RunningProd> {
  const metrics = new ServerMetrics();
  const running = await startTestServer(buildProdServer({ catalogue, logger: testLogger(), metrics, limits }));
  return { ...running, metrics };
}

export interface RunningRouteGuide extends RunningTestServer {
  metrics: ServerMetrics;
}

export async function startRouteGuide(limits?: ServerLimits): Promise<RunningRouteGuide> {
  const metrics = new ServerMetrics();
  const running = await startTestServer(
    buildRouteGuideServer({ features: loadFeatures(), chat: new RouteChatStore(), logger: testLogger(), metrics, limits }),
  );
  return { ...running, metrics };
}

export interface Stack {
  prod: RunningProd;
  route: RunningRouteGuide;
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
      socket.on('error', () => {});
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

/** grpc_server_handled_total for one method, by status code name, read from the scrape text. */
export async function handledByCode(metrics: ServerMetrics, method: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await metrics.registry.metrics()).split('\n')) {
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
