// Large feature files for scale tests and the benchmark, generated deterministically from
// the index (feature i is a pure function of i and the seed), so a test can compute what to
// expect by regenerating features instead of holding a second copy of a million of them.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Feature } from './reference';

function mix(value: number): number {
  let h = Math.imul(value ^ (value >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

const LAT_SPAN = 2 * 80e7 + 1;
const LNG_SPAN = 2 * 170e7 + 1;

/** Feature `index`: spread over +-80 / +-170 degrees; every third one unnamed. */
export function syntheticFeature(index: number, seed = 1): Feature {
  const latitude = (mix(index * 2 + seed * 0x9e3779b1) % LAT_SPAN) - 80e7;
  const longitude = (mix(index * 2 + 1 + seed * 0x9e3779b1) % LNG_SPAN) - 170e7;
  return { name: index % 3 === 2 ? '' : `feature ${index}`, location: { latitude, longitude } };
}

export function syntheticFeatures(count: number, seed = 1): Feature[] {
  return Array.from({ length: count }, (_, index) => syntheticFeature(index, seed));
}

/** Writes `count` synthetic features as a route_guide_db.json-format file, in batches. */
export function writeSyntheticFile(path: string, count: number, seed = 1): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, '[');
    const batch: string[] = [];
    for (let index = 0; index < count; index++) {
      batch.push((index === 0 ? '' : ',') + JSON.stringify(syntheticFeature(index, seed)));
      if (batch.length === 10_000) writeSync(fd, batch.splice(0).join('\n'));
    }
    writeSync(fd, batch.join('\n') + ']\n');
  } finally {
    closeSync(fd);
  }
}
