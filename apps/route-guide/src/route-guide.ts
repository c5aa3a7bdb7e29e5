// routeguide.RouteGuide with the official Node example server's behaviour (edge cases in the README).
// The server kit owns cancellation, deadlines, back-pressure and shutdown; this file is the logic.
import type { routeguide } from '@grpc-ts/protos';
import { EDGE_IDENTITY, invalidArgument, policy, resourceExhausted, type MethodPolicies, type ServiceImpl } from '@grpc-ts/server-kit';
import type { RouteChatStore } from './chat-store';
import type { Bounds, FeatureSource } from './feature-index';
import { pointProblem } from './geo';
import { RouteLength, type RouteExecutor } from './route-length';

/** RecordRoute refuses longer routes: a bound on the work one call can ask for. */
export const DEFAULT_MAX_ROUTE_POINTS = 1_000_000;

/**
 * RouteChat refuses a note whose message has more UTF-8 bytes: a chat line, not a file. It
 * also sizes the largest request route-guide accepts at all (routeGuideMaxReceiveBytes), so
 * memory per call and per RouteChat answer (up to CHAT_MAX_NOTES_PER_LOCATION notes) stays
 * small: 1 MiB notes from two clients took the server past a 256 MiB container limit.
 */
export const DEFAULT_MAX_NOTE_BYTES = 16 * 1024;

// A RouteNote's bytes beside its message: the location (two int32 varints of up to 10 bytes
// each, tags and length) and the message's tag and length prefix; rounded up.
const NOTE_OVERHEAD_BYTES = 64;

/** The largest request message route-guide needs: a RouteNote with the longest allowed message (Points and Rectangles are smaller). */
export function routeGuideMaxReceiveBytes(maxNoteBytes: number): number {
  return maxNoteBytes + NOTE_OVERHEAD_BYTES;
}

export interface RouteGuideDeps {
  features: FeatureSource;
  /** Shared by every RouteChat call on the server. */
  chat: RouteChatStore;
  /** A monotonic clock in milliseconds (RecordRoute's elapsed_time); injectable so tests need not sleep. */
  now?: () => number;
  /** RecordRoute fails with RESOURCE_EXHAUSTED past this many points. */
  maxRoutePoints?: number;
  /** RouteChat fails with RESOURCE_EXHAUSTED for a note whose message has more UTF-8 bytes. */
  maxNoteBytes?: number;
  /** Where RecordRoute's distance sums run (see route-length.ts). */
  executor: RouteExecutor;
}

const INT32_MAX = 2 ** 31 - 1;
// proto3: an unset message field reads as its default, so a RouteNote without a location is at (0, 0).
const ORIGIN: routeguide.Point = { latitude: 0, longitude: 0 };

function checkPoint(point: routeguide.Point, what: string): routeguide.Point {
  const problem = pointProblem(point, what);
  if (problem) throw invalidArgument(problem);
  return point;
}

/** lo and hi are both required, may be any two opposite corners; edges are inclusive. */
export function boundsOf({ lo, hi }: routeguide.Rectangle): Bounds {
  if (!lo || !hi) throw invalidArgument(`rectangle.${lo ? 'hi' : 'lo'} is required (a rectangle needs two corners)`);
  checkPoint(lo, 'rectangle.lo');
  checkPoint(hi, 'rectangle.hi');
  return {
    latMin: Math.min(lo.latitude, hi.latitude),
    latMax: Math.max(lo.latitude, hi.latitude),
    lngMin: Math.min(lo.longitude, hi.longitude),
    lngMax: Math.max(lo.longitude, hi.longitude),
  };
}

// int32 on the wire: a total that no longer fits saturates rather than wrapping negative.
const toInt32 = (value: number) => Math.min(Math.trunc(value), INT32_MAX);

/**
 * Who may call what: reading features, recording routes and chatting are separate scopes.
 * The edge (its client certificate) may call what PlanTrip and ExploreArea need; not RouteChat.
 */
export const routeGuidePolicies: MethodPolicies<typeof routeguide.RouteGuideService> = {
  getFeature: policy.scopesOrServices(['route:read'], [EDGE_IDENTITY]),
  listFeatures: policy.scopesOrServices(['route:read'], [EDGE_IDENTITY]),
  recordRoute: policy.scopesOrServices(['route:write'], [EDGE_IDENTITY]),
  routeChat: policy.scopes('route:chat'),
};

export function createRouteGuideService({
  features,
  chat,
  now = () => performance.now(),
  maxRoutePoints = DEFAULT_MAX_ROUTE_POINTS,
  maxNoteBytes = DEFAULT_MAX_NOTE_BYTES,
  executor,
}: RouteGuideDeps): ServiceImpl<typeof routeguide.RouteGuideService> {
  return {
    getFeature(point) {
      checkPoint(point, 'point');
      return features.find(point) ?? { name: '', location: { latitude: point.latitude, longitude: point.longitude } };
    },

    // A lazy iterable: the kit pulls the next feature only after the previous write was
    // accepted (waiting for 'drain' when the client reads slowly) and stops it on cancel.
    listFeatures(rectangle) {
      return features.within(boundsOf(rectangle));
    },

    async recordRoute(incoming, ctx) {
      const started = now();
      const length = new RouteLength(executor, ctx.signal);
      let pointCount = 0;
      let featureCount = 0;
      for await (const point of incoming) {
        checkPoint(point, `points[${pointCount}]`);
        if (pointCount === maxRoutePoints) throw resourceExhausted(`a route may have at most ${maxRoutePoints} points`);
        length.add(point);
        pointCount++;
        // Repeat visits count again, as in the official server.
        if (features.find(point)?.name) featureCount++;
      }
      // The loop ends at the client's half-close: that is when the route's time stops.
      const elapsedMs = now() - started;
      if (pointCount === 0) return { pointCount: 0, featureCount: 0, distance: 0, elapsedTime: 0 };
      return {
        pointCount,
        featureCount,
        distance: toInt32(await length.metres()),
        elapsedTime: toInt32(elapsedMs / 1000),
      };
    },

    async *routeChat(notes) {
      for await (const note of notes) {
        const location = checkPoint(note.location ?? ORIGIN, 'note.location');
        if (Buffer.byteLength(note.message, 'utf8') > maxNoteBytes) {
          throw resourceExhausted(`a note's message may have at most ${maxNoteBytes} bytes (UTF-8)`);
        }
        // "Earlier" is fixed by this snapshot, so the new note is never sent back to its sender.
        // It is stored before the snapshot is sent (not after) so the shared store stays in
        // arrival order even while a slow reader holds this call at a yield: the official
        // server's writes never wait, so its store is always in arrival order too.
        const earlier = chat.notesAt(location);
        chat.add(location, note.message);
        yield* earlier;
      }
    },
  };
}
