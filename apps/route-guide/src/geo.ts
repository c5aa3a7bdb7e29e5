// Points on the wire are degrees x 1e7 in int32. Range checks and the distance formula the
// official RouteGuide servers use.
import type { routeguide } from '@grpc-ts/protos';

export const COORD_FACTOR = 1e7;
export const MAX_LATITUDE = 90 * COORD_FACTOR;
export const MAX_LONGITUDE = 180 * COORD_FACTOR;
export const EARTH_RADIUS_M = 6_371_000;

/** Why a point is out of range, or undefined when it is valid. `what` names it in the message. */
export function pointProblem(point: routeguide.Point, what: string): string | undefined {
  const { latitude, longitude } = point;
  if (!Number.isInteger(latitude) || Math.abs(latitude) > MAX_LATITUDE) {
    return `${what}.latitude must be an integer from ${-MAX_LATITUDE} to ${MAX_LATITUDE} (degrees x 1e7), got ${latitude}`;
  }
  if (!Number.isInteger(longitude) || Math.abs(longitude) > MAX_LONGITUDE) {
    return `${what}.longitude must be an integer from ${-MAX_LONGITUDE} to ${MAX_LONGITUDE} (degrees x 1e7), got ${longitude}`;
  }
  return undefined;
}

const toRadians = (coordinate: number) => ((coordinate / COORD_FACTOR) * Math.PI) / 180;

/**
 * Great-circle (haversine) distance in metres, as a float: callers truncate once, at the end.
 * The operations are written in the official Node server's order (x*x, not x**2) so the
 * float sums, and therefore the truncated totals, match it exactly.
 */
export function haversineMetres(from: routeguide.Point, to: routeguide.Point): number {
  return haversineMetresE7(from.latitude, from.longitude, to.latitude, to.longitude);
}

/** haversineMetres on raw E7 coordinates: the same arithmetic, for packed routes. */
export function haversineMetresE7(fromLat: number, fromLng: number, toLat: number, toLng: number): number {
  const lat1 = toRadians(fromLat);
  const lat2 = toRadians(toLat);
  const lon1 = toRadians(fromLng);
  const lon2 = toRadians(toLng);
  const halfDLat = Math.sin((lat2 - lat1) / 2);
  const halfDLon = Math.sin((lon2 - lon1) / 2);
  const a = halfDLat * halfDLat + Math.cos(lat1) * Math.cos(lat2) * halfDLon * halfDLon;
  return EARTH_RADIUS_M * (2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a)));
}
