// Deadlines, cancellation and retries through the edge, observed at the backend: fake
// route-guide and prod-service servers (the kit's ServiceServer in this test process) that
// record what each call saw, behind the real edge process.
import { prod, routeguide } from '@grpc-ts/protos';
import { ServiceServer, unavailable, type CallContext } from '@grpc-ts/server-kit';
import { publicPolicies, startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { defer, scrapeMetrics, sumSamples, waitFor, type Deferred, type ServiceProcess } from '@grpc-ts/test-support';
import { createAsyncClient, edge as edgeProto } from '@grpc-ts/protos';
import { connectJson, serviceBundles, startEdge, staticTarget, stopAll } from './support/stack';

type Mode = 'ok' | 'hang' | 'fail-once' | 'fail' | 'gate';

interface Seen {
  method: string;
  deadline: number;
  /** ms left before the deadline when the handler began: the budget the edge handed on. */
  budget: number;
  signal: AbortSignal;
  abortedAt?: number;
}

class FakeBackends {
  seen: Seen[] = [];
  mode: Record<'getFeature' | 'recordRoute' | 'getProdStock', Mode> = { getFeature: 'ok', recordRoute: 'ok', getProdStock: 'ok' };
  attempts = { getFeature: 0, recordRoute: 0, getProdStock: 0 };
  /** Mode 'gate': the call waits for this to open. */
  gate: Deferred<void> = defer();
  routeGuide!: RunningTestServer;
  prod!: RunningTestServer;

  private async behave(method: keyof FakeBackends['mode'], ctx: CallContext): Promise<void> {
    const entry: Seen = { method, deadline: ctx.deadline, budget: ctx.deadline - Date.now(), signal: ctx.signal };
    ctx.signal.addEventListener('abort', () => (entry.abortedAt = performance.now()), { once: true });
    this.seen.push(entry);
    const attempt = ++this.attempts[method];
    const mode = this.mode[method];
    if (mode === 'fail' || (mode === 'fail-once' && attempt === 1)) throw unavailable(`${method} attempt ${attempt} refused`);
    if (mode === 'hang') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    if (mode === 'gate') await this.gate.promise;
  }

  async start(): Promise<void> {
    const logger = testLogger();
    this.routeGuide = await startTestServer(
      new ServiceServer({ logger }).addService(
        routeguide.RouteGuideService,
        {
          getFeature: async (point, ctx) => {
            await this.behave('getFeature', ctx);
            return { name: 'fake feature', location: point };
          },
          // An endless, slow stream: one feature per 20 ms until the call ends.
          listFeatures: async function* (_rectangle, ctx) {
            for (let i = 0; !ctx.signal.aborted; i++) {
              yield { name: `slow ${i}`, location: { latitude: i, longitude: i } };
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          },
          recordRoute: async (points, ctx) => {
            let pointCount = 0;
            for await (const _ of points) pointCount++;
            await this.behave('recordRoute', ctx);
            return { pointCount, featureCount: 0, distance: 42, elapsedTime: 0 };
          },
        },
        publicPolicies(routeguide.RouteGuideService),
      ),
    );
    this.prod = await startTestServer(
      new ServiceServer({ logger }).addService(
        prod.ProdServiceService,
        {
          getProdStock: async ({ prodId }, ctx) => {
            await this.behave('getProdStock', ctx);
            return { proStock: prodId * 10 };
          },
        },
        publicPolicies(prod.ProdServiceService),
      ),
    );
  }

  reset(): void {
    this.gate = defer();
    this.seen = [];
    this.mode = { getFeature: 'ok', recordRoute: 'ok', getProdStock: 'ok' };
    this.attempts = { getFeature: 0, recordRoute: 0, getProdStock: 0 };
  }
}

const TRIP = { waypoints: [{ latitude: 1, longitude: 1 }, { latitude: 2, longitude: 2 }], productIds: [1] };
const DEFAULT_TIMEOUT_MS = 3_000;
// Larger than the default 50 ms: on two busy cores a hop can take tens of ms, and the margin
// is what pays for the hops between the caller and the backends.
const MARGIN_MS = 200;
/** The budget the deadline test's caller sends. */
const CALLER_TIMEOUT_MS = 1500;

describe('propagation through the edge', () => {
  const fakes = new FakeBackends();
  let edge: ServiceProcess;

  beforeAll(async () => {
    await Promise.all([serviceBundles(), fakes.start()]);
    edge = await startEdge({
      ROUTE_GUIDE_TARGET: staticTarget(fakes.routeGuide.address),
      PROD_SERVICE_TARGET: staticTarget(fakes.prod.address),
      EDGE_DEFAULT_TIMEOUT_MS: String(DEFAULT_TIMEOUT_MS),
      EDGE_DEADLINE_MARGIN_MS: String(MARGIN_MS),
    });
    // fetch loads its HTTP client on first use (100+ ms here): done now, so the deadline test
    // below measures the caller's clock from when its request really leaves.
    await connectJson(edge, 'PlanTrip', TRIP);
    fakes.reset();
  }, 120_000);
  afterEach(() => fakes.reset());
  afterAll(async () => {
    await stopAll(edge);
    await Promise.all([fakes.routeGuide?.stop(), fakes.prod?.stop()]);
  });

  it('bounds every backend call by the caller\'s deadline, less the margin', async () => {
    const { status } = await connectJson(edge, 'PlanTrip', TRIP, { 'connect-timeout-ms': String(CALLER_TIMEOUT_MS) });
    expect(status).toBe(200);
    expect(fakes.seen.map((s) => s.method).sort()).toEqual(['getFeature', 'getFeature', 'getProdStock', 'recordRoute']);
    // The edge reads the caller's budget (connect-timeout-ms) when the request reaches it, and
    // each backend counts what it is handed (grpc-timeout) from when the call reaches it: a
    // deadline is relative on every hop, so time in transit is on nobody's clock and an
    // absolute comparison with the caller's clock fails whenever a hop is slow (one did by
    // 24 ms on a loaded CI run). What the edge controls, and what is checked: no backend gets
    // more than the caller's budget less the margin (+1 ms: grpc-timeout and Date.now() are
    // whole milliseconds), nor much less (only time the edge spent before calling).
    const limit = CALLER_TIMEOUT_MS - MARGIN_MS;
    console.log(`deadline propagation: backend budgets (limit ${limit} ms): ${fakes.seen.map(({ method, budget }) => `${method} ${budget} ms`).join(', ')}`);
    for (const { method, budget } of fakes.seen) {
      expect({ method, withinCallerLessMargin: budget <= limit + 1 }).toEqual({ method, withinCallerLessMargin: true });
      expect({ method, notWayLess: budget >= limit - 500 }).toEqual({ method, notWayLess: true });
    }
  });

  it('gives the backend calls the configured default when the caller sends no deadline', async () => {
    const before = Date.now();
    await connectJson(edge, 'PlanTrip', TRIP);
    const after = Date.now();
    expect(fakes.seen).toHaveLength(4);
    for (const { deadline } of fakes.seen) {
      expect(deadline).toBeGreaterThanOrEqual(before + DEFAULT_TIMEOUT_MS - 5);
      expect(deadline).toBeLessThanOrEqual(after + DEFAULT_TIMEOUT_MS + 5);
    }
  });

  it('a slow backend makes only its part an error; the answer comes within the caller\'s deadline', async () => {
    fakes.mode.getProdStock = 'hang';
    const started = performance.now();
    const { status, body } = await connectJson(edge, 'PlanTrip', TRIP, { 'connect-timeout-ms': '800' });
    const tookMs = performance.now() - started;
    expect(status).toBe(200);
    expect(tookMs).toBeLessThan(800);
    expect(body).toEqual({
      route: { pointCount: 2, distanceMeters: 42 },
      waypoints: TRIP.waypoints.map((location) => ({ location, featureName: 'fake feature' })),
      supplies: [{ productId: 1, error: { code: 'deadline_exceeded', message: 'prod-service did not answer in time' } }],
    });
  });

  it('a caller that goes away cancels the backend calls (within 100 ms)', async () => {
    // Five rounds, each against a round trip to the edge measured just before it (GET /healthz:
    // caller -> edge -> caller, the same two hops a cancel takes to reach these backends). What
    // must be under 100 ms is the time the edge adds to that; a loaded CI machine can make the
    // round trip itself take 100+ ms, and a single round is one scheduler's mood.
    const rounds: { lag: number; roundTrip: number }[] = [];
    for (let round = 0; round < 5; round++) {
      fakes.reset();
      fakes.mode.getFeature = 'hang';
      fakes.mode.recordRoute = 'hang';
      const pinged = performance.now();
      expect((await fetch(`http://${edge.address}/healthz`)).status).toBe(200);
      const roundTrip = performance.now() - pinged;
      const controller = new AbortController();
      const call = connectJson(edge, 'PlanTrip', TRIP, { 'connect-timeout-ms': '20000' }, controller.signal).catch((error: Error) => error);
      await waitFor(() => fakes.seen.filter((s) => s.method !== 'getProdStock').length === 3, 'the hanging backend calls to start');
      const abortedAt = performance.now();
      controller.abort();
      await call;
      await waitFor(() => fakes.seen.filter((s) => s.method !== 'getProdStock').every((s) => s.abortedAt !== undefined), 'the backends to see the cancel', 5_000);
      const lag = Math.max(...fakes.seen.filter((s) => s.method !== 'getProdStock').map((s) => s.abortedAt! - abortedAt));
      rounds.push({ lag, roundTrip });
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const added = rounds.map(({ lag, roundTrip }) => Math.max(0, lag - roundTrip));
    console.log(
      `cancel propagation: slowest backend call cancelled ${rounds.map(({ lag }) => lag.toFixed(1)).join(', ')} ms after the caller went away ` +
        `(round trips then ${rounds.map(({ roundTrip }) => roundTrip.toFixed(1)).join(', ')} ms; median added ${median(added).toFixed(1)} ms)`,
    );
    expect(median(added)).toBeLessThan(100);
    for (const { lag } of rounds) expect(lag).toBeLessThan(1_000); // and never stuck behind a timer or a poll
  });

  it('retries an idempotent call that was refused (GetFeature, GetProdStock), with backoff', async () => {
    fakes.mode.getFeature = 'fail-once';
    fakes.mode.getProdStock = 'fail-once';
    const { body } = await connectJson(edge, 'PlanTrip', { waypoints: [{ latitude: 1, longitude: 1 }], productIds: [3] }, { 'connect-timeout-ms': '5000' });
    expect(body).toMatchObject({ waypoints: [{ featureName: 'fake feature' }], supplies: [{ productId: 3, stock: 30 }] });
    expect(fakes.attempts).toMatchObject({ getFeature: 2, getProdStock: 2 });
  });

  it('never retries RecordRoute (not marked idempotent)', async () => {
    fakes.mode.recordRoute = 'fail';
    const { body } = await connectJson(edge, 'PlanTrip', TRIP, { 'connect-timeout-ms': '5000' });
    expect(body.route).toEqual({ error: { code: 'unavailable', message: 'route-guide is unavailable' } });
    expect(fakes.attempts.recordRoute).toBe(1);
    // And across many calls: one attempt per call, whatever the failure.
    for (let i = 0; i < 20; i++) await connectJson(edge, 'PlanTrip', TRIP, { 'connect-timeout-ms': '5000' });
    expect(fakes.attempts.recordRoute).toBe(21);
  });

  it('a caller deadline too short for the margin fails at once with DEADLINE_EXCEEDED, calling nothing', async () => {
    const { status, body } = await connectJson(edge, 'PlanTrip', TRIP, { 'connect-timeout-ms': String(MARGIN_MS - 100) });
    expect({ status, code: body.code }).toEqual({ status: 504, code: 'deadline_exceeded' });
    expect(fakes.seen).toHaveLength(0);
  });
});

describe('the edge\'s limits and shutdown', () => {
  const fakes = new FakeBackends();
  let edge: ServiceProcess;

  beforeAll(async () => {
    await Promise.all([serviceBundles(), fakes.start()]);
    edge = await startEdge({
      ROUTE_GUIDE_TARGET: staticTarget(fakes.routeGuide.address),
      PROD_SERVICE_TARGET: staticTarget(fakes.prod.address),
      MAX_CONCURRENT_RPCS: '2',
      SHUTDOWN_GRACE_MS: '10000',
    });
  }, 120_000);
  afterAll(async () => {
    await stopAll(edge);
    await Promise.all([fakes.routeGuide?.stop(), fakes.prod?.stop()]);
  });

  it('answers beyond MAX_CONCURRENT_RPCS with resource_exhausted (HTTP 429), counted in its metrics; on SIGTERM streams end unavailable, in-flight calls finish, exit 0', async () => {
    fakes.mode.getProdStock = 'gate';
    const client = createAsyncClient(edgeProto.EdgeServiceService, edge.address);
    try {
      // Slot 1: a stream; slot 2: a PlanTrip waiting on prod-service.
      const stream = client.exploreArea({ lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } })[Symbol.asyncIterator]();
      await stream.next();
      const trip = connectJson(edge, 'PlanTrip', { productIds: [1] }, { 'connect-timeout-ms': '20000' });
      await waitFor(() => fakes.attempts.getProdStock === 1, 'the PlanTrip to reach prod-service');
      const refused = await connectJson(edge, 'PlanTrip', { productIds: [2] });
      expect(refused).toEqual({ status: 429, body: { code: 'resource_exhausted', message: 'server is at its limit of 2 concurrent RPCs; retry later' } });
      const metrics = await scrapeMetrics(edge.metricsPort!);
      expect(sumSamples(metrics, 'grpc_server_rejected_total', { grpc_method: '/edge.v1.EdgeService/PlanTrip', reason: 'limit' })).toBe(1);
      expect(sumSamples(metrics, 'grpc_server_handled_total', { grpc_method: '/edge.v1.EdgeService/PlanTrip', grpc_code: 'RESOURCE_EXHAUSTED' })).toBe(1);

      const exited = edge.stop('SIGTERM');
      // The open stream ends UNAVAILABLE (call again elsewhere) ...
      const ended = await (async () => {
        try {
          for (;;) if ((await stream.next()).done) return 'OK';
        } catch (error) {
          return (error as { code: number; details: string });
        }
      })();
      expect(ended).toMatchObject({ code: 14, details: 'the edge is shutting down - call again' });
      // ... while the PlanTrip in flight still gets its answer once prod-service gives it.
      fakes.gate.resolve();
      expect(await trip).toMatchObject({ status: 200, body: { supplies: [{ productId: 1, stock: 10 }] } });
      expect(await exited).toBe(0);
      expect(edge.logs.find((line) => line.msg === 'server stopped')).toMatchObject({ outcome: 'graceful' });
    } finally {
      client.$close();
    }
  }, 60_000);
});
