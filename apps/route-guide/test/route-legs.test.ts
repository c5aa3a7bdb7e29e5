import type { routeguide } from '@grpc-ts/protos';
import { addLegMetres } from '../src/route-legs';
import { officialFeatures, routeSummary } from './support/reference';

/** A route's length as RecordRoute computes it: packed E7 pairs, legs added in order, truncated once. */
function routeDistanceMetres(points: readonly routeguide.Point[]): number {
  const coords = new Int32Array(points.flatMap((point) => [point.latitude, point.longitude]));
  return Math.trunc(addLegMetres(0, coords));
}

describe('addLegMetres', () => {
  it('is 0 for no points and for one point', () => {
    expect(routeDistanceMetres([])).toBe(0);
    expect(routeDistanceMetres([{ latitude: 1, longitude: 1 }])).toBe(0);
  });

  it('matches the official Node formula, truncated once, on routes through the official data', () => {
    const points = officialFeatures.map((f) => f.location);
    for (let length = 2; length <= points.length; length += 7) {
      const route = points.slice(0, length);
      expect(routeDistanceMetres(route)).toBe(routeSummary([], route).distance);
    }
  });

  it('gives a quarter meridian as about 10,007,543 m (R = 6,371,000 m)', () => {
    expect(routeDistanceMetres([{ latitude: 0, longitude: 0 }, { latitude: 900000000, longitude: 0 }])).toBe(10007543);
  });

  it('sums legs as floats: two 0.6 m legs make 1 m, not 0', () => {
    // 0.6 m of latitude in degrees x 1e7 (1e-7 degree is about 0.0111 m): 54 units = 0.6004 m.
    const route = [{ latitude: 0, longitude: 0 }, { latitude: 54, longitude: 0 }, { latitude: 108, longitude: 0 }];
    expect(routeDistanceMetres(route.slice(0, 2))).toBe(0);
    expect(routeDistanceMetres(route)).toBe(1);
  });
});

describe('addLegMetres in chunks', () => {
  it('gives the same float when a route is summed chunk after chunk, each chunk starting at the last point', () => {
    const points = Array.from({ length: 1000 }, (_, i) => officialFeatures[(i * 13) % officialFeatures.length]!.location);
    const coords = new Int32Array(points.flatMap((point) => [point.latitude, point.longitude]));
    const whole = addLegMetres(0, coords);
    let chunked = 0;
    for (let start = 0; start < points.length - 1; start += 99) {
      const end = Math.min(points.length, start + 100);
      chunked = addLegMetres(chunked, coords.subarray(start * 2, end * 2));
    }
    expect(chunked).toBe(whole);
  });
});
