// The edge and its backends as real processes on loopback: route-guide replicas and
// prod-service bundled once per test file (plain node, no tsx start-up per process), the edge
// pointed at them with static grpc-js targets (ipv4:a,b,c: the same round_robin code path a
// dns:/// name takes in compose).
import { bundleToTempDir, scrapeMetrics, spawnService, sumSamples, type ServiceProcess } from '@grpc-ts/test-support';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

export interface Bundles {
  edge: string;
  routeGuide: string;
  prod: string;
}

let bundles: Promise<Bundles> | undefined;

/** The three services bundled into temp dirs (once per test file). */
export function serviceBundles(): Promise<Bundles> {
  bundles ??= (async () => {
    const [edge, routeGuide, prod] = await Promise.all([
      bundleToTempDir(join(ROOT, 'apps/edge/src/main.ts')),
      bundleToTempDir(join(ROOT, 'apps/route-guide/src/main.ts')),
      bundleToTempDir(join(ROOT, 'apps/prod-service/src/main.ts')),
    ]);
    return { edge, routeGuide, prod };
  })();
  return bundles;
}

export const staticTarget = (...addresses: string[]) => `ipv4:${addresses.join(',')}`;

export async function startRouteGuide(env: Record<string, string> = {}): Promise<ServiceProcess> {
  // inline executor: three replicas on two cores need no thread pools each
  return spawnService(process.execPath, [(await serviceBundles()).routeGuide], { EXECUTOR: 'inline', ...env }, 60_000);
}

export async function startProd(env: Record<string, string> = {}): Promise<ServiceProcess> {
  return spawnService(process.execPath, [(await serviceBundles()).prod], env, 60_000);
}

export async function startEdge(env: Record<string, string>): Promise<ServiceProcess> {
  return spawnService(process.execPath, [(await serviceBundles()).edge], env, 60_000);
}

/** One method's calls by status code, from a process's own /metrics. */
export async function handled(service: ServiceProcess, method: string, code?: string): Promise<number> {
  const text = await scrapeMetrics(service.metricsPort!);
  return sumSamples(text, 'grpc_server_handled_total', { grpc_method: method, ...(code ? { grpc_code: code } : {}) });
}

/** A Connect unary call with JSON over HTTP/1.1 (what curl and browsers send). */
export async function connectJson(
  edge: ServiceProcess,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://${edge.address}/edge.v1.EdgeService/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function stopAll(...processes: (ServiceProcess | undefined)[]): Promise<void> {
  await Promise.all(processes.map((p) => p?.stop('SIGKILL')));
}
