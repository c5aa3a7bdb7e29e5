// The CPU-bound part of RecordRoute: adding up haversine legs over a packed chunk of a route
// ([lat0, lng0, lat1, lng1, ...] in E7). Pure and allocation-free, so it runs the same on the
// event loop, a worker thread or a child process.
import { haversineMetresE7 } from './geo';

/**
 * `total` plus the legs between consecutive points of `coords`, summed in route order, so a
 * route summed chunk after chunk gives exactly the float the official server's one loop does.
 */
export function addLegMetres(total: number, coords: Int32Array): number {
  let sum = total;
  for (let i = 2; i + 1 < coords.length; i += 2) {
    sum += haversineMetresE7(coords[i - 2]!, coords[i - 1]!, coords[i]!, coords[i + 1]!);
  }
  return sum;
}
