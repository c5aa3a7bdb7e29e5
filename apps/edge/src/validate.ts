// Bad input is the caller's to fix: INVALID_ARGUMENT naming the field, before any backend call.
// (Malformed JSON and unknown fields are refused by connect-node itself, see edge-server.ts.)
import { Code, ConnectError } from '@connectrpc/connect';
import type { ExploreAreaRequest, PlanTripRequest, Point } from '@grpc-ts/protos/edge-connect';

export const MAX_WAYPOINTS = 1_000;
export const MAX_PRODUCTS = 100;
const LAT_MAX = 900_000_000;
const LNG_MAX = 1_800_000_000;

const invalid = (message: string) => new ConnectError(message, Code.InvalidArgument);

function checkPoint(point: Point | undefined, what: string): Point {
  if (!point) throw invalid(`${what} is required`);
  if (Math.abs(point.latitude) > LAT_MAX) throw invalid(`${what}.latitude must be within +-${LAT_MAX} (E7 degrees), got ${point.latitude}`);
  if (Math.abs(point.longitude) > LNG_MAX) throw invalid(`${what}.longitude must be within +-${LNG_MAX} (E7 degrees), got ${point.longitude}`);
  return point;
}

export function checkPlanTrip(request: PlanTripRequest): void {
  if (request.waypoints.length > MAX_WAYPOINTS) throw invalid(`at most ${MAX_WAYPOINTS} waypoints, got ${request.waypoints.length}`);
  if (request.productIds.length > MAX_PRODUCTS) throw invalid(`at most ${MAX_PRODUCTS} product_ids, got ${request.productIds.length}`);
  request.waypoints.forEach((point, i) => checkPoint(point, `waypoints[${i}]`));
  request.productIds.forEach((id, i) => {
    if (id <= 0) throw invalid(`product_ids[${i}] must be a positive integer, got ${id}`);
  });
}

export function checkExploreArea(request: ExploreAreaRequest): { lo: Point; hi: Point } {
  return { lo: checkPoint(request.lo, 'lo'), hi: checkPoint(request.hi, 'hi') };
}
