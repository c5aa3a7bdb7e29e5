// The CPU-bound work the executor benchmark runs: great-circle length of a route given as
// packed E7 coordinates [lat0, lng0, lat1, lng1, ...], the same maths as RecordRoute.
const EARTH_RADIUS_M = 6_371_000;
const RADIANS_PER_E7 = Math.PI / 180 / 1e7;

export function routeLengthMeters(points: Int32Array, repeat = 1): number {
  let total = 0;
  for (let r = 0; r < repeat; r++) {
    for (let i = 2; i < points.length; i += 2) {
      const lat1 = points[i - 2]! * RADIANS_PER_E7;
      const lat2 = points[i]! * RADIANS_PER_E7;
      const dLat = lat2 - lat1;
      const dLng = (points[i + 1]! - points[i - 1]!) * RADIANS_PER_E7;
      const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1) * Math.cos(lat2) * Math.sin(dLng / 2) ** 2;
      total += 2 * EARTH_RADIUS_M * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
    }
  }
  return total;
}
