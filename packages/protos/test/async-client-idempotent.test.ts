// The async client's second attempt for idempotent unary calls, against an HTTP/2 server
// that behaves like a replica killed mid-answer: it sends its response headers, makes sure
// the client has them (a PING sent after them is acknowledged), then resets the connection.
// gRPC's retry policy has committed the call by then; the async client makes it once more.
import { status } from '@grpc/grpc-js';
import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { grpcFrame } from '@grpc-ts/test-support';
import { createAsyncClient, prod } from '../src';

const GET_PROD_STOCK = prod.ProdServiceService.getProdStock.path;
type Behaviour = 'answer' | 'die after headers' | 'die before headers';

describe('createAsyncClient with idempotent methods', () => {
  let server: Http2Server;
  let address: string;
  /** What the server does with each request, in order; then it answers. */
  let script: Behaviour[] = [];
  /** The grpc-timeout header of every request the server got. */
  let timeouts: (string | undefined)[] = [];

  const respond = (stream: ServerHttp2Stream, behaviour: Behaviour) => {
    const session = stream.session!;
    if (behaviour === 'die before headers') return session.socket.resetAndDestroy();
    if (behaviour === 'die after headers') {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
      session.ping(() => session.socket.resetAndDestroy());
      return;
    }
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    stream.end(grpcFrame(prod.ProdServiceService.getProdStock.responseSerialize({ proStock: 7 })));
  };

  beforeAll(async () => {
    server = createServer();
    server.on('stream', (stream, headers) => {
      timeouts.push(headers['grpc-timeout'] as string | undefined);
      // Read the whole request first, as a real server does before it answers.
      stream.resume();
      stream.once('end', () => respond(stream, script.shift() ?? 'answer'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    script = [];
    timeouts = [];
  });

  const clientWith = (idempotent: string[]) => createAsyncClient(prod.ProdServiceService, address, { idempotent });

  it('makes a call that died after the headers once more, and returns its answer', async () => {
    const client = clientWith([GET_PROD_STOCK]);
    script = ['die after headers'];
    await expect(client.getProdStock({ prodId: 1 }, { timeoutMs: 5_000 })).resolves.toEqual({ proStock: 7 });
    expect(timeouts).toHaveLength(2);
    // Both attempts run within the one deadline: the second is sent with less time left.
    const ms = timeouts.map((value) => Number(/^(\d+)m$/.exec(value ?? '')?.[1]));
    expect(ms[0]).toBeLessThanOrEqual(5_000);
    expect(ms[1]).toBeLessThanOrEqual(ms[0]!);
    client.$close();
  });

  it('makes it once more only: a second death is the caller\'s UNAVAILABLE', async () => {
    const client = clientWith([GET_PROD_STOCK]);
    script = ['die after headers', 'die after headers'];
    await expect(client.getProdStock({ prodId: 1 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(timeouts).toHaveLength(2);
    client.$close();
  });

  it('leaves a method not listed alone', async () => {
    const client = clientWith([]);
    script = ['die after headers'];
    await expect(client.getProdStock({ prodId: 1 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(timeouts).toHaveLength(1);
    client.$close();
  });

  it('leaves a failure before the headers to the channel\'s retry policy (none here)', async () => {
    const client = clientWith([GET_PROD_STOCK]);
    script = ['die before headers'];
    await expect(client.getProdStock({ prodId: 1 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(timeouts).toHaveLength(1);
    client.$close();
  });
});
