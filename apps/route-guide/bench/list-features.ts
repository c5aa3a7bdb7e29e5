// Benchmark (prints figures, asserts nothing): a generated feature file of N features
// (default 1,000,000) loaded the way main loads DATA, then GetFeature and ListFeatures over
// a real socket. Usage: tsx apps/route-guide/bench/list-features.ts [count]
import { createAsyncClient, routeguide } from '@grpc-ts/protos';
import { startTestServer, testLogger } from '@grpc-ts/server-kit/testing';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteChatStore } from '../src/chat-store';
import { loadFeatures } from '../src/feature-file';
import { buildRouteGuideServer } from '../src/server';
import { syntheticFeature, writeSyntheticFile } from '../test/support/synthetic-features';

const count = Number(process.argv[2] ?? 1_000_000);
const ms = (since: number) => `${(performance.now() - since).toFixed(1)} ms`;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'route-guide-bench-'));
  const path = join(dir, 'features.json');
  try {
    let t = performance.now();
    writeSyntheticFile(path, count);
    console.log(`generated ${count} features (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB) in ${ms(t)}`);
    const heapBefore = process.memoryUsage().heapUsed;
    t = performance.now();
    const features = loadFeatures(path);
    console.log(`loaded + validated + indexed in ${ms(t)}; heap +${((process.memoryUsage().heapUsed - heapBefore) / 2 ** 20).toFixed(0)} MiB`);

    const running = await startTestServer(buildRouteGuideServer({ features, chat: new RouteChatStore(), logger: testLogger() }));
    const client = createAsyncClient(routeguide.RouteGuideService, running.address);
    await client.$waitForReady(5_000);

    const calls = 5_000;
    t = performance.now();
    for (let i = 0; i < calls; i++) await client.getFeature(syntheticFeature((i * 7919) % count).location);
    console.log(`GetFeature: ${calls} sequential calls in ${ms(t)} (${((performance.now() - t) / calls).toFixed(3)} ms each)`);

    const rectangles = {
      'small (2 x 2 degrees)': { lo: { latitude: 404000000, longitude: -745000000 }, hi: { latitude: 424000000, longitude: -725000000 } },
      'tall and thin (all latitudes, 0.1 degree)': { lo: { latitude: -900000000, longitude: 0 }, hi: { latitude: 900000000, longitude: 1000000 } },
      'whole world': { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } },
    };
    for (const [name, rectangle] of Object.entries(rectangles)) {
      t = performance.now();
      let first: string | undefined;
      let received = 0;
      for await (const _feature of client.listFeatures(rectangle)) {
        first ??= ms(t);
        received++;
      }
      console.log(`ListFeatures ${name}: ${received} features, first after ${first ?? '-'}, all after ${ms(t)}`);
    }
    client.$close();
    await running.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
