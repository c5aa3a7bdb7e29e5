// The real entry point as a process: config validation, start, serve, SIGTERM.
import { createAsyncClient, prod } from '@grpc-ts/protos';
import { LISTENING } from '@grpc-ts/runtime';
import { runToExit, spawnService, tsMain } from '@grpc-ts/test-support';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const main = join(root, 'apps/prod-service/src/main.ts');

describe('prod-service main', () => {
  it('starts from env config, serves, and exits 0 after a graceful SIGTERM', async () => {
    const service = await spawnService(...tsMain(main), { SHUTDOWN_GRACE_MS: '3000' });
    const client = createAsyncClient(prod.ProdServiceService, service.address);
    await expect(client.getProdStock({ prodId: 1 })).resolves.toHaveProperty('proStock');
    client.$close();
    await expect(service.stop('SIGTERM')).resolves.toBe(0);
    expect(service.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['catalogue loaded', LISTENING, 'stop signal received', 'server stopped']),
    );
    expect(service.logs.find((line) => line.msg === 'server stopped')).toMatchObject({
      outcome: 'graceful',
      service: 'prod-service',
    });
  });

  it.each([
    [{ PORT: 'http' }, 'PORT is not an integer'],
    [{ PORT: '65536' }, 'PORT is out of range'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL is not allowed'],
    [{ SHUTDOWN_GRACE_MS: '-1' }, 'SHUTDOWN_GRACE_MS is out of range'],
    [{ DATA: '/nonexistent/stock.json' }, 'DATA does not name a readable file'],
    [{ MAX_CONCURRENT_RPCS: '-1' }, 'MAX_CONCURRENT_RPCS is out of range'],
    [{ WORKERS: 'many' }, 'WORKERS is not an integer'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT is out of range'],
  ])('refuses to start with %j', async (env, message) => {
    const { code, stderr } = await runToExit(...tsMain(main), env);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('    at '); // a message, not a stack trace
  });
});
