// `load` as a real process against real servers: its counts must match what the server
// itself counted (grpc_server_handled_total), status by status.
import type { LoadReport } from '../src/load/report';
import { existsSync } from 'node:fs';
import { cliFromSource, jsonOut, runCli, spawnCli } from './support/cli';
import { connectionCounter, handledByCode, startRouteGuide, unusedAddress, useStack } from './support/stack';

const GET_PROD_STOCK = '/services.ProdService/GetProdStock';

const stack = useStack();

const load = async (...args: string[]) => {
  const run = await runCli(['--json', 'load', ...args], { env: stack.env });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return jsonOut<LoadReport>(run);
};

describe('load --json', () => {
  it('runs exactly --count calls, and the server counted the same calls', async () => {
    const before = await handledByCode(stack.prod, GET_PROD_STOCK);
    const report = await load('--rpc', 'prod-get', '-n', '300', '-c', '8', '--channels', '3');
    expect(report).toMatchObject({ rpc: 'prod-get', method: GET_PROD_STOCK, target: stack.prod.address, concurrency: 8, channels: 3 });
    expect(report).toMatchObject({ calls: 300, ok: 300, errors: 0, statuses: { OK: 300 } });
    const after = await handledByCode(stack.prod, GET_PROD_STOCK);
    expect((after.OK ?? 0) - (before.OK ?? 0)).toBe(300);
    const { min, p50, p90, p99, max } = report.latencyMs;
    expect(0 < min && min <= p50 && p50 <= p90 && p90 <= p99 && p99 <= max).toBe(true);
    expect(report.qps).toBeGreaterThan(0);
  });

  it('counts each status code: NOT_FOUND for a missing product', async () => {
    const before = await handledByCode(stack.prod, GET_PROD_STOCK);
    const report = await load('--prod-id', '424242', '-n', '50', '-c', '4');
    expect(report).toMatchObject({ calls: 50, ok: 0, errors: 50, statuses: { NOT_FOUND: 50 } });
    const after = await handledByCode(stack.prod, GET_PROD_STOCK);
    expect((after.NOT_FOUND ?? 0) - (before.NOT_FOUND ?? 0)).toBe(50);
  });

  // prod's GetProdStock answers within the tick it arrives in, so it never holds more than one
  // slot at once; RecordRoute holds its slot while the client streams, so calls overlap.
  it('shows RESOURCE_EXHAUSTED from a server with MAX_CONCURRENT_RPCS=2, matching its own counts', async () => {
    const limited = await startRouteGuide({ MAX_CONCURRENT_RPCS: '2' });
    const method = '/routeguide.RouteGuide/RecordRoute';
    try {
      const run = await runCli(['--json', 'load', '--rpc', 'route-record', '-n', '200', '-c', '16', '--channels', '4'], {
        env: { ROUTE_GUIDE_ADDR: limited.address },
      });
      expect(run.code).toBe(0);
      const report = jsonOut<LoadReport>(run);
      expect(report.calls).toBe(200);
      expect(report.statuses.RESOURCE_EXHAUSTED).toBeGreaterThan(0);
      expect(report.statuses.OK).toBeGreaterThan(0);
      expect((report.statuses.OK ?? 0) + (report.statuses.RESOURCE_EXHAUSTED ?? 0)).toBe(200);
      await expect(handledByCode(limited, method)).resolves.toEqual(report.statuses);
    } finally {
      await limited.stop();
    }
  });

  it.each([
    ['route-feature', '/routeguide.RouteGuide/GetFeature'],
    ['route-list', '/routeguide.RouteGuide/ListFeatures'],
    ['route-record', '/routeguide.RouteGuide/RecordRoute'],
    ['route-chat', '/routeguide.RouteGuide/RouteChat'],
  ])('drives %s (%s) against route-guide', async (rpc, method) => {
    const before = await handledByCode(stack.route, method);
    const report = await load('--rpc', rpc, '-n', '60', '-c', '6', '--stream-size', '3');
    expect(report).toMatchObject({ method, target: stack.route.address, calls: 60, statuses: { OK: 60 } });
    const after = await handledByCode(stack.route, method);
    expect((after.OK ?? 0) - (before.OK ?? 0)).toBe(60);
  });

  it('drives health checks', async () => {
    const report = await load('--rpc', 'health', '-n', '30');
    expect(report).toMatchObject({ method: '/grpc.health.v1.Health/Check', calls: 30, statuses: { OK: 30 } });
  });

  it('runs for --duration and stops starting calls after it', async () => {
    const before = await handledByCode(stack.prod, GET_PROD_STOCK);
    const report = await load('-d', '0.5', '-c', '4');
    expect(report.elapsedSeconds).toBeGreaterThanOrEqual(0.5);
    expect(report.calls).toBeGreaterThan(0);
    const after = await handledByCode(stack.prod, GET_PROD_STOCK);
    expect((after.OK ?? 0) - (before.OK ?? 0)).toBe(report.calls);
  });

  it('opens one connection per channel (grpc.use_local_subchannel_pool)', async () => {
    for (const channels of [1, 3]) {
      const relay = await connectionCounter(stack.prod.address);
      try {
        const report = await load('--target', relay.address, '--channels', String(channels), '-c', '6', '-n', '60');
        expect(report).toMatchObject({ channels, calls: 60, ok: 60 });
        expect(relay.connections()).toBe(channels);
      } finally {
        await relay.close();
      }
    }
  });
});

describe('load output', () => {
  it('Ctrl-C (SIGINT) ends a run early and still prints the report', async () => {
    const handledOk = async () => (await handledByCode(stack.prod, GET_PROD_STOCK)).OK ?? 0;
    const before = await handledOk();
    const { child, result } = spawnCli(['--json', 'load', '-d', '300', '-c', '4'], { env: stack.env });
    // Interrupt once the run is visibly under way (the server has answered some of its calls).
    while ((await handledOk()) < before + 100) {
      if (child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGINT');
    const run = await result;
    expect(run.code).toBe(0);
    const report = jsonOut<LoadReport>(run);
    expect(report.calls).toBeGreaterThanOrEqual(100);
    expect(report.elapsedSeconds).toBeLessThan(300);
    expect((await handledOk()) - before).toBe(report.calls);
  });

  it('prints a readable report without a progress bar when stdout is not a terminal', async () => {
    const run = await runCli(['load', '-n', '40', '-c', '2'], { env: stack.env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/calls +40 in [\d.]+ s \(40 ok, 0 failed\)/);
    expect(run.stdout).toMatch(/latency +p50 [\d.]+ ms +p90 [\d.]+ ms +p99 [\d.]+ ms/);
    expect(run.stdout).toMatch(/status codes:\n +OK +40/);
    expect(run.stdout).not.toContain('\r');
  });

  // util-linux `script` gives the CLI a pseudo-terminal as stdout.
  const onTerminal = existsSync('/usr/bin/script') ? it : it.skip;
  onTerminal('shows a progress bar on a terminal, and none with --json', async () => {
    const inTerminal = (args: string) =>
      runCli(['-qec', `${cliFromSource.join(' ')} ${args}`, '/dev/null'], { command: ['/usr/bin/script'], env: stack.env });
    const text = await inTerminal('load -n 200 -c 2');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/\d+% \| \d+ calls \| \d+ calls\/s \| [\d.]+s/);
    expect(text.stdout).toMatch(/calls +200 in/);
    const json = await inTerminal('--json load -n 200 -c 2');
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain('calls/s |');
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ calls: 200 });
  });

  it('fails with one line and exit 1 when the target is unreachable', async () => {
    const gone = await unusedAddress();
    const run = await runCli(['--timeout', '500', 'load', '--target', gone, '-n', '5'], { env: stack.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // The reason comes from one probing call: here, nothing listens.
    expect(run.stderr).toBe(`error: UNAVAILABLE: cannot connect to ${gone} within 500 ms: connect ECONNREFUSED ${gone}.\n`);
  });
});
