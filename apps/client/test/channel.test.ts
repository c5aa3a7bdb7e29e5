// Target parsing, and the retry policy proved on the wire: a server that answers UNAVAILABLE
// before it answers OK, called through the real CLI.
import { Client, Server, ServerCredentials, credentials, status, type sendUnaryData } from '@grpc/grpc-js';
import { prod } from '@grpc-ts/protos';
import { channelOptions, parseTarget, retryServiceConfig } from '../src/channel';
import { runCli } from './support/cli';

describe('parseTarget', () => {
  it.each(['localhost:50051', '127.0.0.1:1', '[::1]:50051', 'prod-service:50051', 'dns:///svc:1', 'unix:/tmp/grpc.sock'])(
    'accepts %s',
    (target) => expect(parseTarget(target)).toBe(target),
  );
  it.each(['localhost', ':50051', 'localhost:0', 'localhost:70000', 'http://localhost:50051', 'a b:1', ''])('rejects %j', (target) =>
    expect(() => parseTarget(target)).toThrow(),
  );
});

describe('channel options', () => {
  it('build a service config grpc-js accepts (it validates it when the channel is made)', () => {
    for (const retries of [0, 1, 4, 9]) {
      const client = new Client('127.0.0.1:1', credentials.createInsecure(), channelOptions({ retries, initialBackoffMs: 50 }));
      client.close();
    }
    expect(retryServiceConfig({ retries: 9, initialBackoffMs: 50 })).toMatchObject({
      methodConfig: [{ retryPolicy: { maxAttempts: 5, initialBackoff: '0.050s', retryableStatusCodes: ['UNAVAILABLE'] } }],
    });
    expect(channelOptions({ retries: 1, initialBackoffMs: 1, ownConnection: true })).toMatchObject({
      'grpc.enable_retries': 1,
      'grpc.use_local_subchannel_pool': 1,
    });
  });
});

describe('retries on UNAVAILABLE', () => {
  let server: Server;
  let address: string;
  let attempts = 0;
  let failFirst = 0;
  let failWith = status.UNAVAILABLE;

  beforeAll(async () => {
    server = new Server();
    server.addService(prod.ProdServiceService, {
      getProdStock: (_call: unknown, callback: sendUnaryData<prod.ProdResponse>) => {
        attempts++;
        if (attempts <= failFirst) callback({ code: failWith, details: `attempt ${attempts} refused` });
        else callback(null, { proStock: attempts });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });
  afterAll(() => server.forceShutdown());

  const getProd = (...flags: string[]) => runCli([...flags, '--retry-backoff', '10', 'prod', 'get', '1'], { env: { PROD_SERVICE_ADDR: address } });

  beforeEach(() => {
    attempts = 0;
    failWith = status.UNAVAILABLE;
  });

  it('retries up to --retries times, then succeeds', async () => {
    failFirst = 2;
    const run = await getProd('--retries', '2');
    expect(run).toMatchObject({ code: 0, stdout: 'prod_id=1 pro_stock=3\n' });
    expect(attempts).toBe(3);
  });

  it('gives up after --retries and reports the last status', async () => {
    failFirst = 10;
    const run = await getProd('--retries', '1');
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: UNAVAILABLE: attempt 2 refused (target ${address})\n`);
    expect(attempts).toBe(2);
  });

  it('--retries 0 makes one attempt', async () => {
    failFirst = 10;
    const run = await getProd('--retries', '0');
    expect(run.code).toBe(1);
    expect(attempts).toBe(1);
  });

  it('never retries other codes (the handler may have run)', async () => {
    failFirst = 10;
    failWith = status.INTERNAL;
    const run = await getProd('--retries', '3');
    expect(run.stderr).toContain('INTERNAL: attempt 1 refused');
    expect(attempts).toBe(1);
  });
});
