// The backends as a cluster: three route-guide replicas behind one grpc-js channel with
// round_robin (a static ipv4: list here, dns:/// in compose: the same load-balancing code).
// Calls spread over every replica (counted by each replica's own /metrics), and a replica
// killed under load costs no idempotent call (retried elsewhere), while RecordRoute, never
// retried, may lose the calls that were on the dead replica.
import { waitFor, type ServiceProcess } from '@grpc-ts/test-support';
import { featureName } from './support/data';
import { connectJson, handled, serviceBundles, startEdge, startProd, startRouteGuide, staticTarget, stopAll } from './support/stack';

const GET_FEATURE = '/routeguide.RouteGuide/GetFeature';
const WAYPOINTS = [
  { latitude: 409146138, longitude: -746188906 },
  { latitude: 407838351, longitude: -746143763 },
];

describe('route-guide as a cluster behind the edge', () => {
  let replicas: ServiceProcess[] = [];
  let prod: ServiceProcess;
  let edge: ServiceProcess;

  beforeAll(async () => {
    await serviceBundles();
    [prod, ...replicas] = await Promise.all([startProd(), startRouteGuide(), startRouteGuide(), startRouteGuide()]);
    edge = await startEdge({
      LOG_LEVEL: 'debug', // each failed part's grpc-js detail, for the failover test's message
      ROUTE_GUIDE_TARGET: staticTarget(...replicas.map((replica) => replica.address)),
      PROD_SERVICE_TARGET: staticTarget(prod.address),
    });
    await waitFor(async () => (await fetch(`http://${edge.address}/readyz`)).ok, 'the edge to be ready');
  }, 120_000);
  afterAll(() => stopAll(edge, prod, ...replicas));

  it('spreads 300 calls over the 3 replicas, each >= 20% (from the replicas\' own metrics)', async () => {
    const before = await Promise.all(replicas.map((replica) => handled(replica, GET_FEATURE, 'OK')));
    for (let batch = 0; batch < 30; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, () => connectJson(edge, 'PlanTrip', { waypoints: WAYPOINTS.slice(0, 1) }, { 'connect-timeout-ms': '5000' })),
      );
    }
    const after = await Promise.all(replicas.map((replica) => handled(replica, GET_FEATURE, 'OK')));
    const counts = after.map((count, i) => count - before[i]!);
    const shares = counts.map((count) => count / 300);
    console.log(`balance: GetFeature per replica ${counts.join(' / ')} of 300 (${shares.map((s) => `${(s * 100).toFixed(1)}%`).join(' / ')})`);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    for (const share of shares) expect(share).toBeGreaterThanOrEqual(0.2);
  }, 60_000);

  it('loses no idempotent call when a replica is killed during 20 s of load (RecordRoute losses are counted, not retried)', async () => {
    const LOAD_MS = 20_000;
    const CONCURRENCY = 8;
    const expected = WAYPOINTS.map((location) => ({ location, featureName: featureName(location) }));
    let calls = 0;
    let failedCalls = 0;
    let failedIdempotentParts = 0;
    let failedRoutes = 0;
    const failures: string[] = [];
    const end = performance.now() + LOAD_MS;
    // The load runs its 20 s and, whatever the machine's speed, 200 calls past the kill.
    const AFTER_KILL = 200;
    let killedAt: number | undefined = undefined; // set once the replica is killed
    let killTime = 0;
    // When a failure came, from the kill: tells a call caught on the dead replica from a retry gone wrong.
    const when = () => (killTime ? `${Math.round(performance.now() - killTime)} ms after the kill` : 'before the kill');
    const worker = async () => {
      while (performance.now() < end || killedAt === undefined || calls < killedAt + AFTER_KILL) {
        const { status, body } = await connectJson(edge, 'PlanTrip', { waypoints: WAYPOINTS, productIds: [1] }, { 'connect-timeout-ms': '5000' });
        calls++;
        if (status !== 200) {
          failedCalls++;
          failures.push(`${JSON.stringify(body)} ${when()}`);
          continue;
        }
        const waypoints = body.waypoints as { error?: unknown }[];
        const supplies = body.supplies as { error?: unknown }[];
        const bad = [...waypoints, ...supplies].filter((part) => part.error);
        failedIdempotentParts += bad.length;
        if (bad.length > 0) failures.push(`${JSON.stringify(bad)} ${when()}`);
        else expect(waypoints).toEqual(expected);
        if ((body.route as { error?: unknown }).error) failedRoutes++;
      }
    };
    const atStart = await Promise.all(replicas.map((replica) => handled(replica, GET_FEATURE)));
    const load = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // A third of the way in, by calls made (not by a sleep): kill one replica outright, the one
    // serving most GetFeature calls (round_robin can line up so that one replica gets only
    // PlanTrip's RecordRoute, whose losses prove nothing about failover).
    await waitFor(() => calls >= 300, '300 calls under load', LOAD_MS);
    const served = await Promise.all(replicas.map(async (replica, i) => (await handled(replica, GET_FEATURE)) - atStart[i]!));
    const victimIndex = served.indexOf(Math.max(...served));
    const victim = replicas[victimIndex]!;
    const servedBefore = served[victimIndex]!;
    expect(servedBefore).toBeGreaterThan(0);
    killTime = performance.now();
    await victim.stop('SIGKILL');
    killedAt = calls;
    await load;
    const survivors = await Promise.all(replicas.filter((replica) => replica !== victim).map((replica) => handled(replica, GET_FEATURE, 'OK')));
    console.log(
      `failover: ${calls} PlanTrip calls in ${LOAD_MS / 1000} s (${CONCURRENCY} in flight); replica killed after call ${killedAt} ` +
        `(it had served ${servedBefore} GetFeature under this load); failed calls ${failedCalls}, failed GetFeature/GetProdStock parts ${failedIdempotentParts}, ` +
        `RecordRoute parts lost (not retried) ${failedRoutes}; survivors served ${survivors.join(' / ')} GetFeature in all`,
    );
    const details = edge.logs.filter((line) => line.msg === 'backend part failed' && line.method !== 'RecordRoute').map((line) => `${line.method}: ${line.details}`);
    expect({ failedCalls, failedIdempotentParts, failures: failures.slice(0, 3), details: details.slice(0, 3) }).toEqual({
      failedCalls: 0,
      failedIdempotentParts: 0,
      failures: [],
      details: [],
    });
  }, 90_000);
});
