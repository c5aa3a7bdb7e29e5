// A service under attack: its bundle run with plain node, default settings except those a
// test sets, observed from outside the way an operator would: /metrics and the kernel's
// view of its memory.
import { scrapeMetrics, spawnService, sumSamples, waitFor, type ServiceProcess } from '@grpc-ts/test-support';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export type App = 'route-guide' | 'prod-service';

export interface Snapshot {
  /** grpc_server_active_rpcs: slots held now. */
  active: number;
  /** grpc_server_connections_active: sockets accepted and not yet closed. */
  connections: number;
  /** grpc_server_handled_total, optionally for one code and/or method name (e.g. "ListFeatures"). */
  handled(code?: string, method?: string): number;
  /** grpc_server_rejected_total. */
  rejected: number;
  text: string;
}

export interface Target {
  app: App;
  service: ServiceProcess;
  address: string;
  port: number;
  metrics(): Promise<Snapshot>;
  /** Resident set size of the server process now (VmRSS). */
  rssBytes(pid?: number): number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const SERVICE_PATH: Record<App, string> = {
  'route-guide': '/routeguide.RouteGuide/',
  'prod-service': '/services.ProdService/',
};

export function bundleOf(app: App): string {
  const bundle = app === 'route-guide' ? process.env.HOSTILE_BUNDLE_ROUTE_GUIDE : process.env.HOSTILE_BUNDLE_PROD_SERVICE;
  if (!bundle) throw new Error('no bundle: run this suite through its jest config (globalSetup builds the bundles)');
  return bundle;
}

const ENTRY_SCRIPT = join(__dirname, '../../../../docker/node-entry.sh');

export interface StartOptions {
  /**
   * Run through the images' entrypoint (docker/node-entry.sh) as inside a container with
   * this memory limit: node's heap is sized from it exactly as in the image.
   */
  containerMemoryBytes?: number;
}

/** Starts `app`'s bundle on 127.0.0.1 (PORT=0, METRICS_PORT=0) with `env` over the defaults. */
export async function startTarget(app: App, env: Record<string, string> = {}, options: StartOptions = {}): Promise<Target> {
  const bundle = bundleOf(app);
  const service = options.containerMemoryBytes
    ? await spawnService('sh', [ENTRY_SCRIPT, bundle], { MEMORY_LIMIT_BYTES: String(options.containerMemoryBytes), ...env }, 30_000, {
        baseEnv: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` },
      })
    : await spawnService(process.execPath, [bundle], env, 30_000);
  const metricsPort = await waitForMetricsPort(service);
  return {
    app,
    service,
    address: service.address,
    port: service.port,
    metrics: async () => snapshot(await scrapeMetrics(metricsPort), SERVICE_PATH[app]),
    rssBytes: (pid = service.pid) => rssOf(pid),
    stop: (signal) => service.stop(signal),
  };
}

async function waitForMetricsPort(service: ServiceProcess): Promise<number> {
  // A lone process logs 'metrics listening' before 'listening'; a cluster primary may log it
  // a moment after its first worker listens.
  const port = await waitFor(() => service.metricsPort, 'the metrics port in the logs', 10_000);
  if (port === undefined) throw new Error('the service did not log its metrics port');
  return port;
}

function snapshot(text: string, servicePath: string): Snapshot {
  return {
    text,
    active: sumSamples(text, 'grpc_server_active_rpcs'),
    connections: sumSamples(text, 'grpc_server_connections_active'),
    rejected: sumSamples(text, 'grpc_server_rejected_total'),
    handled: (code, method) =>
      sumSamples(text, 'grpc_server_handled_total', {
        ...(code ? { grpc_code: code } : {}),
        ...(method ? { grpc_method: `${servicePath}${method}` } : {}),
      }),
  };
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

export const MiB = 1024 * 1024;

/** Samples a process's RSS every `everyMs` until stopped; stop() gives the peak seen. */
export function watchRss(pid: number, everyMs = 50): { stop(): number; readonly peak: number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(pid));
    } catch {
      // the process is gone: the peak stays what it was
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
    get peak() {
      return peak;
    },
  };
}
