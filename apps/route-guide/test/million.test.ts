// A 1,000,000-feature file: loaded from disk, indexed, queried over a real socket. Correctness
// is asserted; times are printed, not asserted (this machine's speed is not the spec).
import { createAsyncClient, routeguide, type AsyncClient } from '@grpc-ts/protos';
import { startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteChatStore } from '../src/chat-store';
import { loadFeatures } from '../src/feature-file';
import { buildRouteGuideServer } from '../src/server';
import type { Feature, Point } from './support/reference';
import { syntheticFeature, writeSyntheticFile } from './support/synthetic-features';

const COUNT = 1_000_000;

/** The reference answer, regenerating features by index rather than holding a second million. */
function expectedIn(lo: Point, hi: Point): Feature[] {
  const found: Feature[] = [];
  for (let i = 0; i < COUNT; i++) {
    const f = syntheticFeature(i);
    const { latitude, longitude } = f.location;
    if (f.name && latitude >= Math.min(lo.latitude, hi.latitude) && latitude <= Math.max(lo.latitude, hi.latitude) &&
      longitude >= Math.min(lo.longitude, hi.longitude) && longitude <= Math.max(lo.longitude, hi.longitude)) found.push(f);
  }
  return found;
}

async function timedList(client: AsyncClient<typeof routeguide.RouteGuideService>, rectangle: routeguide.Rectangle, limit = Infinity) {
  const started = performance.now();
  let firstMs: number | undefined;
  const features: routeguide.Feature[] = [];
  for await (const feature of client.listFeatures(rectangle)) {
    firstMs ??= performance.now() - started;
    features.push(feature);
    if (features.length >= limit) break;
  }
  return { features, firstMs, totalMs: performance.now() - started };
}

describe('ListFeatures over a 1,000,000-feature file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'route-guide-million-'));
  const path = join(dir, 'features.json');
  let running: RunningTestServer;
  let client: AsyncClient<typeof routeguide.RouteGuideService>;

  beforeAll(async () => {
    let started = performance.now();
    writeSyntheticFile(path, COUNT);
    const writeMs = performance.now() - started;
    started = performance.now();
    const features = loadFeatures(path);
    const loadMs = performance.now() - started;
    console.log(
      `1M file: ${(statSync(path).size / 2 ** 20).toFixed(0)} MiB written in ${writeMs.toFixed(0)} ms; ` +
        `parsed, validated and indexed in ${loadMs.toFixed(0)} ms (${features.size} features, ${features.namedCount} named)`,
    );
    expect(features.size).toBe(COUNT);
    running = await startTestServer(buildRouteGuideServer({ features, chat: new RouteChatStore(), logger: testLogger() }));
    client = createAsyncClient(routeguide.RouteGuideService, running.address);
  }, 120_000);

  afterAll(async () => {
    client?.$close();
    await running?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns exactly the named features of a small rectangle, in file order', async () => {
    const lo = { latitude: 404000000, longitude: -745000000 };
    const hi = { latitude: 424000000, longitude: -725000000 }; // 2 x 2 degrees
    const expected = expectedIn(lo, hi);
    expect(expected.length).toBeGreaterThan(10);
    const { features, firstMs, totalMs } = await timedList(client, { lo: hi, hi: lo });
    console.log(`1M small rectangle: ${features.length} features, first after ${firstMs?.toFixed(1)} ms, all after ${totalMs.toFixed(1)} ms`);
    expect(features).toEqual(expected);
  });

  it('starts streaming a world-wide answer at once, and it begins in file order', async () => {
    const world = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
    const { features, firstMs } = await timedList(client, world, 1_000);
    console.log(`1M world rectangle: first of ~666,667 after ${firstMs?.toFixed(1)} ms (read 1,000, then cancelled)`);
    const firstNamed: Feature[] = [];
    for (let i = 0; firstNamed.length < 1_000; i++) if (syntheticFeature(i).name) firstNamed.push(syntheticFeature(i));
    expect(features).toEqual(firstNamed);
  });

  it('finds features by point without scanning (spot checks across the file)', async () => {
    const started = performance.now();
    for (const i of [0, 1, 499_999, 999_998, 999_999]) {
      const feature = syntheticFeature(i);
      await expect(client.getFeature(feature.location)).resolves.toEqual(feature);
    }
    console.log(`1M GetFeature: 5 calls in ${(performance.now() - started).toFixed(1)} ms`);
  });
});
