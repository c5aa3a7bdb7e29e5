// The whole stack in real containers, as docker-compose.yml defines it: images built from the
// Dockerfile, services healthy by their gRPC health checks, the client (demo, health, load)
// run inside the compose network, the concurrency limit, and a service outage and recovery.
// Skips, saying why, where no Docker engine is reachable. Without an image registry, build a
// local base image first (.ci/docker-setup.sh) and set BASE_IMAGE=local/node-base:20.
import { checkHealth } from '@grpc-ts/protos';
import { join } from 'node:path';
import routeGuideDb from '../../../apps/route-guide/data/route_guide_db.json';
import stockFile from '../../../apps/prod-service/data/stock.json';
import { ComposeStack, probeDocker, tail, type CommandResult } from './compose-stack';

const ROOT = join(__dirname, '../../..');
const BASE_IMAGE = process.env.BASE_IMAGE || 'node:20-bookworm-slim';
/** route-guide runs with this concurrency limit here, so a burst must overflow it. */
const ROUTE_GUIDE_LIMIT = 2;
const MEMORY_LIMIT = 256 * 1024 * 1024; // docker-compose.yml's default mem_limit
const SERVICES = ['prod-service', 'route-guide'];

const MINUTE = 60_000;

const probe = probeDocker();
if ('reason' in probe) console.warn(`SKIPPED compose e2e: ${probe.reason}`);

interface DemoStep {
  service: string;
  call: string;
  ok: boolean;
  result: string;
}
interface DemoReport {
  passed: number;
  failed: number;
  steps: DemoStep[];
}
interface LoadReport {
  calls: number;
  ok: number;
  statuses: Record<string, number>;
}

function parseJsonOutput<T>(what: string, result: CommandResult): T {
  try {
    return JSON.parse(result.out) as T;
  } catch {
    throw new Error(
      `${what}: expected JSON on stdout, exit ${result.exitCode}\n` +
        `stdout: ${tail(result.out, 20)}\nstderr: ${tail(result.err, 20)}`,
    );
  }
}

/** "lat,lng" in degrees, as the client prints points, back to E7 integers. */
function pointsIn(label: string): { latitude: number; longitude: number }[] {
  return [...label.matchAll(/(-?\d+\.\d+),(-?\d+\.\d+)/g)].map((match) => ({
    latitude: Math.round(Number(match[1]) * 1e7),
    longitude: Math.round(Number(match[2]) * 1e7),
  }));
}

/** What the data files say the demo's calls must return. */
function expectedDemoResult(step: DemoStep): string | RegExp {
  if (step.call.startsWith('Health/Check')) return 'SERVING';
  if (step.call.startsWith('GetProdStock(prod_id=1)')) return `pro_stock=${stockFile.products.find((p) => p.id === 1)!.stock}`;
  if (step.call.startsWith('GetFeature(')) {
    const [point] = pointsIn(step.call);
    const feature = routeGuideDb.find(
      ({ location }) => location.latitude === point!.latitude && location.longitude === point!.longitude,
    );
    return feature?.name ? `"${feature.name}" at ${step.call.slice('GetFeature('.length, -1)}` : /^no feature at /;
  }
  if (step.call.startsWith('ListFeatures(')) {
    const [a, b] = pointsIn(step.call);
    const [latMin, latMax] = [Math.min(a!.latitude, b!.latitude), Math.max(a!.latitude, b!.latitude)];
    const [lngMin, lngMax] = [Math.min(a!.longitude, b!.longitude), Math.max(a!.longitude, b!.longitude)];
    const named = routeGuideDb.filter(
      ({ name, location: { latitude, longitude } }) =>
        name !== '' && latitude >= latMin && latitude <= latMax && longitude >= lngMin && longitude <= lngMax,
    );
    return `${named.length} features`;
  }
  if (step.call.startsWith('RecordRoute(')) return /^\d+ points, \d+ features passed, \d+ m, \d+ s$/;
  if (step.call.startsWith('RouteChat(')) return /^sent \d+, received \d+$/;
  return /.*/;
}

function parseMetrics(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

('tool' in probe ? describe : describe.skip)('docker compose stack', () => {
  const tool = 'tool' in probe ? probe.tool : { standalone: true, version: '' };
  // Unique per run: parallel runs and leftovers of a crashed run never collide.
  const stack = new ComposeStack(tool, `grpcts-e2e-${process.pid}-${Date.now().toString(36)}`, ROOT, {
    BASE_IMAGE,
    IMAGE_TAG: 'e2e',
    PUBLISH_ADDRESS: '127.0.0.1',
    // Host port 0: Docker picks free ports, so a local stack on the default ports is no obstacle.
    PROD_SERVICE_PORT: '0',
    PROD_SERVICE_METRICS_PORT: '0',
    ROUTE_GUIDE_PORT: '0',
    ROUTE_GUIDE_METRICS_PORT: '0',
    ROUTE_GUIDE_MAX_CONCURRENT_RPCS: String(ROUTE_GUIDE_LIMIT),
    HEALTHCHECK_INTERVAL: '2s',
  });
  const client = (...args: string[]) => stack.run('client', args);

  beforeAll(async () => {
    const cli = tool.standalone ? 'docker-compose' : 'docker compose';
    console.log(`compose e2e: ${cli} ${tool.version}, project ${stack.projectName}, BASE_IMAGE=${BASE_IMAGE}`);
    let started = performance.now();
    try {
      await stack.build();
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n(where no image registry is reachable, build a local base image with ` +
          '.ci/docker-setup.sh and set BASE_IMAGE=local/node-base:20)',
      );
    }
    const buildSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await stack.up();
    await stack.waitHealthy(SERVICES, 3 * MINUTE);
    const upSeconds = (performance.now() - started) / 1000;
    console.log(`compose e2e: images built in ${buildSeconds.toFixed(1)} s; from up to all healthy in ${upSeconds.toFixed(1)} s`);
  }, 20 * MINUTE);

  afterAll(async () => {
    const result = await stack.down();
    if (result.exitCode !== 0) console.error(`compose down failed (exit ${result.exitCode}):\n${tail(result.err, 20)}`);
  }, 3 * MINUTE);

  it('runs the services as non-root, memory-limited containers checked by gRPC health checks', async () => {
    for (const service of SERVICES) {
      const state = await stack.inspect(service);
      expect({ service, status: state.status, health: state.health, user: state.user, memoryBytes: state.memoryBytes }).toEqual({
        service,
        status: 'running',
        health: 'healthy',
        user: '1000:1000',
        memoryBytes: MEMORY_LIMIT,
      });
      // The check is the client's grpc.health.v1 call, and it printed the serving status.
      expect(state.healthcheckTest).toEqual(expect.arrayContaining(['node', '/opt/client/main.js', 'health']));
      expect(state.lastHealthOutput).toBe('SERVING');
    }
  });

  it("sizes each service's heap from its container's memory limit (docker/node-entry.sh)", async () => {
    const logs = await stack.logs(SERVICES);
    const limits = [...logs.matchAll(/"heapLimitMiB":(\d+)/g)].map((m) => Number(m[1]));
    expect(limits).toHaveLength(SERVICES.length);
    // Half the limit for the old space, plus the young generation: well under 256 MiB (node's
    // default there is 259 MiB, the whole limit and more).
    for (const limit of limits) expect(limit).toBeLessThan((MEMORY_LIMIT / 2 ** 20) * 0.6);
  });

  it('starts the client once the services are healthy, and its demo succeeds', async () => {
    const exitCode = await stack.waitExit('client', 2 * MINUTE);
    const logs = await stack.logs(['client']);
    expect({ exitCode, logs }).toEqual({ exitCode: 0, logs: expect.stringMatching(/(\d+) of \1 calls succeeded/) });
  });

  it('publishes the gRPC ports on the host', async () => {
    const prodPort = await stack.publishedPort('prod-service', 50051);
    const routePort = await stack.publishedPort('route-guide', 50052);
    await expect(checkHealth(`127.0.0.1:${prodPort}`, 'services.ProdService', 5000)).resolves.toBe('SERVING');
    await expect(checkHealth(`127.0.0.1:${routePort}`, 'routeguide.RouteGuide', 5000)).resolves.toBe('SERVING');
  });

  it('gets the right answers from every RPC of both services inside the network', async () => {
    const result = await client('--json', 'demo');
    const report = parseJsonOutput<DemoReport>('client demo', result);
    expect(report.steps.length).toBeGreaterThanOrEqual(7);
    for (const step of report.steps) {
      expect({ call: step.call, ok: step.ok, result: step.result }).toEqual({
        call: step.call,
        ok: true,
        result: expect.stringMatching(toRegExp(expectedDemoResult(step))),
      });
    }
    expect(report.steps.map((step) => step.service)).toEqual(expect.arrayContaining(SERVICES));
    expect({ exitCode: result.exitCode, failed: report.failed }).toEqual({ exitCode: 0, failed: 0 });
  }, 2 * MINUTE);

  it(`rejects a burst beyond MAX_CONCURRENT_RPCS=${ROUTE_GUIDE_LIMIT} with RESOURCE_EXHAUSTED`, async () => {
    const metricsPort = await stack.publishedPort('route-guide', 9464);
    const metricsBefore = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();

    // 64 ListFeatures streams at once against a limit of 2.
    const burst = (rpc: string) =>
      client('--json', 'load', '--rpc', rpc, '--concurrency', '64', '--channels', '4', '--count', '1000');
    const report = parseJsonOutput<LoadReport>('client load route-list', await burst('route-list'));
    expect(report.calls).toBe(1000);
    expect(report.statuses.RESOURCE_EXHAUSTED).toBeGreaterThan(0);
    expect(report.ok).toBeGreaterThan(0);
    expect(Object.keys(report.statuses).sort()).toEqual(['OK', 'RESOURCE_EXHAUSTED']);

    // The setting reached the server, and its limiter counted exactly those rejections.
    const metricsAfter = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(parseMetrics(metricsAfter, 'grpc_server_max_concurrent_rpcs')).toBe(ROUTE_GUIDE_LIMIT);
    const rejected = (metrics: string) => parseMetrics(metrics, 'grpc_server_rejected_total');
    expect(rejected(metricsAfter) - rejected(metricsBefore)).toBe(report.statuses.RESOURCE_EXHAUSTED);

    // The same burst against prod-service (default limit 1000) is served in full.
    const control = parseJsonOutput<LoadReport>('client load prod-get', await burst('prod-get'));
    expect(control.statuses).toEqual({ OK: 1000 });
  }, 3 * MINUTE);

  it('fails calls to a stopped service with UNAVAILABLE, and recovers after a restart', async () => {
    await stack.stop('prod-service');
    expect((await stack.inspect('prod-service')).status).toBe('exited');

    const health = await client('--retries', '0', 'health', 'prod', 'services.ProdService');
    expect({ exitCode: health.exitCode, err: health.err }).toEqual({ exitCode: 1, err: expect.stringContaining('UNAVAILABLE') });

    // The other service is unaffected: its steps of the demo still pass.
    const during = parseJsonOutput<DemoReport>('client demo (prod-service stopped)', await client('--json', 'demo'));
    expect(during.failed).toBeGreaterThan(0);
    for (const step of during.steps) {
      const call = `${step.service} ${step.call}`;
      const expected =
        step.service === 'prod-service'
          ? { ok: false, result: expect.stringMatching(/^UNAVAILABLE/) }
          : { ok: true, result: expect.anything() };
      expect({ call, ok: step.ok, result: step.result }).toEqual({ call, ...expected });
    }

    await stack.start('prod-service');
    await stack.waitHealthy(['prod-service'], 2 * MINUTE);
    const after = await client('--json', 'demo');
    const report = parseJsonOutput<DemoReport>('client demo (after restart)', after);
    expect({ exitCode: after.exitCode, failed: report.failed, failures: report.steps.filter((step) => !step.ok) }).toEqual({
      exitCode: 0,
      failed: 0,
      failures: [],
    });
  }, 5 * MINUTE);
});

function toRegExp(expected: string | RegExp): RegExp {
  return typeof expected === 'string' ? new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : expected;
}
