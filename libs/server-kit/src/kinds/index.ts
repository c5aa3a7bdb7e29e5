// The innermost handler of each call kind: runs the service's plain function against a
// ServerCall. The kind comes from the definition (requestStream / responseStream).
import type { CallHandler } from '../chain';
import type { CallKind } from '../method';
import type { ServerCall } from '../server-call';
import type { BidiImpl, ClientStreamImpl, ServerStreamImpl, UnaryImpl } from '../service-impl';
import { requestsOf, respondWith } from './streams';

type AnyImpl = (input: never, ctx: ServerCall) => unknown;

export function kindHandler(kind: CallKind, impl: AnyImpl): CallHandler {
  switch (kind) {
    case 'unary':
      return unaryHandler(impl as UnaryImpl<unknown, unknown>);
    case 'serverStream':
      return serverStreamHandler(impl as ServerStreamImpl<unknown, unknown>);
    case 'clientStream':
      return clientStreamHandler(impl as ClientStreamImpl<unknown, unknown>);
    case 'bidi':
      return bidiHandler(impl as BidiImpl<unknown, unknown>);
  }
}

function unaryHandler(impl: UnaryImpl<unknown, unknown>): CallHandler {
  return (call) => {
    if (call.ended) return;
    // A handler that answers synchronously is answered at once: no promise round trips.
    let result: unknown;
    try {
      result = impl(call.request, call);
    } catch (error) {
      call.fail(error);
      return;
    }
    if (result instanceof Promise) result.then((value) => call.reply(value), (error: unknown) => call.fail(error));
    else call.reply(result);
  };
}

function serverStreamHandler(impl: ServerStreamImpl<unknown, unknown>): CallHandler {
  return (call) => {
    if (call.ended) return;
    let source;
    try {
      source = impl(call.request, call);
    } catch (error) {
      call.fail(error);
      return;
    }
    void respondWith(call, source);
  };
}

function clientStreamHandler(impl: ClientStreamImpl<unknown, unknown>): CallHandler {
  return (call) => {
    if (call.ended) return;
    Promise.resolve()
      .then(() => impl(requestsOf(call), call))
      .then((value) => call.reply(value), (error: unknown) => call.fail(error));
  };
}

function bidiHandler(impl: BidiImpl<unknown, unknown>): CallHandler {
  return (call) => {
    if (call.ended) return;
    let source;
    try {
      source = impl(requestsOf(call), call);
    } catch (error) {
      call.fail(error);
      return;
    }
    void respondWith(call, source);
  };
}
