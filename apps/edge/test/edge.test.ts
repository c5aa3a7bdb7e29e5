// The edge as a real process over real backends: answers equal the backends' data, every
// protocol (Connect JSON over HTTP/1.1, gRPC over h2c, grpc.health.v1), bad input refused
// with INVALID_ARGUMENT and a message, health endpoints, a stopped backend leaving only its
// part in error within the deadline, and config errors exiting 2 naming the variable.
import { createAsyncClient, edge as edgeProto } from '@grpc-ts/protos';
import { checkHealth } from '@grpc-ts/protos';
import { runToExit, waitFor, type ServiceProcess } from '@grpc-ts/test-support';
import { featureName, namedIn, products } from './support/data';
import { connectJson, serviceBundles, startEdge, startProd, startRouteGuide, staticTarget, stopAll } from './support/stack';

const WAYPOINTS = [
  { latitude: 409146138, longitude: -746188906 },
  { latitude: 407838351, longitude: -746143763 },
  { latitude: 1, longitude: 2 },
];
const AREA = { lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } };

describe('edge over real backends', () => {
  let routeGuide: ServiceProcess;
  let prod: ServiceProcess;
  let edge: ServiceProcess;

  beforeAll(async () => {
    await serviceBundles();
    [routeGuide, prod] = await Promise.all([startRouteGuide(), startProd()]);
    edge = await startEdge({ ROUTE_GUIDE_TARGET: staticTarget(routeGuide.address), PROD_SERVICE_TARGET: staticTarget(prod.address) });
  }, 120_000);
  afterAll(() => stopAll(edge, routeGuide, prod));

  it('PlanTrip (Connect JSON) gathers the route, each waypoint\'s feature and each stock', async () => {
    const ids = [1, 2, 3];
    const { status, body } = await connectJson(edge, 'PlanTrip', { waypoints: WAYPOINTS, productIds: ids }, { 'connect-timeout-ms': '5000' });
    expect(status).toBe(200);
    expect(body.waypoints).toEqual(
      WAYPOINTS.map((location) => ({ location, ...(featureName(location) ? { featureName: featureName(location) } : {}) })),
    );
    expect(body.supplies).toEqual(ids.map((productId) => ({ productId, stock: products.find((p) => p.id === productId)!.stock })));
    expect(body.route).toEqual({ pointCount: 3, distanceMeters: expect.any(Number), featureCount: 2 });
  });

  it('serves gRPC (h2c) from the same handlers, and grpc.health.v1', async () => {
    const client = createAsyncClient(edgeProto.EdgeServiceService, edge.address);
    try {
      const trip = await client.planTrip({ waypoints: WAYPOINTS.slice(0, 1), productIds: [404] }, { timeoutMs: 5000 });
      expect(trip.waypoints[0]!.featureName).toBe(featureName(WAYPOINTS[0]!));
      expect(trip.supplies[0]!.error).toEqual({ code: 'not_found', message: 'no product with prod_id 404' });
      const streamed = [];
      for await (const feature of client.exploreArea(AREA, { timeoutMs: 5000 })) streamed.push(feature);
      expect(streamed).toEqual(namedIn(AREA.lo, AREA.hi));
    } finally {
      client.$close();
    }
    await expect(checkHealth(edge.address, '')).resolves.toBe('SERVING');
    await expect(checkHealth(edge.address, 'edge.v1.EdgeService')).resolves.toBe('SERVING');
  });

  it('answers /healthz and /readyz (each backend\'s health)', async () => {
    const healthz = await fetch(`http://${edge.address}/healthz`);
    expect(healthz.status).toBe(200);
    const readyz = await fetch(`http://${edge.address}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({
      ready: true,
      backends: expect.arrayContaining([expect.objectContaining({ name: 'route-guide', status: 'SERVING' }), expect.objectContaining({ name: 'prod-service', status: 'SERVING' })]),
    });
  });

  it.each([
    ['malformed JSON', '{"waypoints": [', /cannot decode message edge\.v1\.PlanTripRequest from JSON/],
    ['an unknown field', { waypoints: [], bogus: 1 }, /key "bogus" is unknown/],
    ['an out-of-range latitude', { waypoints: [{ latitude: 900000001, longitude: 0 }] }, /waypoints\[0\]\.latitude must be within \+-900000000/],
    ['an out-of-range longitude', { waypoints: [{ latitude: 0, longitude: -1800000001 }] }, /waypoints\[0\]\.longitude must be within/],
    ['a product id of 0', { productIds: [0] }, /product_ids\[0\] must be a positive integer, got 0/],
    ['a wrong type', { waypoints: 'here' }, /cannot decode/],
  ])('refuses %s with INVALID_ARGUMENT and a message', async (_what, body, message) => {
    const answer = await connectJson(edge, 'PlanTrip', body);
    expect(answer).toEqual({ status: 400, body: { code: 'invalid_argument', message: expect.stringMatching(message) } });
  });

  it('refuses an ExploreArea without a corner with INVALID_ARGUMENT', async () => {
    const client = createAsyncClient(edgeProto.EdgeServiceService, edge.address);
    try {
      const stream = client.exploreArea({ lo: AREA.lo }, { timeoutMs: 5000 });
      await expect((async () => { for await (const _ of stream) void _; })()).rejects.toMatchObject({ code: 3, details: 'hi is required' });
    } finally {
      client.$close();
    }
  });

  it('with prod-service stopped, PlanTrip still returns the route and a supplies error within the deadline', async () => {
    await prod.stop('SIGTERM');
    await waitFor(async () => (await fetch(`http://${edge.address}/readyz`)).status === 503, '/readyz to report prod-service down');
    const started = performance.now();
    const { status, body } = await connectJson(edge, 'PlanTrip', { waypoints: WAYPOINTS, productIds: [1, 2] }, { 'connect-timeout-ms': '1000' });
    const tookMs = performance.now() - started;
    expect(status).toBe(200);
    expect(tookMs).toBeLessThan(1000);
    expect(body.route).toEqual({ pointCount: 3, distanceMeters: expect.any(Number), featureCount: 2 });
    expect((body.waypoints as unknown[]).length).toBe(3);
    expect(body.supplies).toEqual([
      { productId: 1, error: { code: expect.stringMatching(/^(unavailable|deadline_exceeded)$/), message: expect.stringMatching(/^prod-service (is unavailable|did not answer in time)$/) } },
      { productId: 2, error: { code: expect.stringMatching(/^(unavailable|deadline_exceeded)$/), message: expect.any(String) } },
    ]);
    await expect(checkHealth(edge.address, 'edge.v1.EdgeService')).resolves.toBe('NOT_SERVING');
  });
});

describe('edge configuration', () => {
  it('exits 2 naming every bad variable', async () => {
    const { edge } = await serviceBundles();
    const result = await runToExit(process.execPath, [edge], {
      PLAINTEXT: 'true',
      AUTH: 'off',
      ROUTE_GUIDE_TARGET: 'not a target!',
      EDGE_FANOUT: '0',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ROUTE_GUIDE_TARGET has the wrong form/);
    expect(result.stderr).toMatch(/EDGE_FANOUT is out of range/);
  }, 60_000);

  it('exits 2 when backend TLS is asked for without a CA', async () => {
    const { edge } = await serviceBundles();
    const result = await runToExit(process.execPath, [edge], { PLAINTEXT: 'true', AUTH: 'off', EDGE_BACKEND_TLS: 'true', PORT: '0', METRICS_PORT: '0' });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringContaining('EDGE_BACKEND_TLS_CA_FILE is required') });
  }, 60_000);
});
