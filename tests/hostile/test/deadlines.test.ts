// Deadlines and cancels against the route-guide bundle with its default limits: whatever a
// client does with its deadline (lets it pass before half-closing, ignores it mid-stream,
// storms with 1 ms ones, cancels in the same tick it starts), every slot comes back by the
// deadline or the stream idle limit, and the server itself tells a stream that outlived
// its deadline DEADLINE_EXCEEDED.
import { status } from '@grpc/grpc-js';
import { routeguide } from '@grpc-ts/protos';
import { grpcFrame, rawCall, rawSession, waitFor } from '@grpc-ts/test-support';
import type { ClientHttp2Session } from 'node:http2';
import { legitCall } from './support/legit';
import { storm } from './support/storm';
import { startTarget, type Target } from './support/target';

const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
const rectangle = grpcFrame(routeguide.Rectangle.encode(WORLD).finish());
const note = grpcFrame(routeguide.RouteNote.encode({ location: { latitude: 5, longitude: 5 }, message: 'hi' }).finish());

/** What grpc-js says for a stream the server's HTTP/2 layer refused with ENHANCE_YOUR_CALM. */
const SESSION_LIMIT = 'RESOURCE_EXHAUSTED: Bandwidth exhausted or memory limit exceeded';

describe('deadlines and cancels (route-guide bundle, default limits)', () => {
  let target: Target;
  const sessions: ClientHttp2Session[] = [];
  const session = () => {
    const s = rawSession(target.address);
    sessions.push(s);
    return s;
  };

  beforeAll(async () => {
    // A feature file large enough that a whole-world ListFeatures is still streaming at a
    // 500 ms deadline; the idle limit lowered so the same-tick-cancel case ends in seconds.
    target = await startTarget('route-guide', { DATA: process.env.HOSTILE_FEATURES_FILE!, STREAM_IDLE_TIMEOUT_MS: '2000' });
  }, 40_000);

  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    // Every test leaves the server as it found it: no slot held once its attacker is gone.
    await waitFor(async () => (await target.metrics()).active === 0, 'every slot back after the test', 10_000);
  });

  afterAll(async () => {
    await target?.stop();
  });

  it('holds no slot for 1,000 ListFeatures whose half-close comes after the deadline, client connected or gone', async () => {
    const calls = [];
    for (let c = 0; c < 10; c++) {
      const s = session();
      for (let i = 0; i < 100; i++) {
        const call = rawCall(s, { path: '/routeguide.RouteGuide/ListFeatures', timeoutMs: 100 });
        call.stream.write(rectangle); // the request, but no half-close
        calls.push(call);
      }
    }
    // grpc-js answers each at its deadline, before any handler could run...
    const first = await Promise.all(calls.map((call) => call.status));
    expect(first.every((s) => s !== 'reset' && s.code === status.DEADLINE_EXCEEDED)).toBe(true);
    // ...then the half-close arrives: the call is handed over dead and must end at once.
    for (const call of calls) call.stream.end();
    await waitFor(async () => (await target.metrics()).handled('DEADLINE_EXCEEDED', 'ListFeatures') >= 1000, '1,000 late calls counted', 15_000);
    expect((await target.metrics()).active).toBe(0); // with the client still connected
    for (const s of sessions.splice(0)) s.destroy();
    await waitFor(async () => (await target.metrics()).connections === 0, 'the attacker gone', 5_000);
    expect((await target.metrics()).active).toBe(0);
  }, 40_000);

  it('sends DEADLINE_EXCEEDED itself to 50 ListFeatures and 50 RouteChat whose client ignores its deadline', async () => {
    const s = session();
    const lists = Array.from({ length: 50 }, () => {
      const call = rawCall(s, { path: '/routeguide.RouteGuide/ListFeatures', timeoutMs: 500 });
      call.stream.end(rectangle); // and reads whatever comes, whenever it comes
      return call;
    });
    const chats = Array.from({ length: 50 }, () => {
      const call = rawCall(s, { path: '/routeguide.RouteGuide/RouteChat', timeoutMs: 500 });
      call.stream.write(note); // and never half-closes
      return call;
    });
    const outcomes = await Promise.all([...lists, ...chats].map((call) => call.status));
    const codes = outcomes.map((o) => (o === 'reset' ? 'reset' : status[o.code]));
    expect(codes.filter((c) => c === 'DEADLINE_EXCEEDED').length).toBe(100);
    expect(lists.every((call) => call.received > 0)).toBe(true); // mid-stream, not dead on arrival
    expect((await target.metrics()).active).toBe(0);
  }, 30_000);

  it('gives every slot back after a storm of 3,000 calls with 1 ms deadlines over all four RPCs, answering none INTERNAL or UNAVAILABLE', async () => {
    // One connection: its client resets nearly every call at its deadline, about 3,000
    // RST_STREAMs in a few seconds, past nghttp2's rapid-reset guard (1,000 in a burst, then
    // 33 a second), which used to end the connection with INTERNAL_ERROR under the calls in
    // flight. The server now asks the client to move to a new connection before that. (Node
    // 22/24 also refused the calls of one read past MAX_CONCURRENT_STREAMS and ended the
    // connection after 100 refusals in a row: see transport.test.ts, 'outran'.)
    const result = await storm(target.address, { calls: 3_000, concurrency: 64, channels: 1, deadlineMs: 1 });
    expect(Object.values(result.statuses).reduce((a, b) => a + b, 0)).toBe(3_000);
    // Only OK and DEADLINE_EXCEEDED, but for a few new streams the HTTP/2 layer may refuse
    // (RST_STREAM ENHANCE_YOUR_CALM, which grpc-js reads as RESOURCE_EXHAUSTED) when the
    // connection's session memory (MAX_SESSION_MEMORY_MB) fills while the server falls behind:
    // seen on Node 24 under a loaded CI run (11 of 3,000). A limit answering, never a failure.
    const { [SESSION_LIMIT]: refused = 0, ...others } = result.others;
    // grpc-js names a write of its own that failed as UNAVAILABLE "Write error: ..."
    // (subchannel-call.ts), a status the server never sent: a chat or route message written as
    // the server was ending the call at its 1 ms deadline (1 of 3,000 on Node 24 in a loaded CI
    // run). What the server answered is in its own count, below, and must hold none.
    const clientWriteErrors = Object.entries(others).filter(([key]) => key.startsWith('UNAVAILABLE: Write error'));
    const answered = Object.fromEntries(Object.entries(others).filter(([key]) => !key.startsWith('UNAVAILABLE: Write error')));
    expect(answered).toEqual({});
    expect(clientWriteErrors.reduce((sum, [, count]) => sum + count, 0)).toBeLessThan(3_000 * 0.005);
    expect(refused).toBeLessThan(3_000 * 0.02);
    await waitFor(async () => (await target.metrics()).active === 0, 'every slot back after the storm', 5_000);
    const server = await target.metrics();
    expect({ unavailable: server.handled('UNAVAILABLE'), internal: server.handled('INTERNAL') }).toEqual({ unavailable: 0, internal: 0 });
    expect((await legitCall(target)).code).toBe(status.OK);
    console.log(
      `1 ms storm: ${JSON.stringify(result.statuses)} in ${Math.round(result.ms)} ms; refused by the session limit: ${refused}; ` +
        `client-side write errors: ${JSON.stringify(Object.fromEntries(clientWriteErrors))}; server answered ${JSON.stringify(server.handled())} calls`,
    );
  }, 60_000);

  it('gives back the slots of 200 calls a grpc-js client cancels in the same tick it starts them', async () => {
    // grpc-js 1.14 still sends such calls (in waves of MAX_CONCURRENT_STREAMS) and never
    // resets them: to the server they are calls whose client is silent. The unary and
    // client-stream ones just complete; a chat never half-closed and a ListFeatures never
    // read are held until the stream idle limit (2 s here), then the next wave comes.
    const before = (await target.metrics()).handled();
    const started = Date.now();
    const result = await storm(target.address, { calls: 200, concurrency: 200, channels: 1, deadlineMs: 600_000, cancelAtOnce: true, openChats: true, leaveOpen: true });
    expect(result.statuses.CANCELLED).toBe(200);
    await waitFor(async () => {
      const now = await target.metrics();
      return now.handled() - before >= 200 && now.active === 0;
    }, 'all 200 cancelled calls to reach the server and give their slots back', 30_000);
    result.close();
    const after = await target.metrics();
    expect(after.handled('DEADLINE_EXCEEDED', 'RouteChat') + after.handled('DEADLINE_EXCEEDED', 'ListFeatures')).toBeGreaterThanOrEqual(100);
    console.log(`same-tick cancels: the last slot came back ${Date.now() - started} ms after the first call`);
  }, 40_000);
});
