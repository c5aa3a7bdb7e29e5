// The index against the plain reference scans, on data big enough to take every path
// (narrow latitude bands that are collected and sorted, wide ones that are scanned).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFeatures, parseFeatures } from '../src/feature-file';
import { FeatureIndex } from '../src/feature-index';
import { boundsOf } from '../src/route-guide';
import { featureAt, featuresIn, officialFeatures, type Feature } from './support/reference';
import { syntheticFeatures } from './support/synthetic-features';

const key = (p: { latitude: number; longitude: number }) => `${p.latitude},${p.longitude}`;

function randomRectangles(count: number, seed: number) {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: count }, (_, i) => {
    // Sizes from a few metres to most of the world, so both query strategies run.
    const span = 10 ** (2 + (i % 8));
    const lat = Math.round(next() * 160e7 - 80e7);
    const lng = Math.round(next() * 340e7 - 170e7);
    const clamp = (v: number, max: number) => Math.max(-max, Math.min(max, v));
    return {
      lo: { latitude: clamp(lat + span, 90e7), longitude: clamp(lng - span * 2, 180e7) },
      hi: { latitude: clamp(lat - span, 90e7), longitude: clamp(lng + span * 2, 180e7) },
    };
  });
}

describe('FeatureIndex', () => {
  // Synthetic features, plus copies at existing points (the first in file order must win),
  // plus a row of features sharing one latitude (binary-search edges).
  const features: Feature[] = syntheticFeatures(20_000);
  for (let i = 0; i < 500; i++) features.push({ name: `duplicate ${i}`, location: { ...features[i * 7]!.location } });
  for (let i = 0; i < 300; i++) features.push({ name: i % 4 ? `row ${i}` : '', location: { latitude: 123456789, longitude: i * 1000 } });
  const index = new FeatureIndex(features);

  it('counts features and named features', () => {
    expect(index.size).toBe(features.length);
    expect(index.namedCount).toBe(features.filter((f) => f.name !== '').length);
  });

  it('finds the first feature at every point, and nothing elsewhere', () => {
    // The reference's first-match scan, done once into a map (a scan per point would be n^2).
    const first = new Map<string, Feature>();
    for (const f of features) if (!first.has(key(f.location))) first.set(key(f.location), f);
    const show = (f: { name: string; location?: { latitude: number; longitude: number } } | undefined) =>
      f ? `${f.name}@${key(f.location!)}` : '-';
    const points = features.flatMap(({ location }) => [location, { latitude: location.latitude, longitude: location.longitude + 1 }]);
    expect(points.map((p) => show(index.find(p))).join('\n')).toBe(points.map((p) => show(first.get(key(p)))).join('\n'));
    expect(features.slice(0, 50).map((f) => index.find(f.location))).toEqual(features.slice(0, 50).map((f) => featureAt(features, f.location)));
  });

  it('lists exactly the reference result (file order) for 400 rectangles of every size', () => {
    // Compared as lines of text: deep equality on 10,000-element arrays 400 times is slow.
    const lines = (list: Iterable<{ name: string; location?: { latitude: number; longitude: number } }>) =>
      [...list].map((f) => `${f.name}@${key(f.location!)}`).join('\n');
    let nonEmpty = 0;
    for (const rectangle of randomRectangles(400, 42)) {
      const expected = featuresIn(features, rectangle.lo, rectangle.hi);
      if (expected.length > 0) nonEmpty++;
      expect(lines(index.within(boundsOf(rectangle)))).toBe(lines(expected));
    }
    expect(nonEmpty).toBeGreaterThan(100); // the rectangles do hit features
  });

  it('includes features on a latitude row shared by many, at both ends', () => {
    const row = { lo: { latitude: 123456789, longitude: 1000 }, hi: { latitude: 123456789, longitude: 250000 } };
    const result = [...index.within(boundsOf(row))];
    expect(result).toEqual(featuresIn(features, row.lo, row.hi));
    expect(result[0]!.location!.longitude).toBe(1000);
    expect(result.at(-1)!.location!.longitude).toBe(250000);
  });

  it('works on an empty database and one with no named features', () => {
    const world = boundsOf({ lo: { latitude: -90e7, longitude: -180e7 }, hi: { latitude: 90e7, longitude: 180e7 } });
    expect([...new FeatureIndex([]).within(world)]).toEqual([]);
    const unnamedOnly = new FeatureIndex([{ name: '', location: { latitude: 1, longitude: 1 } }]);
    expect([...unnamedOnly.within(world)]).toEqual([]);
    expect(unnamedOnly.find({ latitude: 1, longitude: 1 })).toEqual({ name: '', location: { latitude: 1, longitude: 1 } });
  });
});

describe('feature files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'route-guide-features-'));

  it('loads the bundled official database', () => {
    const index = loadFeatures();
    expect([index.size, index.namedCount]).toEqual([officialFeatures.length, officialFeatures.filter((f) => f.name).length]);
  });

  it('loads a file given by path', () => {
    const path = join(dir, 'two.json');
    writeFileSync(path, JSON.stringify([{ name: 'A', location: { latitude: 5, longitude: 6 } }, { name: '', location: { latitude: 7, longitude: 8 } }]));
    const index = loadFeatures(path);
    expect(index.size).toBe(2);
    expect(index.find({ latitude: 5, longitude: 6 })).toEqual({ name: 'A', location: { latitude: 5, longitude: 6 } });
  });

  it.each([
    [{}, 'expected a JSON array of features'],
    [[null], 'entry [0]: expected an object'],
    [[{ location: { latitude: 1, longitude: 1 } }], 'entry [0]: name must be a string'],
    [[{ name: 'a' }], 'entry [0]: location must be an object'],
    [[{ name: 'a', location: { latitude: 1, longitude: 1 } }, { name: 'b', location: { latitude: 900000001, longitude: 0 } }], 'entry [1]: location.latitude'],
    [[{ name: 'a', location: { latitude: 1.5, longitude: 0 } }], 'entry [0]: location.latitude must be an integer'],
    [[{ name: 'a', location: { latitude: 1, longitude: '2' } }], 'entry [0]: location.longitude must be an integer'],
  ])('rejects bad data %j', (raw, message) => {
    expect(() => parseFeatures(raw, 'test.json')).toThrow(`test.json: ${message}`);
  });

  it('names a file it cannot read or parse', () => {
    const path = join(dir, 'broken.json');
    writeFileSync(path, '[{ not json');
    expect(() => loadFeatures(path)).toThrow(`cannot read feature file ${path}`);
    expect(() => loadFeatures(join(dir, 'missing.json'))).toThrow('cannot read feature file');
  });
});
