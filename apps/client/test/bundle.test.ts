// The build output (one esbuild file) runs with plain node and no node_modules, in the exact
// forms the Docker images use: `node main.js health <host:port>` and `node main.js demo`.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { bundleToTempDir } from '@grpc-ts/test-support';
import { runCli } from './support/cli';
import { catalogue, startProd, startRouteGuide, unusedAddress, type RunningService } from './support/stack';

let bundle: string;
let prodServer: RunningService;
let routeServer: RunningService;

beforeAll(async () => {
  [bundle, prodServer, routeServer] = await Promise.all([bundleToTempDir(join(__dirname, '../src/main.ts')), startProd(), startRouteGuide()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([prodServer?.stop(), routeServer?.stop()]);
});

const node = (args: string[], env: Record<string, string> = {}) => runCli(args, { command: [process.execPath, bundle], env });

describe('client bundle', () => {
  it('is a lone file with no node_modules beside or above it', () => {
    expect(existsSync(join(dirname(bundle), '..', 'node_modules'))).toBe(false);
    expect(existsSync(join(dirname(bundle), 'node_modules'))).toBe(false);
  });

  it('node main.js health <host:port>: exit 0 when SERVING, 1 when unreachable', async () => {
    await expect(node(['health', prodServer.address])).resolves.toMatchObject({ code: 0, stdout: 'SERVING\n' });
    const gone = await unusedAddress();
    const down = await node(['health', gone]);
    expect(down.code).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('node main.js demo: every call succeeds against the stack named by env', async () => {
    const run = await node(['demo'], { PROD_SERVICE_ADDR: prodServer.address, ROUTE_GUIDE_ADDR: routeServer.address });
    expect(run.stdout).toContain('7 of 7 calls succeeded');
    expect(run.code).toBe(0);
  });

  it('node main.js prod get / load --json', async () => {
    const env = { PROD_SERVICE_ADDR: prodServer.address };
    await expect(node(['prod', 'get', '1'], env)).resolves.toMatchObject({ code: 0, stdout: `prod_id=1 pro_stock=${catalogue.get(1)!.stock}\n` });
    const load = await node(['--json', 'load', '-n', '50'], env);
    expect(load.code).toBe(0);
    expect(JSON.parse(load.stdout)).toMatchObject({ calls: 50, statuses: { OK: 50 } });
  });
});
