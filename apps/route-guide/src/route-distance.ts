// RecordRoute's distance as a pure function of the route's points: no I/O, no clock, no
// state, so it can run on the event loop or be handed to a worker thread unchanged.
import type { routeguide } from '@grpc-ts/protos';
import { addLegMetres } from './route-legs';

/**
 * The length of a route in whole metres: the haversine legs between consecutive points,
 * summed as floating point and truncated once at the end (truncating each leg would lose up
 * to a metre per leg). Fewer than two points -> 0.
 */
export function routeDistanceMetres(points: readonly routeguide.Point[]): number {
  const coords = new Int32Array(points.length * 2);
  points.forEach((point, index) => {
    coords[index * 2] = point.latitude;
    coords[index * 2 + 1] = point.longitude;
  });
  return Math.trunc(addLegMetres(0, coords));
}
