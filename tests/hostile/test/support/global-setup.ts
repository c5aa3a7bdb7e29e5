// Once per run: the two services bundled as their images ship them (esbuild, plain node, no
// node_modules), and a feature file large enough that a whole-world ListFeatures is still
// streaming when a short deadline passes. Paths go to the test files through the environment;
// HOSTILE_BUNDLE_ROUTE_GUIDE / HOSTILE_BUNDLE_PROD_SERVICE set beforehand attack another
// build instead (an older commit's bundles, to measure a regression).
import { bundleToTempDir } from '@grpc-ts/test-support';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

export default async function globalSetup(): Promise<void> {
  const [routeGuide, prodService] = await Promise.all([
    process.env.HOSTILE_BUNDLE_ROUTE_GUIDE || bundleToTempDir(join(ROOT, 'apps/route-guide/src/main.ts')),
    process.env.HOSTILE_BUNDLE_PROD_SERVICE || bundleToTempDir(join(ROOT, 'apps/prod-service/src/main.ts')),
  ]);
  process.env.HOSTILE_BUNDLE_ROUTE_GUIDE = routeGuide;
  process.env.HOSTILE_BUNDLE_PROD_SERVICE = prodService;
  const features = join(mkdtempSync(join(tmpdir(), 'hostile-features-')), 'features.json');
  // 20,000 named features spread over the world (about 1.2 MB of answer for the world rectangle).
  const entries = Array.from({ length: 20_000 }, (_, i) => ({
    location: { latitude: ((i * 7919) % 1_600_000_000) - 800_000_000, longitude: ((i * 104_729) % 3_400_000_000) - 1_700_000_000 },
    name: `feature ${i}`,
  }));
  writeFileSync(features, JSON.stringify(entries));
  process.env.HOSTILE_FEATURES_FILE = features;
}
