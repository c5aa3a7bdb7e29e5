// The shared skeleton over real sockets: plain typed handlers, error mapping, deadlines,
// cancellation, health, reflection and graceful shutdown, with small purpose-built
// implementations of the project's protos.
import { status } from '@grpc/grpc-js';
import { checkHealth, createAsyncClient, health, prod, routeguide } from '@grpc-ts/protos';
import { defer, waitFor } from '@grpc-ts/test-support';
import pino from 'pino';
import { Writable } from 'node:stream';
import { ServiceServer, invalidArgument, type ServiceImpl } from '../src';
import { listServicesByReflection, startTestServer, testLogger, type RunningTestServer, publicPolicies } from '../src/testing';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

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
  let started = defer();
  let release = defer();

  /** A ProdService whose behaviour each test picks by prod_id. */
  const scripted: ServiceImpl<typeof prod.ProdServiceService> = {
    async getProdStock({ prodId }, ctx) {
      if (prodId === 1) return { proStock: 42 };
      if (prodId === 2) throw invalidArgument('two is not allowed');
      if (prodId === 3) throw new Error('secret internal detail');
      if (prodId === 4) {
        started.resolve();
        await sleep(10_000, ctx.signal);
        events.push(ctx.signal.aborted ? `slow call saw abort: ${String(ctx.signal.reason)}` : 'slow call finished');
        return { proStock: 4 };
      }
      if (prodId === 5) {
        started.resolve();
        await release.promise;
        events.push('in-flight call answered');
        return { proStock: 5 };
      }
      throw new Error('unexpected id');
    },
  };

  beforeEach(async () => {
    events.length = 0;
    logLines.length = 0;
    started = defer();
    release = defer();
    const server = new ServiceServer({ logger: capturingLogger(logLines) }).addService(prod.ProdServiceService, scripted, publicPolicies(prod.ProdServiceService));
    running = await startTestServer(server);
    client = createAsyncClient(prod.ProdServiceService, running.address);
  });

  afterEach(async () => {
    client.$close();
    await running.stop();
  });

  it('answers a unary call and names the service from the definition', async () => {
    await expect(client.getProdStock({ prodId: 1 })).resolves.toEqual({ proStock: 42 });
    expect(running.server.services).toEqual(['services.ProdService']);
  });

  it('maps an RpcError to its status code and message', async () => {
    await expect(client.getProdStock({ prodId: 2 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'two is not allowed',
    });
  });

  it('hides unexpected errors behind INTERNAL and logs them with the method', async () => {
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
    await waitFor(() => events.length > 0, 'the handler to stop');
    expect(events).toEqual(['slow call saw abort: deadline']);
  });

  it('tells the handler when the client cancels', async () => {
    const controller = new AbortController();
    const call = client.getProdStock({ prodId: 4 }, { signal: controller.signal });
    await started.promise;
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: status.CANCELLED });
    await waitFor(() => events.length > 0, 'the handler to stop');
    expect(events).toEqual(['slow call saw abort: cancelled']);
  });

  it('serves health for the server and each service', async () => {
    await expect(checkHealth(running.address)).resolves.toBe('SERVING');
    await expect(checkHealth(running.address, 'services.ProdService')).resolves.toBe('SERVING');
    await expect(checkHealth(running.address, 'no.such.Service')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('lists its services, health and reflection through reflection', async () => {
    const services = await listServicesByReflection(running.address);
    expect(services).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'services.ProdService',
    ]);
  });

  it('drains an in-flight call on shutdown and reports NOT_SERVING to health watchers', async () => {
    const healthClient = createAsyncClient(health.HealthService, running.address);
    const watched: string[] = [];
    const watching = (async () => {
      for await (const update of healthClient.watch({ service: 'services.ProdService' })) {
        watched.push(health.HealthCheckResponse_ServingStatus[update.status]!);
      }
    })();
    await waitFor(() => watched.length === 1, 'the first health update');
    const inFlight = client.getProdStock({ prodId: 5 });
    await started.promise;
    // Graceful means after the call: what the handler had done when shutdown resolved.
    const shutdown = running.server.shutdown(5_000).then((outcome) => ({ outcome, events: [...events] }));
    release.resolve();
    await expect(inFlight).resolves.toEqual({ proStock: 5 });
    await expect(shutdown).resolves.toEqual({ outcome: 'graceful', events: ['in-flight call answered'] });
    await watching; // the watch ends at shutdown instead of holding the server open
    expect(watched).toEqual(['SERVING', 'NOT_SERVING']);
    healthClient.$close();
  });

  it('forces shutdown when a call outlives the grace period', async () => {
    const stuck = client.getProdStock({ prodId: 4 }).catch((e: unknown) => e);
    await started.promise;
    const startedAt = Date.now();
    await expect(running.server.shutdown(200)).resolves.toBe('forced');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(await stuck).toMatchObject({ code: expect.any(Number) });
  });
});

describe('streaming handlers', () => {
  const ticks: string[] = [];
  let running: RunningTestServer;
  let client: ReturnType<typeof createAsyncClient<typeof routeguide.RouteGuideService>>;

  // An endless ListFeatures and an echoing RouteChat (both plain generators), and no
  // GetFeature or RecordRoute at all: those answer UNIMPLEMENTED.
  const endless: Partial<ServiceImpl<typeof routeguide.RouteGuideService>> = {
    async *listFeatures(_rect, ctx) {
      try {
        for (let i = 0; ; i++) {
          yield { name: `f${i}`, location: { latitude: i, longitude: i } };
          await sleep(5, ctx.signal);
        }
      } finally {
        ticks.push('producer closed');
      }
    },
    async *routeChat(notes) {
      for await (const note of notes) {
        if (note.message === 'bad') throw invalidArgument('bad note');
        yield note;
      }
    },
  };

  beforeEach(async () => {
    ticks.length = 0;
    const server = new ServiceServer({ logger: testLogger() }).addService(routeguide.RouteGuideService, endless, publicPolicies(routeguide.RouteGuideService));
    running = await startTestServer(server);
    client = createAsyncClient(routeguide.RouteGuideService, running.address);
  });

  afterEach(async () => {
    client.$close();
    await running.stop();
  });

  it('answers UNIMPLEMENTED for a method the implementation leaves out', async () => {
    await expect(client.getFeature({ latitude: 1, longitude: 1 })).rejects.toMatchObject({
      code: status.UNIMPLEMENTED,
      details: '/routeguide.RouteGuide/GetFeature is not implemented',
    });
    await expect(client.recordRoute([{ latitude: 1, longitude: 1 }])).rejects.toMatchObject({ code: status.UNIMPLEMENTED });
  });

  it('stops producing as soon as the client leaves a stream', async () => {
    let received = 0;
    for await (const _feature of client.listFeatures({})) {
      if (++received === 3) break;
    }
    await waitFor(() => ticks.includes('producer closed'), 'the producer to close');
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

async function drain<T>(iterator: AsyncIterator<T>): Promise<void> {
  while (!(await iterator.next()).done);
}
