// Slowloris and friends against the prod-service bundle: connections that send nothing, the
// preface alone, a handshake and then silence, or streams that never send a message. With
// the connection limit at 50, each attack fills it; the handshake timeout, the connection
// idle limit, keepalive and the stream idle limit must each free the places in seconds, so a
// legit client is served again while the attacker is still connected.
import { status } from '@grpc/grpc-js';
import { rawCall, rawSession, waitFor } from '@grpc-ts/test-support';
import { connect, type ClientHttp2Session } from 'node:http2';
import { legitCall, servedWithin } from './support/legit';
import { FLAG, FRAME, PREFACE, frame, rawSocket, type RawSocket } from './support/raw-sockets';
import { startTarget, type Target } from './support/target';

const MAX_CONNECTIONS = 50;

describe('slow and silent connections (prod-service bundle, MAX_CONNECTIONS=50)', () => {
  let target: Target;
  const sockets: RawSocket[] = [];
  const sessions: ClientHttp2Session[] = [];

  beforeAll(async () => {
    target = await startTarget('prod-service', {
      MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      HANDSHAKE_TIMEOUT_MS: '1000',
      MAX_CONNECTION_IDLE_MS: '1000',
      KEEPALIVE_TIME_MS: '500',
      KEEPALIVE_TIMEOUT_MS: '500',
    });
  }, 40_000);

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.socket.destroy();
    for (const s of sessions.splice(0)) s.destroy();
    await waitFor(async () => (await target.metrics()).connections === 0, 'no connection left after the test', 10_000);
  });

  afterAll(async () => {
    await target?.stop();
  });

  // Fills every place with `open()`, checks a legit client is refused, then that every
  // attacker connection is closed by the server and a legit client is served within `withinMs`.
  async function lockoutEnds(open: () => Promise<RawSocket>, withinMs: number): Promise<void> {
    for (let i = 0; i < MAX_CONNECTIONS; i++) sockets.push(await open());
    await waitFor(async () => (await target.metrics()).connections === MAX_CONNECTIONS, 'the attacker to hold every place', 5_000);
    const started = Date.now();
    expect((await legitCall(target, 300)).code).not.toBe(status.OK); // locked out, for now
    await Promise.all(sockets.map((s) => s.closed)); // every one closed by the server
    expect(Date.now() - started).toBeLessThan(withinMs);
    await servedWithin(target, 2_000);
  }

  it('closes 50 connections that never send the HTTP/2 preface (handshake timeout)', async () => {
    await lockoutEnds(() => rawSocket(target.port), 3_000);
  }, 20_000);

  it('closes 50 connections that send the preface and then nothing (handshake timeout)', async () => {
    await lockoutEnds(() => rawSocket(target.port, PREFACE), 3_000);
  }, 20_000);

  it('closes 50 connections that complete the handshake and then stay silent, even to pings (idle limit, keepalive)', async () => {
    // Preface, SETTINGS and the ACK of ours: a real handshake; then never a frame again.
    const handshake = Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0), frame(FRAME.SETTINGS, FLAG.ACK, 0)]);
    await lockoutEnds(() => rawSocket(target.port, handshake), 5_000);
  }, 20_000);

  it('closes 50 idle HTTP/2 client sessions that answer pings but open no call (idle limit)', async () => {
    const closed: Promise<void>[] = [];
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const session = connect(`http://${target.address}`);
      session.on('error', () => undefined);
      closed.push(new Promise((resolve) => session.once('close', () => resolve())));
      sessions.push(session);
    }
    await waitFor(async () => (await target.metrics()).connections === MAX_CONNECTIONS, 'the sessions to hold every place', 5_000);
    expect((await legitCall(target, 300)).code).not.toBe(status.OK);
    const started = Date.now();
    await Promise.all(closed);
    expect(Date.now() - started).toBeLessThan(5_000);
    await servedWithin(target, 2_000);
  }, 20_000);
});

describe('streams that never send a message (route-guide bundle, default MAX_CONCURRENT_RPCS=1000)', () => {
  let target: Target;

  beforeAll(async () => {
    target = await startTarget('route-guide', { STREAM_IDLE_TIMEOUT_MS: '1000' });
  }, 40_000);

  afterAll(async () => {
    await target?.stop();
  });

  it('frees the slots of 10 connections x 100 RecordRoute streams that send nothing, with the attacker still connected', async () => {
    const sessions = Array.from({ length: 10 }, () => rawSession(target.address));
    try {
      const calls = sessions.flatMap((session) => Array.from({ length: 100 }, () => rawCall(session, { path: '/routeguide.RouteGuide/RecordRoute' })));
      await waitFor(async () => (await target.metrics()).active === 1000, 'the attacker to hold every slot', 10_000);
      expect((await legitCall(target, 1_000)).code).toBe(status.RESOURCE_EXHAUSTED);
      const started = Date.now();
      await servedWithin(target, 4_000); // 1 s idle limit + a sweep, on a busy machine
      const outcomes = await Promise.all(calls.map((call) => call.status));
      expect(outcomes.every((o) => o !== 'reset' && o.code === status.DEADLINE_EXCEEDED)).toBe(true);
      expect((await target.metrics()).active).toBe(0);
      // The attacker is still there; the legit clients' connections close in their own time (a
      // CI run saw 11 counted right after the last legit call).
      expect(sessions.every((s) => !s.closed && !s.destroyed)).toBe(true);
      await waitFor(async () => (await target.metrics()).connections === 10, "only the attacker's 10 connections left", 5_000);
      console.log(`idle streams: a legit call was served ${Date.now() - started} ms after the lockout`);
    } finally {
      for (const s of sessions) s.destroy();
    }
  }, 30_000);
});

describe('the documented defaults', () => {
  it('drop what sends nothing in seconds, not never', async () => {
    const target = await startTarget('route-guide');
    try {
      const listening = target.service.logs.find((line) => line.msg === 'listening') as { limits: Record<string, number> };
      const { limits } = listening;
      expect(limits.handshakeTimeoutMs).toBeGreaterThan(0);
      expect(limits.handshakeTimeoutMs).toBeLessThanOrEqual(10_000);
      expect(limits.maxConnectionIdleMs).toBeGreaterThan(0);
      expect(limits.maxConnectionIdleMs).toBeLessThanOrEqual(60_000);
      expect(limits.streamIdleTimeoutMs).toBeGreaterThan(0);
      expect(limits.streamIdleTimeoutMs).toBeLessThanOrEqual(60_000);
      expect(limits.keepaliveTimeMs).toBeGreaterThan(0);
      expect(limits.keepaliveTimeoutMs).toBeGreaterThan(0);
      expect(limits.maxConnectionAgeMs).toBeGreaterThan(0);
      expect(limits.maxMetadataBytes).toBeLessThanOrEqual(16 * 1024);
      expect(limits.maxSessionMemoryMb).toBeGreaterThan(0);
      expect(limits.maxConnections).toBeGreaterThan(0);
      expect(limits.maxConcurrentRpcs).toBeGreaterThan(0);
    } finally {
      await target.stop();
    }
  }, 30_000);
});
