// The real entry point as a process: env config, start, serve, SIGTERM with streams open.
import { status } from '@grpc/grpc-js';
import { createAsyncClient, routeguide } from '@grpc-ts/protos';
import { LISTENING, METRICS_LISTENING } from '@grpc-ts/runtime';
import { LOCAL_SERVICE_ENV, runToExit, spawnService, tsMain } from '@grpc-ts/test-support';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { officialFeatures } from './support/reference';
import { syntheticFeature, writeSyntheticFile } from './support/synthetic-features';

const root = join(__dirname, '../../..');
const main = join(root, 'apps/route-guide/src/main.ts');
const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
const GRACE_MS = 5_000;

describe('route-guide main', () => {
  const dir = mkdtempSync(join(tmpdir(), 'route-guide-main-'));
  // Big enough that a world-wide ListFeatures cannot fit in the transport's buffers.
  const bigFile = join(dir, 'big.json');
  beforeAll(() => writeSyntheticFile(bigFile, 150_000));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the bundled data by default and logs as JSON', async () => {
    const service = await spawnService(...tsMain(main));
    const client = createAsyncClient(routeguide.RouteGuideService, service.address);
    try {
      const first = officialFeatures[0]!;
      await expect(client.getFeature(first.location)).resolves.toEqual(first);
    } finally {
      client.$close();
      await expect(service.stop('SIGTERM')).resolves.toBe(0);
    }
    expect(service.logs.find((line) => line.msg === 'features loaded')).toMatchObject({
      service: 'route-guide',
      features: officialFeatures.length,
      named: officialFeatures.filter((f) => f.name).length,
    });
  });

  it('runs as the spawned process itself, so a signal reaches the service and not a launcher', async () => {
    const service = await spawnService(...tsMain(main));
    expect(service.logs.find((line) => line.msg === LISTENING)).toMatchObject({ pid: service.pid });
    await expect(service.stop('SIGTERM')).resolves.toBe(0);
  });

  it('exits 0 on a SIGTERM that arrives while it is still loading its data', async () => {
    const [node, args] = tsMain(main);
    const child = spawn(node, args, {
      env: { ...process.env, ...LOCAL_SERVICE_ENV, DATA: bigFile },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: Record<string, unknown>[] = [];
    const exited = new Promise<[number | null, string | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
    // METRICS_LISTENING comes before the 150,000 features are loaded and the port is bound.
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      lines.push(entry);
      if (entry.msg === METRICS_LISTENING) child.kill('SIGTERM');
    });
    await expect(exited).resolves.toEqual([0, null]);
    expect(lines.map((line) => line.msg)).toContain('stop signal received');
    expect(lines.find((line) => line.msg === 'server stopped')).toMatchObject({ outcome: 'graceful' });
  });

  it('serves the file named by DATA', async () => {
    const service = await spawnService(...tsMain(main), { DATA: bigFile });
    const client = createAsyncClient(routeguide.RouteGuideService, service.address);
    try {
      await expect(client.getFeature(syntheticFeature(1234).location)).resolves.toEqual(syntheticFeature(1234));
    } finally {
      client.$close();
      await service.stop('SIGTERM');
    }
    expect(service.logs.find((line) => line.msg === 'features loaded')).toMatchObject({ features: 150_000, source: bigFile });
  });

  it('exits 0 on SIGTERM with a RouteChat and a slow ListFeatures open, ending both with UNAVAILABLE', async () => {
    const service = await spawnService(...tsMain(main), { DATA: bigFile, SHUTDOWN_GRACE_MS: String(GRACE_MS) });
    const client = createAsyncClient(routeguide.RouteGuideService, service.address);
    try {
      const chat = client.routeChat();
      const chatResponses = chat[Symbol.asyncIterator]();
      await chat.write({ location: { latitude: 1, longitude: 1 }, message: 'one' });
      await chat.write({ location: { latitude: 1, longitude: 1 }, message: 'two' });
      await expect(chatResponses.next()).resolves.toMatchObject({ value: { message: 'one' } });

      const list = client.listFeatures(WORLD)[Symbol.asyncIterator]();
      await list.next(); // then stop reading: the server is now blocked on back-pressure

      const signalled = Date.now();
      const exited = service.stop('SIGTERM');
      await expect(chatResponses.next()).rejects.toMatchObject({ code: status.UNAVAILABLE });
      // The slow reader carries on: it gets what was in flight, then UNAVAILABLE, not a hang.
      await expect(drain(list)).rejects.toMatchObject({ code: status.UNAVAILABLE });
      await expect(exited).resolves.toBe(0);
      const tookMs = Date.now() - signalled;
      console.log(`SIGTERM with two open streams: exited 0 after ${tookMs} ms (grace ${GRACE_MS} ms)`);
      expect(tookMs).toBeLessThan(GRACE_MS);
      expect(service.logs.find((line) => line.msg === 'server stopped')).toMatchObject({ outcome: 'graceful' });
    } finally {
      client.$close();
    }
  });

  it('does not hang on a client that stops reading for good: exit 0 within the grace period', async () => {
    const service = await spawnService(...tsMain(main), { DATA: bigFile, SHUTDOWN_GRACE_MS: '1000' });
    const client = createAsyncClient(routeguide.RouteGuideService, service.address);
    try {
      const list = client.listFeatures(WORLD)[Symbol.asyncIterator]();
      await list.next(); // and never again
      const signalled = Date.now();
      await expect(service.stop('SIGTERM')).resolves.toBe(0);
      const tookMs = Date.now() - signalled;
      const stopped = service.logs.find((line) => line.msg === 'server stopped');
      console.log(`SIGTERM with a stuck reader: ${String(stopped?.outcome)}, exited 0 after ${tookMs} ms (grace 1000 ms)`);
      expect(tookMs).toBeLessThan(1_000 + 4_000); // at worst forced at the grace period (plus slack), never a hang
    } finally {
      client.$close();
    }
  });

  it.each([
    [{ PORT: 'http' }, 'PORT is not an integer'],
    [{ SHUTDOWN_GRACE_MS: '-1' }, 'SHUTDOWN_GRACE_MS is out of range'],
    [{ DATA: '/nonexistent/route_guide_db.json' }, 'DATA does not name a readable file'],
    [{ CHAT_MAX_NOTES_PER_LOCATION: '0' }, 'CHAT_MAX_NOTES_PER_LOCATION is out of range'],
    [{ CHAT_MAX_LOCATIONS: 'many' }, 'CHAT_MAX_LOCATIONS is not an integer'],
    [{ CHAT_MAX_MESSAGE_BYTES: '-5' }, 'CHAT_MAX_MESSAGE_BYTES is out of range'],
    [{ ROUTE_MAX_POINTS: '1.5' }, 'ROUTE_MAX_POINTS is not an integer'],
  ])('refuses to start with %j (exit 2, naming the variable)', async (env, message) => {
    const { code, stderr } = await runToExit(...tsMain(main), env);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('    at '); // a message, not a stack trace
  });

  it('stops with the file and entry named when DATA holds bad features', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ name: 'ok', location: { latitude: 1, longitude: 1 } }, { name: 'far', location: { latitude: 2e9, longitude: 0 } }]));
    const { code, stdout } = await runToExit(...tsMain(main), { ...LOCAL_SERVICE_ENV, DATA: bad });
    expect(code).toBe(1);
    const fatal = stdout.trim().split('\n').map((line) => JSON.parse(line)).find((line) => line.level === 'fatal');
    expect(fatal).toMatchObject({ msg: 'failed to start', err: { message: expect.stringContaining(`${bad}: entry [1]: location.latitude`) } });
  });
});

async function drain<T>(iterator: AsyncIterator<T>): Promise<void> {
  while (!(await iterator.next()).done);
}
