// edge.v1.EdgeService: the call graph. PlanTrip fans out to route-guide (RecordRoute once,
// GetFeature per waypoint, bounded) and prod-service (GetProdStock per product) at once; each
// part that fails carries its error and the rest still comes back. ExploreArea relays
// ListFeatures message by message: the next feature is read from the backend only once the
// caller has taken the previous one, so a slow reader pauses the backend stream (HTTP/2 flow
// control does the rest), and a caller that goes away cancels it.
import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { codeFromString } from '@connectrpc/connect/protocol-connect';
import {
  EdgeService,
  ExploreAreaResponseSchema,
  PlanTripResponseSchema,
  RoutePartSchema,
  SupplyPartSchema,
  WaypointPartSchema,
  type ExploreAreaRequest,
  type PlanTripRequest,
} from '@grpc-ts/protos/edge-connect';
import { policy, type MethodPolicy } from '@grpc-ts/runtime';
import type { Backends } from './backends';
import { outgoingDeadline, type DeadlineSettings } from './deadline';
import { mapBounded, partError } from './parts';
import { checkExploreArea, checkPlanTrip } from './validate';

export interface EdgeServiceDeps {
  backends: Backends;
  unary: DeadlineSettings;
  stream: DeadlineSettings;
  /** Backend calls one PlanTrip runs at once. */
  fanout: number;
  /** Aborted when the server begins shutting down: open streams end with UNAVAILABLE. */
  stopStreams: AbortSignal;
  /** Where a failed part's backend detail goes (debug level): the answer carries only the edge's words. */
  logger?: { debug(obj: object, msg: string): void };
}

/**
 * The edge's own methods are open to browsers: the front door serves anonymous users. The
 * backends are called with the edge's own identity (its client certificate and service
 * token), and they decide what the edge may do.
 */
export const edgePolicies: Record<keyof ServiceImpl<typeof EdgeService>, MethodPolicy> = {
  planTrip: policy.public(),
  exploreArea: policy.public(),
};

export function createEdgeService({ backends, unary, stream, fanout, stopStreams, logger }: EdgeServiceDeps): ServiceImpl<typeof EdgeService> {
  const failedPart = (backend: string, method: string, error: unknown) => {
    const { code, details } = error as { code?: unknown; details?: unknown };
    logger?.debug({ backend, method, code, details }, 'backend part failed');
    return partError(error, backend);
  };
  const options = (ctx: HandlerContext, settings: DeadlineSettings) => {
    const deadline = outgoingDeadline(ctx, settings);
    if (deadline <= Date.now()) throw new ConnectError('the deadline leaves no time for the backends', Code.DeadlineExceeded);
    return { deadline: new Date(deadline), signal: ctx.signal, metadata: backends.metadata() };
  };

  return {
    async planTrip(request: PlanTripRequest, ctx) {
      checkPlanTrip(request);
      const call = options(ctx, unary);
      const points = request.waypoints.map(({ latitude, longitude }) => ({ latitude, longitude }));
      const route =
        points.length === 0
          ? Promise.resolve(create(RoutePartSchema))
          : backends.routeGuide.recordRoute(points, call).then(
              (summary) =>
                create(RoutePartSchema, { pointCount: summary.pointCount, distanceMeters: summary.distance, featureCount: summary.featureCount }),
              (error: unknown) => create(RoutePartSchema, { error: failedPart('route-guide', 'RecordRoute', error) }),
            );
      const waypoints = mapBounded(points, fanout, (location) =>
        backends.routeGuide.getFeature(location, call).then(
          (feature) => create(WaypointPartSchema, { location, featureName: feature.name }),
          (error: unknown) => create(WaypointPartSchema, { location, error: failedPart('route-guide', 'GetFeature', error) }),
        ),
      );
      const supplies = mapBounded(request.productIds, fanout, (productId) =>
        backends.prod.getProdStock({ prodId: productId }, call).then(
          ({ proStock }) => create(SupplyPartSchema, { productId, stock: proStock }),
          (error: unknown) => create(SupplyPartSchema, { productId, error: failedPart('prod-service', 'GetProdStock', error) }),
        ),
      );
      const [routePart, waypointParts, supplyParts] = await Promise.all([route, waypoints, supplies]);
      // The caller gone (or past its deadline) while the parts came in: nobody is listening.
      if (ctx.signal.aborted) throw ConnectError.from(ctx.signal.reason, Code.Canceled);
      return create(PlanTripResponseSchema, { route: routePart, waypoints: waypointParts, supplies: supplyParts });
    },

    async *exploreArea(request: ExploreAreaRequest, ctx) {
      const { lo, hi } = checkExploreArea(request);
      const call = { ...options(ctx, stream), signal: AbortSignal.any([ctx.signal, stopStreams]) };
      const features = backends.routeGuide.listFeatures(
        { lo: { latitude: lo.latitude, longitude: lo.longitude }, hi: { latitude: hi.latitude, longitude: hi.longitude } },
        call,
      );
      try {
        // Leaving this loop early (the caller went away) cancels the backend call.
        for await (const feature of features) {
          yield create(ExploreAreaResponseSchema, { name: feature.name, location: feature.location });
        }
      } catch (error) {
        if (stopStreams.aborted) throw new ConnectError('the edge is shutting down - call again', Code.Unavailable);
        throw backendError(error);
      }
      if (stopStreams.aborted) throw new ConnectError('the edge is shutting down - call again', Code.Unavailable);
    },
  };
}

/** A backend's status passed on to the caller as the same code (a relayed stream has no parts). */
function backendError(error: unknown): ConnectError {
  const { code, message } = partError(error, 'route-guide');
  return new ConnectError(message, codeFromString(code) ?? Code.Unknown);
}
