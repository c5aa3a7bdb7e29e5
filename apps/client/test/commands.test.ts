// Each subcommand run as a real process against real servers: output and exit code.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonOut, runCli } from './support/cli';
import { prod } from '@grpc-ts/protos';
import { ServiceServer } from '@grpc-ts/server-kit';
import { startTestServer, testLogger, publicPolicies } from '@grpc-ts/server-kit/testing';
import { catalogue, unusedAddress, useStack } from './support/stack';

interface Feature {
  name: string;
  location: { latitude: number; longitude: number };
}
const features: Feature[] = JSON.parse(readFileSync(join(__dirname, '../../route-guide/data/route_guide_db.json'), 'utf8'));
const named = features.filter((feature) => feature.name);
const BERKSHIRE = named.find((feature) => feature.name.startsWith('Berkshire Valley'))!;

const stack = useStack();

const cli = (...args: string[]) => runCli(args, { env: stack.env });

/** A failure must be exactly one line on stderr, never a stack trace. */
function expectOneLineError(run: { stderr: string }, ...parts: string[]) {
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  for (const part of parts) expect(lines[0]).toContain(part);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('prod get', () => {
  it('prints the stock of a product, as text and as JSON', async () => {
    const product = catalogue.get(2)!;
    const text = await cli('prod', 'get', '2');
    expect(text).toMatchObject({ code: 0, stdout: `prod_id=2 pro_stock=${product.stock}\n` });
    const json = await cli('--json', 'prod', 'get', '2');
    expect(json.code).toBe(0);
    expect(jsonOut(json)).toEqual({ prodId: 2, proStock: product.stock });
  });

  it('reports a status from the server on one line with exit 1', async () => {
    const missing = await cli('prod', 'get', '999999');
    expect(missing.code).toBe(1);
    expectOneLineError(missing, 'NOT_FOUND', 'no product with prod_id 999999', stack.prod.address);
    const invalid = await cli('prod', 'get', '0');
    expect(invalid.code).toBe(1);
    expectOneLineError(invalid, 'INVALID_ARGUMENT');
  });

  it('takes the address from --prod-addr over PROD_SERVICE_ADDR', async () => {
    const run = await runCli(['--prod-addr', stack.prod.address, 'prod', 'get', '1'], {
      env: { PROD_SERVICE_ADDR: await unusedAddress() },
    });
    expect(run).toMatchObject({ code: 0, stdout: `prod_id=1 pro_stock=${catalogue.get(1)!.stock}\n` });
  });
});

describe('route', () => {
  it('feature: names the feature at a point, or says there is none', async () => {
    const { latitude, longitude } = BERKSHIRE.location;
    const found = await cli('route', 'feature', String(latitude), String(longitude));
    expect(found.code).toBe(0);
    expect(found.stdout).toBe(`"${BERKSHIRE.name}" at ${(latitude / 1e7).toFixed(7)},${(longitude / 1e7).toFixed(7)}\n`);
    const none = await cli('--json', 'route', 'feature', '1', '-2');
    expect(none.code).toBe(0);
    expect(jsonOut(none)).toEqual({ name: '', location: { latitude: 1, longitude: -2 } });
  });

  it('list: streams every named feature inside the rectangle', async () => {
    const lo = { latitude: 400000000, longitude: -750000000 };
    const hi = { latitude: 410000000, longitude: -740000000 };
    const inside = named.filter(
      ({ location: p }) => p.latitude >= lo.latitude && p.latitude <= hi.latitude && p.longitude >= lo.longitude && p.longitude <= hi.longitude,
    );
    expect(inside.length).toBeGreaterThan(3);
    const corners = [`${lo.latitude},${lo.longitude}`, `${hi.latitude},${hi.longitude}`];
    const text = await cli('route', 'list', ...corners);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(inside.length + 1);
    expect(lines[lines.length - 1]).toBe(`${inside.length} features`);
    const json = await cli('--json', 'route', 'list', ...corners.reverse());
    expect(jsonOut<{ count: number; features: Feature[] }>(json)).toEqual({ count: inside.length, features: inside });
  });

  it('record: a random route of --points N, and a route from a file', async () => {
    const random = await cli('--json', 'route', 'record', '--points', '7');
    expect(random.code).toBe(0);
    const summary = jsonOut<{ pointCount: number; distance: number }>(random);
    expect(summary.pointCount).toBe(7);
    expect(summary.distance).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'route-'));
    const jsonFile = join(dir, 'route.json');
    writeFileSync(jsonFile, JSON.stringify(named.slice(0, 5)));
    const fromJson = await cli('route', 'record', '--file', jsonFile);
    expect(fromJson.code).toBe(0);
    expect(fromJson.stdout).toMatch(/^sent 5 points: 5 points, 5 features passed, \d+ m, 0 s\n$/);

    const textFile = join(dir, 'route.txt');
    const lines = named.slice(0, 3).map((f) => `${f.location.latitude},${f.location.longitude}`);
    writeFileSync(textFile, `# a comment\n${lines.join('\n')}\n\n1,1\n`);
    const fromText = await cli('--json', 'route', 'record', '--file', textFile);
    expect(jsonOut(fromText)).toMatchObject({ pointCount: 4, featureCount: 3 });
  });

  it('chat: notes from arguments get the notes left earlier at the same place', async () => {
    const here = `0,${Date.now() % 1_000_000_000}`;
    const first = await cli('route', 'chat', `${here} hello`, '1,1 elsewhere');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n').pop()).toMatch(/^sent 2 notes, received \d+$/);
    const second = await cli('--json', 'route', 'chat', `${here} again`);
    expect(second.code).toBe(0);
    expect(jsonOut(second)).toEqual({
      sent: 1,
      received: [{ location: { latitude: 0, longitude: Number(here.split(',')[1]) }, message: 'hello' }],
    });
  });

  it('chat: notes from stdin, one per line', async () => {
    const lng = 1 + (Date.now() % 1_000_000_000);
    const run = await runCli(['route', 'chat'], { env: stack.env, input: `5,${lng} one\n\n5,${lng} two\n5,${lng} three\n` });
    expect(run.code).toBe(0);
    // Each note receives the ones before it: 0 + 1 + 2.
    expect(run.stdout.trim().split('\n')).toEqual([
      `note at 0.0000005,${(lng / 1e7).toFixed(7)}: one`,
      `note at 0.0000005,${(lng / 1e7).toFixed(7)}: one`,
      `note at 0.0000005,${(lng / 1e7).toFixed(7)}: two`,
      'sent 3 notes, received 3',
    ]);
  });

  it('chat: a malformed stdin line stops with exit 2', async () => {
    const run = await runCli(['route', 'chat'], { env: stack.env, input: '1,1 fine\nnot-a-point hi\n' });
    expect(run.code).toBe(2);
    expectOneLineError(run, 'stdin line 2');
  });
});

describe('health', () => {
  it('exits 0 and prints SERVING for a serving server and a known service', async () => {
    await expect(cli('health', stack.prod.address)).resolves.toMatchObject({ code: 0, stdout: 'SERVING\n' });
    await expect(cli('health', stack.route.address, 'routeguide.RouteGuide')).resolves.toMatchObject({ code: 0, stdout: 'SERVING\n' });
    const alias = await cli('--json', 'health', 'prod', 'services.ProdService');
    expect(jsonOut(alias)).toEqual({ target: stack.prod.address, service: 'services.ProdService', status: 'SERVING' });
  });

  it('exits non-zero for NOT_SERVING, for an unknown service and for an unreachable server', async () => {
    // A server that says NOT_SERVING: the kit's skeleton with health set by hand.
    const server = await startTestServer(new ServiceServer({ logger: testLogger() }).addService(prod.ProdServiceService, {}, publicPolicies(prod.ProdServiceService)));
    try {
      server.server.health.setStatus('', 'NOT_SERVING');
      await expect(cli('health', server.address)).resolves.toMatchObject({ code: 1, stdout: 'NOT_SERVING\n' });
    } finally {
      await server.stop();
    }
    const unknown = await cli('health', stack.prod.address, 'no.Such');
    expect(unknown.code).toBe(1);
    expectOneLineError(unknown, 'NOT_FOUND');
    const gone = await unusedAddress();
    const unreachable = await cli('health', gone);
    expect(unreachable.code).toBe(1);
    expectOneLineError(unreachable, 'UNAVAILABLE', gone);
  });
});

describe('demo', () => {
  it('calls every RPC once and exits 0 when all succeed', async () => {
    const run = await cli('demo');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const call of ['GetProdStock', 'GetFeature', 'ListFeatures', 'RecordRoute', 'RouteChat']) {
      expect(run.stdout).toMatch(new RegExp(`ok +${call}`));
    }
    expect(run.stdout).toContain(`pro_stock=${catalogue.get(1)!.stock}`);
    expect(run.stdout).toContain(`"${BERKSHIRE.name}"`);
    expect(run.stdout).toContain('7 of 7 calls succeeded');
    const json = jsonOut<{ passed: number; failed: number }>(await cli('--json', 'demo'));
    expect(json).toMatchObject({ passed: 7, failed: 0 });
  });

  it('shows each failed call and exits 1 when a service is unreachable', async () => {
    const run = await runCli(['demo'], { env: { ...stack.env, PROD_SERVICE_ADDR: await unusedAddress() } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL +Health\/Check .*UNAVAILABLE/);
    expect(run.stdout).toMatch(/FAIL +GetProdStock.*UNAVAILABLE/);
    expect(run.stdout).toContain('5 of 7 calls succeeded');
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('unreachable servers and bad arguments', () => {
  it('an unreachable server: one line (status and details) and exit 1', async () => {
    const gone = await unusedAddress();
    const run = await runCli(['--retries', '1', 'prod', 'get', '1'], { env: { PROD_SERVICE_ADDR: gone } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expectOneLineError(run, 'error: UNAVAILABLE: ', gone);
  });

  it.each([
    [['prod', 'get', 'abc'], 'prod get'],
    [['prod', 'get'], "missing required argument 'id'"],
    [['route', 'feature', '1'], "missing required argument 'lng'"],
    [['route', 'feature', '950000000', '0'], 'latitude must be an E7 integer'],
    [['route', 'list', '1,2', '3'], 'must be "lat,lng"'],
    [['route', 'record', '--points', '-1'], '--points'],
    [['route', 'record', '--file', '/nonexistent/route.txt'], 'cannot read route file'],
    [['route', 'chat', 'no-point-here'], 'must be "lat,lng"'],
    [['health'], "missing required argument 'target'"],
    [['health', 'no-port'], 'is not host:port'],
    [['load', '--rpc', 'nope'], 'Allowed choices are'],
    [['load', '-n', '5', '-d', '3'], 'cannot be used with'],
    [['load', '-c', '0'], 'must be from 1'],
    [['--timeout', 'soon', 'prod', 'get', '1'], '--timeout'],
    [['--prod-addr', 'http://x', 'prod', 'get', '1'], 'is not host:port'],
    [['bogus'], "unknown command 'bogus'"],
    [[], 'Usage:'],
  ])('%j -> usage and exit 2', async (args, message) => {
    const run = await cli(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toContain('Usage: grpc-client');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help exits 0 and lists every command and the env variables', async () => {
    const run = await cli('--help');
    expect(run.code).toBe(0);
    for (const word of ['prod', 'route', 'health', 'demo', 'load', 'PROD_SERVICE_ADDR', 'ROUTE_GUIDE_ADDR']) {
      expect(run.stdout).toContain(word);
    }
  });
});
