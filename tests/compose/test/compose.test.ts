// The whole stack in real containers, as docker-compose.yml defines it: images built from the
// Dockerfile, the certs step's CA, certificates and token, services serving mutual TLS with
// token authentication and healthy by their gRPC health checks (over mutual TLS too), the
// client (demo, health, load) run inside the compose network, plaintext and credential-less
// calls refused from the host and from inside the network, certificate rotation by re-running
// the certs step, the concurrency limit, and a service outage and recovery.
// The edge is the published way in, calling the backends over mutual TLS as its own identity;
// docker-compose.ports.yml publishes the backends too, so they can be probed from the host.
// Skips, saying why, where no Docker engine is reachable. Without an image registry, build a
// local base image first (.ci/docker-setup.sh) and set BASE_IMAGE=local/node-base:24.
import { Metadata, credentials, status } from '@grpc/grpc-js';
import { createSigningKey, signToken } from '@grpc-ts/pki';
import { checkHealth, createAsyncClient, prod, type TlsOptions } from '@grpc-ts/protos';
import { waitFor } from '@grpc-ts/test-support';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ComposeStack, probeDocker, tail, type CommandResult } from './compose-stack';

const ROOT = join(__dirname, '../../..');
// The services' data files, read as data: what the stack must answer.
const readJson = <T>(path: string): T => JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as T;
const routeGuideDb = readJson<{ name: string; location: { latitude: number; longitude: number } }[]>('apps/route-guide/data/route_guide_db.json');
const stockFile = readJson<{ products: { id: number; name: string; stock: number }[] }>('apps/prod-service/data/stock.json');
const BASE_IMAGE = process.env.BASE_IMAGE || 'node:24-bookworm-slim';
// Tag of the images built here; another checkout's run on the same engine can pick its own.
const IMAGE_TAG = process.env.E2E_IMAGE_TAG || 'e2e';
/** route-guide runs with this concurrency limit here, so a burst must overflow it. */
const ROUTE_GUIDE_LIMIT = 2;
const MEMORY_LIMIT = 256 * 1024 * 1024; // docker-compose.yml's default mem_limit
const SERVICES = ['prod-service', 'route-guide'];
/** docker-compose.yml's default: route-guide is a cluster behind the edge. */
const ROUTE_GUIDE_REPLICAS = 3;
const replicaIndexes = Array.from({ length: ROUTE_GUIDE_REPLICAS }, (_, i) => i + 1);
/** Containers of SERVICES: prod-service and every route-guide replica. */
const SERVICE_CONTAINERS = 1 + ROUTE_GUIDE_REPLICAS;

/** What the certs step writes, and who may read it: private files only uid 1000. */
const CERT_FILES: Record<string, string> = {
  'ca.crt': '644',
  'ca.key': '600',
  'prod-service.crt': '644',
  'prod-service.key': '600',
  'route-guide.crt': '644',
  'route-guide.key': '600',
  'edge.crt': '644',
  'edge.key': '600',
  'client.crt': '644',
  'client.key': '600',
  'jwks.json': '644',
  'signing-key.json': '600',
  'client.token': '600',
};

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
    IMAGE_TAG,
    PUBLISH_ADDRESS: '127.0.0.1',
    // Host port 0: Docker picks free ports, so a local stack on the default ports is no obstacle.
    PROD_SERVICE_PORT: '0',
    PROD_SERVICE_METRICS_PORT: '0',
    EDGE_PORT: '0',
    EDGE_METRICS_PORT: '0',
    ROUTE_GUIDE_MAX_CONCURRENT_RPCS: String(ROUTE_GUIDE_LIMIT),
    HEALTHCHECK_INTERVAL: '2s',
  });
  const client = (...args: string[]) => stack.run('client', args);
  /** The client container with some of its CLIENT_* settings blanked or replaced. */
  const clientWith = (env: Record<string, string>, ...args: string[]) => stack.run('client', args, { env });
  /** The files a host-side caller needs, copied out of the certs step's container. */
  const hostDir = mkdtempSync(join(tmpdir(), 'compose-certs-'));
  const hostFile = (name: string) => readFileSync(join(hostDir, name), 'utf8');
  let mtls: TlsOptions;
  let stackToken: string;

  beforeAll(async () => {
    const cli = tool.standalone ? 'docker-compose' : 'docker compose';
    console.log(`compose e2e: ${cli} ${tool.version}, project ${stack.projectName}, BASE_IMAGE=${BASE_IMAGE}`);
    let started = performance.now();
    await stack.build(); // a base image that cannot be pulled fails naming .ci/docker-setup.sh
    const buildSeconds = (performance.now() - started) / 1000;
    console.log(`compose e2e: the images run node ${await stack.nodeVersion('client')}`);
    started = performance.now();
    await stack.up();
    await stack.waitHealthy([...SERVICES, 'edge'], 3 * MINUTE);
    const upSeconds = (performance.now() - started) / 1000;
    console.log(`compose e2e: images built in ${buildSeconds.toFixed(1)} s; from up to all healthy in ${upSeconds.toFixed(1)} s`);
    for (const file of ['ca.crt', 'client.crt', 'client.key', 'client.token']) await stack.copyFrom('certs', `/certs/${file}`, hostDir);
    mtls = { ca: hostFile('ca.crt'), cert: hostFile('client.crt'), key: hostFile('client.key') };
    stackToken = hostFile('client.token').trim();
  }, 20 * MINUTE);

  afterAll(async () => {
    rmSync(hostDir, { recursive: true, force: true });
    const result = await stack.down();
    if (result.exitCode !== 0) console.error(`compose down failed (exit ${result.exitCode}):\n${tail(result.err, 20)}`);
  }, 3 * MINUTE);

  it('runs the services as non-root, memory-limited containers checked by gRPC health checks', async () => {
    expect(await stack.containerIds('route-guide')).toHaveLength(ROUTE_GUIDE_REPLICAS);
    for (const [service, index] of [['prod-service', 1], ...replicaIndexes.map((i) => ['route-guide', i])] as [string, number][]) {
      const state = await stack.inspect(service, index);
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
    // They serve mutual TLS with policies enforced: no PLAINTEXT / AUTH=off warnings, and the
    // "listening" line says so.
    const logs = await stack.logs(SERVICES);
    expect(logs).not.toMatch(/serving PLAINTEXT|AUTH=off/);
    expect(logs.match(/"transport":"mtls","auth":"on"/g)).toHaveLength(SERVICE_CONTAINERS);
  });

  it('ran the certs step once before the services: the files exist, private ones readable only by uid 1000', async () => {
    expect(await stack.inspect('certs')).toMatchObject({ status: 'exited', exitCode: 0, user: '1000:1000' });
    expect(await stack.logs(['certs'])).toMatch(/created +client\.token valid until /);
    const listing = await stack.run(
      'certs',
      ['-e', 'const fs = require("node:fs"); for (const f of fs.readdirSync("/certs")) { const s = fs.statSync("/certs/" + f); console.log(f, (s.mode & 0o777).toString(8), s.uid); }'],
      { entrypoint: 'node' },
    );
    const files = Object.fromEntries(
      listing.out.trim().split('\n').map((line) => {
        const [file, mode, uid] = line.split(' ');
        return [file, `${mode} uid ${uid}`];
      }),
    );
    expect(files).toEqual(Object.fromEntries(Object.entries(CERT_FILES).map(([file, mode]) => [file, `${mode} uid 1000`])));
  });

  it("sizes each service's heap from its container's memory limit (docker/node-entry.sh)", async () => {
    const logs = await stack.logs(SERVICES);
    const limits = [...logs.matchAll(/"heapLimitMiB":(\d+)/g)].map((m) => Number(m[1]));
    expect(limits).toHaveLength(SERVICE_CONTAINERS);
    // Half the limit for the old space, plus the young generation: well under 256 MiB (node's
    // default there is 259 MiB, the whole limit and more).
    for (const limit of limits) expect(limit).toBeLessThan((MEMORY_LIMIT / 2 ** 20) * 0.6);
  });

  it('starts the client once the services are healthy, and its demo succeeds', async () => {
    const exitCode = await stack.waitExit('client', 2 * MINUTE);
    const logs = await stack.logs(['client']);
    expect({ exitCode, logs }).toEqual({ exitCode: 0, logs: expect.stringMatching(/(\d+) of \1 calls succeeded/) });
  });

  it('publishes the backends\' gRPC ports on the host with the ports overlay (every replica), over mutual TLS with the generated certificates', async () => {
    const prodPort = await stack.publishedPort('prod-service', 50051);
    // The certificates name the compose services (and localhost / 127.0.0.1, for the host).
    const prodTls = { ...mtls, serverName: 'prod-service' };
    await expect(checkHealth(`127.0.0.1:${prodPort}`, 'services.ProdService', { tls: prodTls, timeoutMs: 5000 })).resolves.toBe('SERVING');
    for (const index of replicaIndexes) {
      const routePort = await stack.publishedPort('route-guide', 50052, index);
      await expect(checkHealth(`localhost:${routePort}`, 'routeguide.RouteGuide', { tls: mtls, timeoutMs: 5000 })).resolves.toBe('SERVING');
    }
    const stock = createAsyncClient(prod.ProdServiceService, `127.0.0.1:${prodPort}`, { tls: prodTls, token: stackToken });
    try {
      await expect(stock.getProdStock({ prodId: 1 }, { timeoutMs: 5000 })).resolves.toEqual({ proStock: stockFile.products.find((p) => p.id === 1)!.stock });
    } finally {
      stock.$close();
    }
  });

  it('serves the edge on the host: the page, Connect JSON answers from the backends, balanced over every route-guide replica', async () => {
    const edge = `127.0.0.1:${await stack.publishedPort('edge', 8080)}`;
    const page = await fetch(`http://${edge}/`);
    expect({ status: page.status, body: await page.text() }).toEqual({ status: 200, body: expect.stringContaining('<script type="module" src="app.js">') });
    expect((await fetch(`http://${edge}/app.js`)).status).toBe(200);
    expect((await fetch(`http://${edge}/readyz`)).status).toBe(200);
    const served = async () =>
      Promise.all(
        replicaIndexes.map(async (index) => {
          const text = await (await fetch(`http://127.0.0.1:${await stack.publishedPort('route-guide', 9464, index)}/metrics`)).text();
          return parseMetrics(text.split('\n').filter((line) => line.includes('GetFeature') && line.includes('grpc_code="OK"')).join('\n'), 'grpc_server_handled_total');
        }),
      );
    const before = await served();
    const named = routeGuideDb.find((feature) => feature.name)!;
    for (let i = 0; i < 60; i++) {
      const response = await fetch(`http://${edge}/edge.v1.EdgeService/PlanTrip`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ waypoints: [named.location], productIds: [1] }),
      });
      expect(await response.json()).toMatchObject({
        waypoints: [{ location: named.location, featureName: named.name }],
        supplies: [{ productId: 1, stock: stockFile.products.find((p) => p.id === 1)!.stock }],
      });
    }
    const after = await served();
    const perReplica = after.map((count, i) => count - before[i]!);
    console.log(`compose e2e: 60 PlanTrip calls through the edge; GetFeature per route-guide replica: ${perReplica.join(' / ')}`);
    expect(perReplica.reduce((a, b) => a + b, 0)).toBe(60);
    for (const count of perReplica) expect(count).toBeGreaterThanOrEqual(12);
  }, 2 * MINUTE);

  it('refuses plaintext and credential-less calls from the host: UNAVAILABLE, then UNAUTHENTICATED / PERMISSION_DENIED', async () => {
    const target = `127.0.0.1:${await stack.publishedPort('prod-service', 50051)}`;
    const call = async (options: Parameters<typeof createAsyncClient>[2], metadata?: Metadata) => {
      const stock = createAsyncClient(prod.ProdServiceService, target, { channelOptions: { 'grpc.enable_retries': 0 }, ...options });
      try {
        return await stock.getProdStock({ prodId: 1 }, { timeoutMs: 5000, metadata }).then(
          () => 'OK',
          (error: { code: number; details: string }) => `${status[error.code]}: ${error.details}`,
        );
      } finally {
        stock.$close();
      }
    };
    const foreignKey = await createSigningKey();
    const foreignToken = await signToken(foreignKey, { subject: 'intruder', issuer: 'https://grpc-ts.local', audience: 'grpc-ts', scopes: ['stock:read'] });
    const outcomes = {
      plaintext: await call({ credentials: credentials.createInsecure() }),
      plaintextWithToken: await call({ credentials: credentials.createInsecure(), token: stackToken }),
      tlsWithoutClientCertificate: await call({ tls: { ca: mtls.ca, serverName: 'prod-service' }, token: stackToken }),
      mtlsWithoutToken: await call({ tls: { ...mtls, serverName: 'prod-service' } }),
      mtlsWithForeignToken: await call({ tls: { ...mtls, serverName: 'prod-service' }, token: foreignToken }),
      mtlsWithStackToken: await call({ tls: { ...mtls, serverName: 'prod-service' }, token: stackToken }),
    };
    expect(outcomes).toEqual({
      plaintext: expect.stringMatching(/^UNAVAILABLE: /),
      plaintextWithToken: expect.stringMatching(/^UNAVAILABLE: /),
      tlsWithoutClientCertificate: expect.stringMatching(/^UNAVAILABLE: .*certificate required/),
      // The client certificate is spiffe://grpc-ts/client: a service the policy does not admit.
      mtlsWithoutToken: 'PERMISSION_DENIED: this method needs a token with scope stock:read or a certificate of spiffe://grpc-ts/edge',
      mtlsWithForeignToken: expect.stringMatching(/^UNAUTHENTICATED: the token (signature does not verify|is signed with an unknown key)$/),
      mtlsWithStackToken: 'OK',
    });
  });

  it('refuses plaintext and credential-less calls inside the network, with the CLI naming the flag', async () => {
    // compose v1 writes its own "Creating ..." lines to stderr too: the CLI's is the error: line.
    const errorLine = (result: CommandResult) => result.err.split('\n').find((line) => line.startsWith('error: ')) ?? result.err;
    const noTls = { CLIENT_CA_FILE: '', CLIENT_CERT_FILE: '', CLIENT_KEY_FILE: '' };
    const plaintext = await clientWith({ ...noTls, CLIENT_TOKEN_FILE: '' }, '--retries', '0', 'prod', 'get', '1');
    expect({ exitCode: plaintext.exitCode, err: errorLine(plaintext) }).toEqual({
      exitCode: 1,
      err: expect.stringMatching(/^error: UNAVAILABLE: .*\(target prod-service:50051\); TLS required\?.*--tls/),
    });
    const healthPlain = await clientWith(noTls, '--retries', '0', 'health', 'route-guide:50052');
    expect({ exitCode: healthPlain.exitCode, err: errorLine(healthPlain) }).toEqual({ exitCode: 1, err: expect.stringContaining('--tls') });
    const noToken = await clientWith({ CLIENT_TOKEN_FILE: '' }, 'route', 'feature', '409146138', '-746188906');
    expect({ exitCode: noToken.exitCode, err: errorLine(noToken) }).toEqual({
      exitCode: 1,
      err: expect.stringMatching(/^error: PERMISSION_DENIED: this method needs a token with scope route:read .*pass --token or --token-file$/),
    });
    const badToken = await clientWith({ CLIENT_TOKEN_FILE: '', CLIENT_TOKEN: 'not.a.jwt' }, 'prod', 'get', '1');
    expect({ exitCode: badToken.exitCode, err: errorLine(badToken) }).toEqual({
      exitCode: 1,
      err: expect.stringMatching(/^error: UNAUTHENTICATED: the token is not a valid JWT .*the server did not accept the token/),
    });
  }, 3 * MINUTE);

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
    // Every replica's own metrics, summed: the burst lands on whichever replicas DNS gave the client's channels.
    const metricsPorts = await Promise.all(replicaIndexes.map((index) => stack.publishedPort('route-guide', 9464, index)));
    const scrapeAll = async () => Promise.all(metricsPorts.map(async (port) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text()));
    const metricsBefore = await scrapeAll();

    // 64 ListFeatures streams at once against a limit of 2.
    const burst = (rpc: string) =>
      client('--json', 'load', '--rpc', rpc, '--concurrency', '64', '--channels', '4', '--count', '1000');
    const report = parseJsonOutput<LoadReport>('client load route-list', await burst('route-list'));
    expect(report.calls).toBe(1000);
    expect(report.statuses.RESOURCE_EXHAUSTED).toBeGreaterThan(0);
    expect(report.ok).toBeGreaterThan(0);
    expect(Object.keys(report.statuses).sort()).toEqual(['OK', 'RESOURCE_EXHAUSTED']);

    // The setting reached the servers, and their limiters counted exactly those rejections.
    const metricsAfter = await scrapeAll();
    for (const text of metricsAfter) expect(parseMetrics(text, 'grpc_server_max_concurrent_rpcs')).toBe(ROUTE_GUIDE_LIMIT);
    const rejected = (metrics: string[]) => metrics.reduce((sum, text) => sum + parseMetrics(text, 'grpc_server_rejected_total'), 0);
    expect(rejected(metricsAfter) - rejected(metricsBefore)).toBe(report.statuses.RESOURCE_EXHAUSTED);

    // The same burst against prod-service (default limit 1000) is served in full.
    const control = parseJsonOutput<LoadReport>('client load prod-get', await burst('prod-get'));
    expect(control.statuses).toEqual({ OK: 1000 });
  }, 3 * MINUTE);

  it('rotates certificates and the token by re-running the certs step, with no restart', async () => {
    const prodPort = await stack.publishedPort('prod-service', 50051);
    const servedSerial = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port: prodPort, servername: 'prod-service', ALPNProtocols: ['h2'], ca: mtls.ca, cert: mtls.cert, key: mtls.key },
          () => {
            resolve(socket.getPeerX509Certificate()!.serialNumber);
            socket.destroy();
          },
        );
        socket.on('error', reject);
      });
    const before = await servedSerial();
    // A plain re-run keeps everything: nothing is due.
    const again = await stack.run('certs', ['/certs', 'prod-service', 'route-guide', 'edge']);
    expect({ exitCode: again.exitCode, actions: [...new Set(again.out.trim().split('\n').map((line) => line.split(/\s+/)[0]))] }).toEqual({
      exitCode: 0,
      actions: ['kept'],
    });
    const rotated = await stack.run('certs', ['/certs', 'prod-service', 'route-guide', 'edge', '--rotate']);
    expect(rotated.out).toMatch(/^renewed +prod-service\.crt \(rotation asked for\)/m);
    // The service reloads the files it watches (TLS_RELOAD_INTERVAL_MS, 2 s): a new
    // connection gets the new certificate.
    const now = await waitFor(async () => {
      const serial = await servedSerial();
      return serial !== before && serial;
    }, 'prod-service to serve the rotated certificate', MINUTE);
    expect(now).not.toBe(before);
    // Health checks (the services' own, renewed certificates) and the demo (the new client
    // certificate and token) go on working.
    await stack.waitHealthy(SERVICES, MINUTE);
    const demo = parseJsonOutput<DemoReport>('client demo (after rotation)', await client('--json', 'demo'));
    expect(demo.failed).toBe(0);
    expect((await stack.logs(['prod-service'])).match(/TLS certificate reloaded/g)?.length).toBeGreaterThanOrEqual(1);
  }, 3 * MINUTE);

  it('fails calls to a stopped service with UNAVAILABLE, and recovers after a restart', async () => {
    await stack.stop('prod-service');
    expect((await stack.inspect('prod-service')).status).toBe('exited');

    // Through the edge: the trip still comes back, with its supplies part in error.
    const edge = `127.0.0.1:${await stack.publishedPort('edge', 8080)}`;
    const trip = await fetch(`http://${edge}/edge.v1.EdgeService/PlanTrip`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'connect-timeout-ms': '3000' },
      body: JSON.stringify({ waypoints: [routeGuideDb[0]!.location], productIds: [1] }),
    });
    expect(await trip.json()).toMatchObject({
      route: { pointCount: 1 },
      supplies: [{ productId: 1, error: { code: expect.stringMatching(/^(unavailable|deadline_exceeded)$/) } }],
    });

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
