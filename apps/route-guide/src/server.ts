import { routeguide } from '@grpc-ts/protos';
import { ServiceServer, type ServiceServerOptions } from '@grpc-ts/server-kit';
import { DEFAULT_MAX_NOTE_BYTES, createRouteGuideService, routeGuideMaxReceiveBytes, routeGuidePolicies, type RouteGuideDeps } from './route-guide';
import { inlineRouteExecutor } from './route-executor';

export interface RouteGuideServerDeps extends ServiceServerOptions, Omit<RouteGuideDeps, 'executor'> {
  /** Where RecordRoute's distance sums run; inline when not given. The server closes it at shutdown. */
  executor?: RouteGuideDeps['executor'];
}

/** Builds (does not bind) the route-guide server: main binds it, tests bind it on port 0. */
export function buildRouteGuideServer({
  features,
  chat,
  now,
  maxRoutePoints,
  maxNoteBytes = DEFAULT_MAX_NOTE_BYTES,
  executor = inlineRouteExecutor(),
  ...options
}: RouteGuideServerDeps): ServiceServer {
  return new ServiceServer({ maxReceiveMessageBytes: routeGuideMaxReceiveBytes(maxNoteBytes), ...options })
    .addService(
      routeguide.RouteGuideService,
      createRouteGuideService({ features, chat, now, maxRoutePoints, maxNoteBytes, executor }),
      routeGuidePolicies,
    )
    .onShutdown(() => executor.close());
}
