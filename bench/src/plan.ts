// What is measured against what: which targets answer each RPC, in measuring order, and which
// target is "the project" for each comparison.
import type { UnaryRpc } from './payloads';
import { variantTarget, type ServiceId, type TargetId } from './servers';
import { measuresUnary, type VariantId } from './variants';

export const UNARY_RPCS: readonly UnaryRpc[] = ['GetProdStock', 'GetFeature'];

/** Who answers each unary RPC, in measuring order: the project service first, the ceiling and Python last. */
export const UNARY_TARGETS: Record<UnaryRpc, readonly TargetId[]> = {
  GetProdStock: ['prod-service', 'bare-grpc-js', 'bare-grpc-js-2', 'raw-http2', 'python-grpcio'],
  GetFeature: ['route-guide', 'bare-grpc-js', 'bare-grpc-js-2', 'raw-http2', 'python-grpcio'],
};

/** Who serves ListFeatures (the raw node:http2 ceiling answers fixed unary frames only). */
export const STREAM_TARGETS: readonly TargetId[] = ['route-guide', 'bare-grpc-js', 'bare-grpc-js-2', 'python-grpcio'];

export const PROJECT_TARGET = { GetProdStock: 'prod-service', GetFeature: 'route-guide', ListFeatures: 'route-guide' } as const;

/** The project services' methods, as their /metrics label them. */
export const PROJECT_METHODS: readonly [ServiceId, readonly string[]][] = [
  ['prod-service', ['/services.ProdService/GetProdStock']],
  ['route-guide', ['/routeguide.RouteGuide/GetFeature', '/routeguide.RouteGuide/ListFeatures']],
];

/** The targets in measuring order with the project service's variants right after it. */
function withVariants(targets: readonly TargetId[], service: ServiceId, variants: readonly VariantId[]): TargetId[] {
  return targets.flatMap((id) => (id === service ? [id, ...variants.map((variant) => variantTarget(service, variant))] : [id]));
}

/** Mutual TLS is left out of the unary runs: h2load cannot present a client certificate. */
export const unaryTargets = (rpc: UnaryRpc, variants: readonly VariantId[] = []) =>
  withVariants(UNARY_TARGETS[rpc], PROJECT_TARGET[rpc], variants.filter(measuresUnary));
export const streamTargets = (variants: readonly VariantId[] = []) => withVariants(STREAM_TARGETS, PROJECT_TARGET.ListFeatures, variants);
/**
 * The targets in the order of round `round`: each round starts one place further along, so no
 * target is always measured first (right after the heaviest one of the block before: Python).
 */
export function rotated<T>(targets: readonly T[], round: number): T[] {
  const shift = (round - 1) % Math.max(1, targets.length);
  return [...targets.slice(shift), ...targets.slice(0, shift)];
}
