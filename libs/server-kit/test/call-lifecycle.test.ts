// What a client that misbehaves can and cannot do to a call, over raw HTTP/2: every call
// ends exactly once, at the earliest of its status, a cancel, its deadline or an idle limit,
// and gives its slot back then, whether or not the client ever reads or finishes.
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { routeguide } from '@grpc-ts/protos';
import { ServerMetrics } from '@grpc-ts/runtime';
import { grpcFrame, rawCall, rawSession, sumSamples, waitFor } from '@grpc-ts/test-support';
import type { ClientHttp2Session } from 'node:http2';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ServiceServer, type ServiceImpl } from '../src';
import type { ServerCall } from '../src/server-call';
import { endedByTransport, http2ServerOf, http2StreamOf, setHttp2ServerOptions, takeOverDeadline } from '../src/transport-internals';
import { startTestServer, testLogger, type RunningTestServer, publicPolicies } from '../src/testing';

const IDLE_MS = 300;

// A full GC on demand, without starting jest with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const FLUSH_MS = 200;
const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
const rectangle = grpcFrame(routeguide.Rectangle.encode(WORLD).finish());
const point = grpcFrame(routeguide.Point.encode({ latitude: 1, longitude: 1 }).finish());

describe('call lifecycle against misbehaving clients', () => {
  let running: RunningTestServer;
  let metrics: ServerMetrics;
  let session: ClientHttp2Session;
  const handlerRuns: string[] = [];
  const readNotes: WeakRef<object>[] = [];

  const impl: ServiceImpl<typeof routeguide.RouteGuideService> = {
    getFeature: (p) => ({ name: 'here', location: p }),
    *listFeatures() {
      handlerRuns.push('listFeatures');
      // Endless and large: a client that stops reading fills every buffer on the way.
      for (let i = 0; ; i++) yield { name: 'x'.repeat(200), location: { latitude: i % 1000, longitude: 0 } };
    },
    async recordRoute(points) {
      handlerRuns.push('recordRoute');
      let count = 0;
      for await (const _ of points) count++;
      return { pointCount: count, featureCount: 0, distance: 0, elapsedTime: 0 };
    },
    async *routeChat(notes, ctx) {
      if (ctx.metadata.get('x-mode')[0] === 'keep-refs') {
        for await (const note of notes) {
          readNotes.push(new WeakRef(note));
          if (readNotes.length === 50) yield { message: 'read 50' };
        }
        return;
      }
      if (ctx.metadata.get('x-mode')[0] === 'flood') {
        void (async () => {
          for await (const _ of notes);
        })();
        for (;;) yield { message: 'x'.repeat(200) };
      }
      for await (const note of notes) yield note;
    },
  };

  const active = () => running.server.limiter!.active;
  const handled = async (code: keyof typeof status) =>
    sumSamples(await metrics.registry.metrics(), 'grpc_server_handled_total', { grpc_code: code });

  beforeEach(async () => {
    handlerRuns.length = 0;
    metrics = new ServerMetrics();
    const server = new ServiceServer({
      logger: testLogger(),
      metrics,
      limits: { maxConcurrentRpcs: 10, streamIdleTimeoutMs: IDLE_MS },
      statusFlushMs: FLUSH_MS,
    }).addService(routeguide.RouteGuideService, impl, publicPolicies(routeguide.RouteGuideService));
    running = await startTestServer(server);
    session = rawSession(running.address);
  });

  afterEach(async () => {
    session.destroy();
    await running.stop();
  });

  it('gives the slot back at the deadline of a stream whose client never reads, then resets the stream', async () => {
    // 1 s: long enough for the endless answer to fill every window and buffer on the way,
    // even on a loaded machine, so the trailers really are stuck behind unread DATA.
    const call = rawCall(session, { path: '/routeguide.RouteGuide/ListFeatures', timeoutMs: 1_000 });
    call.stream.pause(); // never read: flow control stops the server's writes, and its trailers
    call.stream.end(rectangle);
    await waitFor(() => active() === 1, 'the stream to take a slot');
    await waitFor(() => active() === 0, 'the slot to come back at the deadline', 3_000);
    expect(await handled('DEADLINE_EXCEEDED')).toBe(1);
    // Its status cannot get past the unread DATA, so the stream is reset after FLUSH_MS.
    await expect(call.status).resolves.toBe('reset');
  });

  it('sends DEADLINE_EXCEEDED itself to a stream client that reads but ignores its deadline', async () => {
    const call = rawCall(session, { path: '/routeguide.RouteGuide/ListFeatures', timeoutMs: 200 });
    call.stream.end(rectangle);
    await expect(call.status).resolves.toEqual({ code: status.DEADLINE_EXCEEDED, message: 'deadline exceeded' });
    expect(call.received).toBeGreaterThan(0);
    expect(active()).toBe(0);
  });

  it('sends DEADLINE_EXCEEDED to a bidi client that keeps its stream open past its deadline', async () => {
    const call = rawCall(session, { path: '/routeguide.RouteGuide/RouteChat', timeoutMs: 200 });
    call.stream.write(grpcFrame(routeguide.RouteNote.encode({ message: 'hi' }).finish())); // and never half-closes
    await expect(call.status).resolves.toEqual({ code: status.DEADLINE_EXCEEDED, message: 'deadline exceeded' });
    expect(call.received).toBeGreaterThan(0); // the echo came first
    expect(active()).toBe(0);
  });

  it('sends DEADLINE_EXCEEDED to a bidi stream whose requests are being read while its writes queue', async () => {
    // The handler reads its requests in the background and writes without end: at the
    // deadline the request iterator is waiting and writes are queued behind the transport.
    // (An 'error' event on the call reached that iterator, which destroyed the call under
    // its queued writes: the status never went out, the client saw a reset.)
    const call = rawCall(session, { path: '/routeguide.RouteGuide/RouteChat', timeoutMs: 300, headers: { 'x-mode': 'flood' } });
    call.stream.write(grpcFrame(routeguide.RouteNote.encode({ message: 'hi' }).finish())); // and never half-closes
    await expect(call.status).resolves.toEqual({ code: status.DEADLINE_EXCEEDED, message: 'deadline exceeded' });
    expect(call.received).toBeGreaterThan(0);
    expect(active()).toBe(0);
  });

  it('keeps no request message alive once the handler has read it, while the stream goes on', async () => {
    readNotes.length = 0;
    const call = rawCall(session, { path: '/routeguide.RouteGuide/RouteChat', headers: { 'x-mode': 'keep-refs' } });
    for (let i = 0; i < 50; i++) call.stream.write(grpcFrame(routeguide.RouteNote.encode({ message: `note ${i} ${'x'.repeat(1000)}` }).finish()));
    await waitFor(() => call.received > 0, 'the handler to have read 50 notes');
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    // The call is still open: nothing but the handler (which let go) had a reason to keep them.
    expect(readNotes.filter((ref) => ref.deref() !== undefined).length).toBeLessThanOrEqual(2);
    call.stream.end();
    await expect(call.status).resolves.toMatchObject({ code: status.OK });
  });

  it('ends a client stream that sends nothing after the idle limit, with its slot', async () => {
    const call = rawCall(session, { path: '/routeguide.RouteGuide/RecordRoute' }); // no deadline, no message, no half-close
    await waitFor(() => active() === 1, 'the stream to take a slot');
    const started = Date.now();
    await expect(call.status).resolves.toEqual({
      code: status.DEADLINE_EXCEEDED,
      message: `stream idle: no message for ${IDLE_MS} ms (STREAM_IDLE_TIMEOUT_MS)`,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 50);
    expect(active()).toBe(0);
  });

  it('keeps a client stream that keeps sending alive past the idle limit', async () => {
    const call = rawCall(session, { path: '/routeguide.RouteGuide/RecordRoute' });
    const startedAt = Date.now();
    // One point every IDLE_MS/3 for 3 idle periods: never idle that long in a row.
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        call.stream.write(point);
        if (Date.now() - startedAt > IDLE_MS * 3) {
          clearInterval(timer);
          resolve();
        }
      }, IDLE_MS / 3);
    });
    expect(active()).toBe(1);
    call.stream.end();
    await expect(call.status).resolves.toMatchObject({ code: status.OK });
  });

  it('never runs the handler of a call whose half-close comes after its deadline', async () => {
    const call = rawCall(session, { path: '/routeguide.RouteGuide/ListFeatures', timeoutMs: 100 });
    call.stream.write(rectangle); // the request, but no half-close yet
    await expect(call.status).resolves.toMatchObject({ code: status.DEADLINE_EXCEEDED }); // grpc-js's own timer
    call.stream.end(); // too late: grpc-js still hands the call over; it must end at once
    await waitFor(async () => (await handled('DEADLINE_EXCEEDED')) === 1, 'the late call to be counted');
    expect(handlerRuns).toEqual([]);
    expect(active()).toBe(0);
  });

  it('gives every slot back when a client opens streams and vanishes', async () => {
    for (let i = 0; i < 10; i++) rawCall(session, { path: '/routeguide.RouteGuide/RouteChat' });
    await waitFor(() => active() === 10, 'ten streams holding slots');
    session.destroy(); // no RST_STREAM, no GOAWAY: the socket just closes
    await waitFor(() => active() === 0, 'the slots to come back');
    expect(await handled('CANCELLED')).toBe(10);
  });
});

describe('grpc-js internals the kit relies on', () => {
  it('finds the HTTP/2 stream, the cancelled flag, the deadline timer and the pending status of a real server call', async () => {
    const seen: unknown[] = [];
    const server = new ServiceServer({ logger: testLogger() }).addService(
      routeguide.RouteGuideService,
      {
      *listFeatures(_rectangle, ctx) {
        const raw = (ctx as ServerCall).raw;
        seen.push(Boolean(http2StreamOf(raw)), endedByTransport(raw), takeOverDeadline(raw), 'pendingStatus' in raw);
        yield { name: 'one', location: { latitude: 0, longitude: 0 } };
      },
      },
      publicPolicies(routeguide.RouteGuideService),
    );
    const running = await startTestServer(server);
    const session = rawSession(running.address);
    try {
      const call = rawCall(session, { path: '/routeguide.RouteGuide/ListFeatures', timeoutMs: 5_000 });
      call.stream.end(rectangle);
      await expect(call.status).resolves.toMatchObject({ code: status.OK });
      // If a grpc-js upgrade moves these, deadlines, stream statuses (endWithStatus) and
      // resets of stuck streams stop working.
      expect(seen).toEqual([true, false, true, true]);
    } finally {
      session.destroy();
      await running.stop();
    }
  });

  it('sets Node HTTP/2 server options grpc-js has no option for, and finds the HTTP/2 server of a connection injector', () => {
    const server = new Server();
    // If a grpc-js upgrade moves these, the metadata limit and the watch on calls waiting
    // for their request are lost (ServiceServer then logs a warning at listen).
    expect(setHttp2ServerOptions(server, { maxHeaderListSize: 4096 })).toBe(true);
    expect(http2ServerOf(server)).toBeUndefined();
    server.createConnectionInjector(ServerCredentials.createInsecure());
    expect(typeof http2ServerOf(server)?.on).toBe('function');
    server.forceShutdown();
  });
});
