// Handler types derived from a generated definition (ts-proto's `XxxService` objects): each
// method's request and response types and its call kind come from the definition itself,
// so an implementation needs no type arguments, and a handler of the wrong shape (a unary
// function for a streaming method, say) does not compile.
import type { CallContext } from './context';

/** One method of a ts-proto grpc-js service definition (its `as const` literals matter). */
export interface MethodDefinitionLike {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestDeserialize: (bytes: Buffer) => unknown;
  readonly responseSerialize: (value: never) => Buffer;
}

export type ServiceDefinitionLike = { readonly [method: string]: MethodDefinitionLike };

export type RequestOf<M> = M extends { requestDeserialize: (bytes: Buffer) => infer R } ? R : never;
export type ResponseOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : never;

/** Server streams and bidi calls both answer with a (possibly async) iterable. */
export type Stream<T> = AsyncIterable<T> | Iterable<T>;

export type UnaryImpl<Req, Res> = (request: Req, ctx: CallContext) => Res | Promise<Res>;
export type ServerStreamImpl<Req, Res> = (request: Req, ctx: CallContext) => Stream<Res>;
export type ClientStreamImpl<Req, Res> = (requests: AsyncIterable<Req>, ctx: CallContext) => Res | Promise<Res>;
export type BidiImpl<Req, Res> = (requests: AsyncIterable<Req>, ctx: CallContext) => Stream<Res>;

export type MethodImpl<M> = M extends { requestStream: false; responseStream: false }
  ? UnaryImpl<RequestOf<M>, ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? ServerStreamImpl<RequestOf<M>, ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? ClientStreamImpl<RequestOf<M>, ResponseOf<M>>
      : M extends { requestStream: true; responseStream: true }
        ? BidiImpl<RequestOf<M>, ResponseOf<M>>
        : never;

/** Every method of the service, as plain functions typed from its definition. */
export type ServiceImpl<D extends ServiceDefinitionLike> = { [K in keyof D]: MethodImpl<D[K]> };
