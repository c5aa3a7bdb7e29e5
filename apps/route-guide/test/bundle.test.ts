// The build output runs with plain node and no node_modules, the official data embedded in
// it (no data directory beside it), health and reflection included.
import { checkHealth, createAsyncClient, routeguide } from '@grpc-ts/protos';
import { listServicesByReflection } from '@grpc-ts/server-kit/testing';
import { bundleToTempDir, spawnService } from '@grpc-ts/test-support';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DATA_FILE, featuresIn, officialFeatures, routeSummary } from './support/reference';

describe('route-guide bundle', () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = await bundleToTempDir(join(__dirname, '../src/main.ts'));
  }, 60_000);

  it('serves all four RPC kinds, health and reflection from a lone bundle', async () => {
    expect(existsSync(join(dirname(bundle), '..', 'node_modules'))).toBe(false);
    expect(readdirSync(dirname(bundle)).filter((name) => name.endsWith('.json'))).toEqual([]);
    const service = await spawnService(process.execPath, [bundle], {}, 30_000);
    const client = createAsyncClient(routeguide.RouteGuideService, service.address);
    try {
      const named = officialFeatures.filter((f) => f.name);
      await expect(client.getFeature(named[0]!.location)).resolves.toEqual(named[0]);
      const lo = { latitude: 400000000, longitude: -750000000 };
      const hi = { latitude: 420000000, longitude: -730000000 };
      const listed: routeguide.Feature[] = [];
      for await (const feature of client.listFeatures({ lo, hi })) listed.push(feature);
      expect(listed).toEqual(featuresIn(officialFeatures, lo, hi));
      await expect(client.recordRoute([named[0]!.location, named[1]!.location])).resolves.toMatchObject({ pointCount: 2, featureCount: 2 });
      // A route of several chunks: their sums run on the bundled worker threads and task module.
      const longRoute = Array.from({ length: 10_000 }, (_, i) => officialFeatures[i % officialFeatures.length]!.location);
      await expect(client.recordRoute(longRoute)).resolves.toMatchObject(routeSummary(officialFeatures, longRoute));
      const chat: routeguide.RouteNote[] = [];
      const note = { location: { latitude: 3, longitude: 4 }, message: 'hi' };
      for await (const reply of client.routeChat([note, note])) chat.push(reply);
      expect(chat).toEqual([note]);
      await expect(checkHealth(service.address, 'routeguide.RouteGuide')).resolves.toBe('SERVING');
      await expect(listServicesByReflection(service.address)).resolves.toContain('routeguide.RouteGuide');
    } finally {
      client.$close();
      await expect(service.stop()).resolves.toBe(0);
    }
    expect(service.logs.find((line) => line.msg === 'features loaded')).toMatchObject({ features: 100, named: 64 });
    expect(service.logs.find((line) => line.msg === 'executor ready')).toMatchObject({ executor: 'threads' });
  });

  it('reads a DATA file given at run time', async () => {
    const service = await spawnService(process.execPath, [bundle], { DATA: DATA_FILE }, 30_000);
    try {
      expect(service.logs.find((line) => line.msg === 'features loaded')).toMatchObject({ source: DATA_FILE, features: 100 });
    } finally {
      await expect(service.stop()).resolves.toBe(0);
    }
  });
});
