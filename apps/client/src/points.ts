// RouteGuide points on the command line: "lat,lng" in E7 integers (degrees x 10^7), route
// files, and random routes.
import { readFileSync } from 'node:fs';
import type { routeguide } from '@grpc-ts/protos';

export const E7 = 1e7;
const MAX_LATITUDE = 90 * E7;
const MAX_LONGITUDE = 180 * E7;
const INTEGER = /^[+-]?\d+$/;

/** Validates one coordinate pair; throws a one-line reason naming what was wrong. */
export function toPoint(latitude: number, longitude: number, what = 'point'): routeguide.Point {
  if (!Number.isInteger(latitude) || Math.abs(latitude) > MAX_LATITUDE) {
    throw new Error(`${what}: latitude must be an E7 integer within +/-${MAX_LATITUDE}, got ${latitude}`);
  }
  if (!Number.isInteger(longitude) || Math.abs(longitude) > MAX_LONGITUDE) {
    throw new Error(`${what}: longitude must be an E7 integer within +/-${MAX_LONGITUDE}, got ${longitude}`);
  }
  return { latitude, longitude };
}

export function parseCoordinate(text: string, what: string): number {
  if (!INTEGER.test(text.trim())) throw new Error(`${what} must be an E7 integer (degrees x 10^7), got "${text}"`);
  return Number(text);
}

/** "409146138,-746188906" -> a Point. */
export function parsePoint(text: string, what = 'point'): routeguide.Point {
  const parts = text.split(',');
  if (parts.length !== 2) throw new Error(`${what} must be "lat,lng" in E7 integers, got "${text}"`);
  return toPoint(parseCoordinate(parts[0]!, `${what} latitude`), parseCoordinate(parts[1]!, `${what} longitude`), what);
}

/**
 * A route file: either JSON (an array of points, or of features with a "location" as in
 * route_guide_db.json) or text with one "lat,lng" per line (# starts a comment).
 */
export function readRouteFile(path: string): routeguide.Point[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read route file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let entries: unknown;
    try {
      entries = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`${path}: invalid JSON: ${(error as Error).message}`);
    }
    return (entries as unknown[]).map((entry, index) => {
      const where = `${path}[${index}]`;
      const point = (entry as { location?: unknown })?.location ?? entry;
      const { latitude, longitude } = (point ?? {}) as Partial<routeguide.Point>;
      return toPoint(latitude ?? 0, longitude ?? 0, where);
    });
  }
  const points: routeguide.Point[] = [];
  trimmed.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line) points.push(parsePoint(line, `${path}:${index + 1}`));
  });
  return points;
}

/** The area the sample feature data covers (New Jersey / New York), so random routes pass some. */
export const SAMPLE_AREA = { latMin: 40.0 * E7, latMax: 41.5 * E7, lngMin: -75.0 * E7, lngMax: -73.5 * E7 };

export function randomPoints(count: number, area = SAMPLE_AREA, random: () => number = Math.random): routeguide.Point[] {
  const between = (min: number, max: number) => Math.round(min + random() * (max - min));
  return Array.from({ length: count }, () => ({
    latitude: between(area.latMin, area.latMax),
    longitude: between(area.lngMin, area.lngMax),
  }));
}
