// The stream watch on a real server: limits that live below grpc-js's API, each checked
// with a raw HTTP/2 client doing what a grpc-js client never would.
import { status } from '@grpc/grpc-js';
import { routeguide } from '@grpc-ts/protos';
import { rawCall, rawSession, waitFor } from '@grpc-ts/test-support';
import { EventEmitter } from 'node:events';
import { connect, constants, type Http2Server } from 'node:http2';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ServiceServer } from '../src';
import { StreamWatch } from '../src/stream-watch';
import { publicPolicies, startTestServer, testLogger, type RunningTestServer } from '../src/testing';

// A full GC on demand, without starting jest with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('stream watch', () => {
  let running: RunningTestServer;

  beforeEach(async () => {
    const server = new ServiceServer({
      logger: testLogger(),
      limits: { maxConcurrentRpcs: 20, streamIdleTimeoutMs: 300, maxMetadataBytes: 4096 },
    }).addService(routeguide.RouteGuideService, { getFeature: (p) => ({ name: '', location: p }) }, publicPolicies(routeguide.RouteGuideService));
    running = await startTestServer(server);
  });

  afterEach(async () => {
    await running.stop();
  });

  const counts = () => running.server.streamWatchCounts!;

  it('closes the connection of a client that sends metadata over the limit before acknowledging our SETTINGS', async () => {
    const session = connect(`http://${running.address}`); // requests go out with the preface
    session.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));
    const stream = session.request({ ':method': 'POST', ':path': '/routeguide.RouteGuide/GetFeature', 'x-pad': 'v'.repeat(8_000) });
    stream.on('error', () => undefined);
    await closed;
    expect(counts().refusedForMetadata).toBe(1);
  });

  it('resets a unary call whose request never arrives at the idle limit, and the oldest beyond the cap after a sweep', async () => {
    const session = rawSession(running.address);
    try {
      const calls = Array.from({ length: 30 }, () => rawCall(session, { path: '/routeguide.RouteGuide/GetFeature' })); // no message, no half-close
      const outcomes = await Promise.all(calls.map((call) => call.status));
      expect(outcomes.every((o) => o === 'reset')).toBe(true);
      const codes = calls.map((call) => call.stream.rstCode);
      expect(codes.filter((c) => c === constants.NGHTTP2_ENHANCE_YOUR_CALM).length).toBe(10); // 30 waiting, cap 20
      expect(codes.filter((c) => c === constants.NGHTTP2_CANCEL).length).toBe(20); // the rest at the idle limit
      expect(counts()).toMatchObject({ refusedAwaitingRequest: 10, resetAwaitingRequest: 20 });
    } finally {
      session.destroy();
    }
  });

  it('asks a client that resets streams by the hundred to move to a new connection, without failing its calls', async () => {
    const session = rawSession(running.address);
    let goaway: { code: number; data: string } | undefined;
    session.on('goaway', (code, _last, data) => (goaway ??= { code, data: data?.toString() ?? '' }));
    try {
      for (let i = 0; i < 600 && !goaway; i++) {
        rawCall(session, { path: '/routeguide.RouteGuide/GetFeature', timeoutMs: 10_000 }).stream.close(constants.NGHTTP2_CANCEL);
        if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await waitFor(() => goaway, 'a GOAWAY', 5_000);
      expect(goaway).toEqual({ code: constants.NGHTTP2_NO_ERROR, data: 'too_many_resets' });
      expect(counts().recycledForResets).toBe(1);
    } finally {
      session.destroy();
    }
    // A new connection is served as usual.
    const fresh = rawSession(running.address);
    try {
      const call = rawCall(fresh, { path: '/routeguide.RouteGuide/GetFeature', timeoutMs: 5_000 });
      call.stream.end(Buffer.from([0, 0, 0, 0, 0]));
      await expect(call.status).resolves.toMatchObject({ code: status.OK });
    } finally {
      fresh.destroy();
    }
  });
});

describe('stream watch, alone', () => {
  it('keeps no finished call alive until the next sweep (each would hold its stream: +40% CPU per call in old-space GC)', async () => {
    // A stand-in HTTP/2 server and streams: nothing but the watch can hold them, and no sweep runs.
    const http2Server = new EventEmitter();
    const watch = new StreamWatch(http2Server as unknown as Http2Server, {
      requestFirstPaths: new Set(['/p.S/M']),
      maxMetadataBytes: 8192,
      idleMs: 60_000,
      maxAwaiting: 100,
    });
    const refs: WeakRef<EventEmitter>[] = [];
    const session = Object.assign(new EventEmitter(), { closed: false, destroyed: false });
    const open = (count: number) => {
      for (let i = 0; i < count; i++) {
        const stream = Object.assign(new EventEmitter(), { session: i % 3 ? session : undefined, closed: false, readableEnded: false, rstCode: 0 });
        http2Server.emit('stream', stream, { ':path': '/p.S/M' }, 0, [':path', '/p.S/M']);
        refs.push(new WeakRef(stream));
        if (i % 2) {
          stream.readableEnded = true; // its request arrived: the handler runs
          stream.emit('end');
        }
      }
      expect(watch.awaitingRequest).toBe(count / 2);
      for (const ref of refs) {
        const stream = ref.deref() as (EventEmitter & { closed: boolean }) | undefined;
        if (!stream) continue;
        stream.closed = true; // as an Http2Stream is by its 'close'
        stream.emit('close'); // every call ends
      }
    };
    open(200);
    expect(watch.awaitingRequest).toBe(0);
    // WeakRefs stay alive until the end of the job that made them: collect on a later turn.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });
});
