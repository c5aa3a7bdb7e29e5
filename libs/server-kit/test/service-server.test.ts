// The shared skeleton over real sockets: error mapping, deadlines, health, reflection and
// graceful shutdown, with small purpose-built implementations of the project's protos.
import { status } from '@grpc/grpc-js';
import { checkHealth, createAsyncClient, health, prod, routeguide } from '@grpc-ts/protos';
import pino from 'pino';
import { Writable } from 'node:stream';
import { ServiceServer, bidi, invalidArgument, serverStream, unary } from '../src';
import { listServicesByReflection, startTestServer, testLogger, type RunningTestServer } from '../src/testing';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** A ProdService whose behaviour each test picks by prod_id. */
function scriptedProdService(events: string[]): prod.ProdServiceServer {
  return {
    getProdStock: unary<prod.ProdRequest, prod.ProdResponse>(async ({ prodId }, ctx) => {
      if (prodId === 1) return { proStock: 42 };
      if (prodId === 2) throw invalidArgument('two is not allowed');
      if (prodId === 3) throw new Error('secret internal detail');
      if (prodId === 4) {
        await sleep(10_000, ctx.signal);
        events.push(ctx.signal.aborted ? 'slow call saw abort' : 'slow call finished');
        return { proStock: 4 };
      }
      if (prodId === 5) {
        await sleep(300);
        return { proStock: 5 };
      }
      throw new Error('unexpected id');
    }),
  };
}

function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}

describe('ServiceServer', () => {
  let running: RunningTestServer;
  let client: ReturnType<typeof createAsyncClient<typeof prod.ProdServiceService>>;
  const events: string[] = [];
  const logLines: Record<string, unknown>[] = [];

  beforeEach(async () => {
    events.length = 0;
    logLines.length = 0;
    const server = new ServiceServer({ logger: capturingLogger(logLines) }).addService(
      'services.ProdService',
      prod.ProdServiceService,
      scriptedProdService(events),
    );
    running = await startTestServer(server);
    client = createAsyncClient(prod.ProdServiceService, running.address);
  });

  afterEach(async () => {
    client.$close();
    await running.stop();
  });

  it('answers a unary call', async () => {
    await expect(client.getProdStock({ prodId: 1 })).resolves.toEqual({ proStock: 42 });
  });

  it('maps an RpcError to its status code and message', async () => {
    await expect(client.getProdStock({ prodId: 2 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'two is not allowed',
    });
  });

  it('hides unexpected errors behind INTERNAL and logs them', async () => {
    const error = await client.getProdStock({ prodId: 3 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: status.INTERNAL, details: 'internal error' });
    expect(JSON.stringify(error)).not.toContain('secret');
    const logged = logLines.find((line) => line.msg === 'handler failed');
    expect(logged).toMatchObject({ method: '/services.ProdService/GetProdStock' });
    expect(JSON.stringify(logged)).toContain('secret internal detail');
  });

  it('ends a call past its deadline with DEADLINE_EXCEEDED and aborts the handler', async () => {
    await expect(client.getProdStock({ prodId: 4 }, { timeoutMs: 150 })).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
    await waitFor(() => events.includes('slow call saw abort'));
  });

  it('tells the handler when the client cancels', async () => {
    const controller = new AbortController();
    const call = client.getProdStock({ prodId: 4 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(call).rejects.toMatchObject({ code: status.CANCELLED });
    await waitFor(() => events.includes('slow call saw abort'));
  });

  it('serves health for the server and each service', async () => {
    await expect(checkHealth(running.address)).resolves.toBe('SERVING');
    await expect(checkHealth(running.address, 'services.ProdService')).resolves.toBe('SERVING');
    await expect(checkHealth(running.address, 'no.such.Service')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('lists its services through reflection', async () => {
    const services = await listServicesByReflection(running.address);
    expect(services).toEqual(expect.arrayContaining(['services.ProdService', 'grpc.health.v1.Health']));
  });

  it('drains an in-flight call on shutdown and reports NOT_SERVING to health watchers', async () => {
    const healthClient = createAsyncClient(health.HealthService, running.address);
    const watched: string[] = [];
    const watching = (async () => {
      for await (const update of healthClient.watch({ service: 'services.ProdService' })) {
        watched.push(health.HealthCheckResponse_ServingStatus[update.status]!);
      }
    })();
    await waitFor(() => watched.length === 1);
    const inFlight = client.getProdStock({ prodId: 5 });
    await sleep(50);
    const shutdown = running.server.shutdown(5_000);
    await expect(inFlight).resolves.toEqual({ proStock: 5 });
    await expect(shutdown).resolves.toBe('graceful');
    await watching; // the watch ends at shutdown instead of holding the server open
    expect(watched).toEqual(['SERVING', 'NOT_SERVING']);
    healthClient.$close();
  });

  it('forces shutdown when a call outlives the grace period', async () => {
    const stuck = client.getProdStock({ prodId: 4 }).catch((e: unknown) => e);
    await sleep(50);
    const started = Date.now();
    await expect(running.server.shutdown(200)).resolves.toBe('forced');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await stuck).toMatchObject({ code: expect.any(Number) });
  });
});

describe('streaming handlers', () => {
  const ticks: string[] = [];
  let running: RunningTestServer;
  let client: ReturnType<typeof createAsyncClient<typeof routeguide.RouteGuideService>>;

  // An endless ListFeatures and an echoing RouteChat: the shapes that used to hang shutdown.
  const endless: Partial<routeguide.RouteGuideServer> = {
    listFeatures: serverStream<routeguide.Rectangle, routeguide.Feature>(async function* (_rect, ctx) {
      try {
        for (let i = 0; ; i++) {
          yield { name: `f${i}`, location: { latitude: i, longitude: i } };
          await sleep(5, ctx.signal);
        }
      } finally {
        ticks.push('producer closed');
      }
    }),
    routeChat: bidi<routeguide.RouteNote, routeguide.RouteNote>(async (notes, send) => {
      for await (const note of notes) {
        if (note.message === 'bad') throw invalidArgument('bad note');
        await send(note);
      }
    }),
  };

  beforeEach(async () => {
    ticks.length = 0;
    const server = new ServiceServer({ logger: testLogger() }).addService(
      'routeguide.RouteGuide',
      routeguide.RouteGuideService,
      endless as routeguide.RouteGuideServer,
    );
    running = await startTestServer(server);
    client = createAsyncClient(routeguide.RouteGuideService, running.address);
  });

  afterEach(async () => {
    client.$close();
    await running.stop();
  });

  it('stops producing as soon as the client leaves a stream', async () => {
    let received = 0;
    for await (const _feature of client.listFeatures({})) {
      if (++received === 3) break;
    }
    await waitFor(() => ticks.includes('producer closed'));
  });

  it('echoes on a bidi stream and maps a thrown RpcError mid-stream', async () => {
    const chat = client.routeChat();
    await chat.write({ message: 'hello' });
    const iterator = chat[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toMatchObject({ value: { message: 'hello' } });
    await chat.write({ message: 'bad' });
    await expect(iterator.next()).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: 'bad note' });
  });

  it('ends open streams with UNAVAILABLE at shutdown, well within the grace period', async () => {
    const stream = client.listFeatures({});
    const chat = client.routeChat();
    await chat.write({ message: 'still here' });
    const streamIterator = stream[Symbol.asyncIterator]();
    await streamIterator.next();
    const chatIterator = chat[Symbol.asyncIterator]();
    await chatIterator.next();

    const started = Date.now();
    const outcome = await running.server.shutdown(10_000);
    expect(outcome).toBe('graceful');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(drain(streamIterator)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    await expect(chatIterator.next()).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(ticks).toContain('producer closed');
  });
});

// Switches that exist only to measure what each part costs (npm run bench -- --variants).
describe('ServiceServer measuring switches', () => {
  it('without the injector and without health/reflection: grpc-js binds the port and serves only the service', async () => {
    const logLines: Record<string, unknown>[] = [];
    const server = new ServiceServer({
      logger: capturingLogger(logLines),
      limits: { maxConcurrentRpcs: 0, maxConnections: 5, connectionInjector: false },
      healthAndReflection: false,
    }).addService('services.ProdService', prod.ProdServiceService, scriptedProdService([]));
    const running = await startTestServer(server);
    const client = createAsyncClient(prod.ProdServiceService, running.address);
    try {
      await expect(client.getProdStock({ prodId: 1 })).resolves.toEqual({ proStock: 42 });
      await expect(checkHealth(running.address)).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
      await expect(listServicesByReflection(running.address)).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
      // maxConnections cannot be enforced without our own listener, and the log says so.
      expect(logLines.find((line) => line.msg === 'listening')).toMatchObject({
        limits: { maxConnections: 0, connectionInjector: false, healthAndReflection: false },
      });
    } finally {
      client.$close();
      await running.stop();
    }
  });
});

async function drain<T>(iterator: AsyncIterator<T>): Promise<void> {
  while (!(await iterator.next()).done);
}

async function waitFor(predicate: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
