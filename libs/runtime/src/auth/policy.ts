// Per-method authorization, declared next to each service implementation and checked by one
// wrapper before the handler runs (and before a concurrency slot is taken).
import type { Caller } from './caller';

export type MethodPolicy =
  /** Anyone, with or without credentials. */
  | { readonly kind: 'public' }
  /** Any verified caller: a valid token or a verified client certificate. */
  | { readonly kind: 'authenticated' }
  /** A token with every one of `scopes`, or a client certificate naming one of `services`. */
  | { readonly kind: 'requires'; readonly scopes: readonly string[]; readonly services: readonly string[] };

export const policy = {
  public: (): MethodPolicy => ({ kind: 'public' }),
  authenticated: (): MethodPolicy => ({ kind: 'authenticated' }),
  /** A token carrying all these scopes (the `scope` claim, space-separated, or `scp`). */
  scopes: (...scopes: string[]): MethodPolicy => ({ kind: 'requires', scopes, services: [] }),
  /** A client certificate (mutual TLS) with one of these SANs, e.g. spiffe://grpc-ts/edge. */
  services: (...services: string[]): MethodPolicy => ({ kind: 'requires', scopes: [], services }),
  /** Either: a token with all `scopes`, or a certificate naming one of `services`. */
  scopesOrServices: (scopes: string[], services: string[]): MethodPolicy => ({ kind: 'requires', scopes, services }),
};

export type Denial =
  | { readonly status: 'unauthenticated'; readonly reason: 'missing_credentials'; readonly message: string }
  | { readonly status: 'permission_denied'; readonly reason: 'missing_scope' | 'service_not_allowed'; readonly message: string };

/** undefined when `caller` may call a method with `required`; else why not (never echoing credentials). */
export function deny(required: MethodPolicy, caller: Caller): Denial | undefined {
  if (required.kind === 'public') return undefined;
  if (caller.kind === 'anonymous') {
    return {
      status: 'unauthenticated',
      reason: 'missing_credentials',
      message: 'this method needs credentials: a bearer token (authorization metadata) or a client certificate',
    };
  }
  if (required.kind === 'authenticated') return undefined;
  if (required.services.length > 0 && caller.identities.some((identity) => required.services.includes(identity))) return undefined;
  if (required.scopes.length > 0 && caller.kind === 'user') {
    const missing = required.scopes.filter((scope) => !caller.scopes.has(scope));
    if (missing.length === 0) return undefined;
    return { status: 'permission_denied', reason: 'missing_scope', message: `the token lacks scope ${missing.join(', ')}` };
  }
  if (required.scopes.length > 0) {
    return {
      status: 'permission_denied',
      reason: 'missing_scope',
      message: `this method needs a token with scope ${required.scopes.join(', ')}${required.services.length ? ` or a certificate of ${required.services.join(', ')}` : ''}`,
    };
  }
  return {
    status: 'permission_denied',
    reason: 'service_not_allowed',
    message: `this method is open to ${required.services.join(', ')} only`,
  };
}
