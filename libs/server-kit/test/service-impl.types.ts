// Compile-time checks of ServiceImpl, run by the `typecheck` target: tsc fails on an unused
// expect-error directive, so each marked line below must keep failing to compile.
import type { prod, routeguide } from '@grpc-ts/protos';
import type { ServiceImpl } from '../src';

type RouteGuide = ServiceImpl<typeof routeguide.RouteGuideService>;

// Request and response types are inferred: no type arguments anywhere.
export const inferred: ServiceImpl<typeof prod.ProdServiceService> = {
  getProdStock: ({ prodId }) => ({ proStock: prodId }),
};

export const wrongShapes: Partial<RouteGuide>[] = [
  // @ts-expect-error a unary-shaped function for a server-streaming method
  { listFeatures: (rectangle) => ({ name: 'x', location: rectangle.lo }) },
  // @ts-expect-error a unary-shaped function for a client-streaming method
  { recordRoute: (point: routeguide.Point) => ({ pointCount: point.latitude, featureCount: 0, distance: 0, elapsedTime: 0 }) },
  // @ts-expect-error a bidi method must answer with an iterable, not a promise of one message
  { routeChat: async (notes: AsyncIterable<routeguide.RouteNote>) => ({ message: String(notes) }) },
  // @ts-expect-error the response type is checked
  { getFeature: () => ({ name: 7 }) },
];

// @ts-expect-error every method is required in a full ServiceImpl
export const missing: RouteGuide = { getFeature: (point) => ({ name: '', location: point }) };
