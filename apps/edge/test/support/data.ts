// The backends' data files, read as data: what the edge must pass on.
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

const ROOT = join(__dirname, '../../../..');
export const features: Feature[] = JSON.parse(readFileSync(join(ROOT, 'apps/route-guide/data/route_guide_db.json'), 'utf8'));
export const products: { id: number; stock: number }[] = JSON.parse(readFileSync(join(ROOT, 'apps/prod-service/data/stock.json'), 'utf8')).products;

export const featureName = (point: Point) =>
  features.find((f) => f.location.latitude === point.latitude && f.location.longitude === point.longitude)?.name ?? '';

export function namedIn(lo: Point, hi: Point): Feature[] {
  const [latMin, latMax] = [Math.min(lo.latitude, hi.latitude), Math.max(lo.latitude, hi.latitude)];
  const [lngMin, lngMax] = [Math.min(lo.longitude, hi.longitude), Math.max(lo.longitude, hi.longitude)];
  return features.filter(
    ({ name, location: { latitude, longitude } }) => name !== '' && latitude >= latMin && latitude <= latMax && longitude >= lngMin && longitude <= lngMax,
  );
}
