// The spec (/work/shared/notes/routeguide.md) written as plainly as possible: straight scans
// and the official Node server's formulas, with nothing shared with src/. Tests compare the
// server against these, so an index or rounding bug in src/ cannot hide behind itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Point {
  latitude: number;
  longitude: number;
}
export interface Feature {
  name: string;
  location: Point;
}

export const DATA_FILE = join(__dirname, '../../data/route_guide_db.json');
/** The official database, read from the JSON file itself (not through src/). */
export const officialFeatures: Feature[] = JSON.parse(readFileSync(DATA_FILE, 'utf8'));

/** GetFeature: the first feature at exactly this point, else an unnamed one at the point. */
export function featureAt(features: readonly Feature[], point: Point): Feature {
  const found = features.find((f) => f.location.latitude === point.latitude && f.location.longitude === point.longitude);
  return found ?? { name: '', location: { latitude: point.latitude, longitude: point.longitude } };
}

/** ListFeatures: named features inside the rectangle, either corner order, edges inclusive, file order. */
export function featuresIn(features: readonly Feature[], lo: Point, hi: Point): Feature[] {
  const left = Math.min(lo.longitude, hi.longitude);
  const right = Math.max(lo.longitude, hi.longitude);
  const bottom = Math.min(lo.latitude, hi.latitude);
  const top = Math.max(lo.latitude, hi.latitude);
  return features.filter(
    (f) =>
      f.name !== '' &&
      f.location.longitude >= left &&
      f.location.longitude <= right &&
      f.location.latitude >= bottom &&
      f.location.latitude <= top,
  );
}

/** The official Node example's getDistance, transcribed. */
function officialDistance(start: Point, end: Point): number {
  const toRadians = (num: number) => (num * Math.PI) / 180;
  const R = 6371000;
  const lat1 = toRadians(start.latitude / 1e7);
  const lat2 = toRadians(end.latitude / 1e7);
  const lon1 = toRadians(start.longitude / 1e7);
  const lon2 = toRadians(end.longitude / 1e7);
  const deltalat = lat2 - lat1;
  const deltalon = lon2 - lon1;
  const a =
    Math.sin(deltalat / 2) * Math.sin(deltalat / 2) +
    Math.cos(lat1) * Math.cos(lat2) * Math.sin(deltalon / 2) * Math.sin(deltalon / 2);
  const c = 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  return R * c;
}

/** RecordRoute's summary apart from elapsed_time (which depends on the clock). */
export function routeSummary(features: readonly Feature[], points: readonly Point[]) {
  let distance = 0;
  for (let i = 1; i < points.length; i++) distance += officialDistance(points[i - 1]!, points[i]!);
  return {
    pointCount: points.length,
    featureCount: points.filter((p) => featureAt(features, p).name !== '').length,
    distance: Math.trunc(distance),
  };
}
