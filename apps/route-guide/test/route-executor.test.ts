// RecordRoute's distance on each executor kind, over real sockets: the same answer as the
// official formula, the chunks really run on the executor, and a cancelled route leaves
// nothing running.
import type { ExecutorKind } from '@grpc-ts/executors';
import { createAsyncClient, routeguide } from '@grpc-ts/protos';
import { startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { RouteChatStore } from '../src/chat-store';
import { loadFeatures } from '../src/feature-file';
import { createRouteExecutor } from '../src/route-executor';
import { CHUNK_POINTS } from '../src/route-length';
import type { RouteExecutor } from '../src/route-length';
import { buildRouteGuideServer } from '../src/server';
import { waitFor } from '@grpc-ts/test-support';
import { officialFeatures, routeSummary } from './support/reference';

const features = loadFeatures();
const routeOf = (length: number) =>
  Array.from({ length }, (_, i) => officialFeatures[(i * 7) % officialFeatures.length]!.location);

describe.each<ExecutorKind>(['inline', 'threads', 'processes'])('RecordRoute on the %s executor', (kind) => {
  let executor: RouteExecutor;
  let running: RunningTestServer;
  let client: ReturnType<typeof createAsyncClient<typeof routeguide.RouteGuideService>>;

  beforeAll(async () => {
    executor = createRouteExecutor({ kind, size: 2, maxQueue: 16 });
    running = await startTestServer(
      buildRouteGuideServer({ features, chat: new RouteChatStore(), executor, logger: testLogger() }),
    );
    client = createAsyncClient(routeguide.RouteGuideService, running.address);
  }, 30_000);
  afterAll(async () => {
    client.$close();
    await running.stop(); // closes the executor too
  });

  it.each([2, CHUNK_POINTS - 1, CHUNK_POINTS, CHUNK_POINTS + 1, 3 * CHUNK_POINTS + 500])(
    'sums a %i-point route exactly as the official server does',
    async (length) => {
      const route = routeOf(length);
      await expect(client.recordRoute(route)).resolves.toMatchObject(routeSummary(officialFeatures, route));
    },
  );

  it('sends full chunks to the executor, and several routes at once get their own totals', async () => {
    const before = executor.stats().completed;
    const routes = [routeOf(2 * CHUNK_POINTS + 10), routeOf(CHUNK_POINTS + 3), routeOf(5 * CHUNK_POINTS)];
    const summaries = await Promise.all(routes.map((route) => client.recordRoute(route)));
    summaries.forEach((summary, i) => expect(summary).toMatchObject(routeSummary(officialFeatures, routes[i]!)));
    // 2 + 1 + 5 full chunks went to the executor (short last chunks are summed inline).
    expect(executor.stats().completed - before).toBe(8);
  });

  it('leaves nothing running or queued when the client cancels mid-route', async () => {
    const abort = new AbortController();
    async function* slowRoute() {
      for (let i = 0; ; i++) {
        yield officialFeatures[i % officialFeatures.length]!.location;
        if (i === 3 * CHUNK_POINTS) setTimeout(() => abort.abort(), 50);
        if (i > 3 * CHUNK_POINTS && i % 256 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    await expect(client.recordRoute(slowRoute(), { signal: abort.signal })).rejects.toMatchObject({ code: 1 });
    await waitFor(() => executor.stats().running === 0 && executor.stats().queued === 0, 'an idle executor');
    const route = routeOf(CHUNK_POINTS + 1);
    await expect(client.recordRoute(route)).resolves.toMatchObject(routeSummary(officialFeatures, route));
  });
});
