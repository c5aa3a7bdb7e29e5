// What the chain and the call kinds know of a method, derived once from its definition:
// the service name comes from the method path, so no separate name constant can drift.

export type CallKind = 'unary' | 'serverStream' | 'clientStream' | 'bidi';

export interface MethodInfo {
  /** "/routeguide.RouteGuide/GetFeature" */
  readonly path: string;
  /** "routeguide.RouteGuide" */
  readonly service: string;
  /** "GetFeature" */
  readonly name: string;
  readonly kind: CallKind;
}

export interface MethodShape {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}

const PATH = /^\/([^/]+)\/([^/]+)$/;

export function methodInfo(method: MethodShape): MethodInfo {
  const match = PATH.exec(method.path);
  if (!match) throw new Error(`not a gRPC method path: ${JSON.stringify(method.path)}`);
  const kind: CallKind = method.requestStream
    ? method.responseStream
      ? 'bidi'
      : 'clientStream'
    : method.responseStream
      ? 'serverStream'
      : 'unary';
  return { path: method.path, service: match[1]!, name: match[2]!, kind };
}

/** The fully qualified service name of a definition (every method path carries it). */
export function serviceNameOf(definition: Record<string, MethodShape>): string {
  const [first] = Object.values(definition);
  if (!first) throw new Error('a service definition needs at least one method');
  return methodInfo(first).service;
}
