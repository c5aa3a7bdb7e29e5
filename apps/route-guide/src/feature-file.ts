// Loads and validates a RouteGuide feature file: the official route_guide_db.json format,
// a JSON array of { "location": { "latitude", "longitude" }, "name" }.
import { readFileSync } from 'node:fs';
import type { routeguide } from '@grpc-ts/protos';
import bundledDb from '../data/route_guide_db.json';
import { FeatureIndex } from './feature-index';
import { pointProblem } from './geo';

export const BUNDLED_SOURCE = 'bundled data/route_guide_db.json';

/** Checks every entry; throws naming the source and the first bad entry. */
export function parseFeatures(raw: unknown, source: string): routeguide.Feature[] {
  if (!Array.isArray(raw)) throw new Error(`${source}: expected a JSON array of features`);
  // Validated in place, not copied: a million-entry file must not be held twice while indexing.
  raw.forEach((entry: unknown, index) => {
    const where = `${source}: entry [${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: expected an object with "location" and "name"`);
    const { location, name } = entry as { location?: unknown; name?: unknown };
    if (typeof name !== 'string') throw new Error(`${where}: name must be a string ("" for an unnamed feature)`);
    if (typeof location !== 'object' || location === null) throw new Error(`${where}: location must be an object`);
    const point = location as routeguide.Point;
    const problem = pointProblem(point, 'location');
    if (problem) throw new Error(`${where}: ${problem}`);
  });
  return raw as routeguide.Feature[];
}

/** The database shipped with the app (bundled into the build), or a JSON file when a path is given. */
export function loadFeatures(path?: string): FeatureIndex {
  if (!path) return new FeatureIndex(parseFeatures(bundledDb, BUNDLED_SOURCE));
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read feature file ${path}: ${(error as Error).message}`);
  }
  return new FeatureIndex(parseFeatures(raw, path));
}
