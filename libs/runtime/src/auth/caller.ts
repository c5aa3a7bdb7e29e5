// Who is calling, as handlers see it: one typed value whatever authenticated the call.

export type Caller =
  /** No credentials, or a method that needs none. */
  | { readonly kind: 'anonymous'; readonly identities: readonly string[] }
  /** A verified bearer token (JWT): its subject and scopes. */
  | {
      readonly kind: 'user';
      readonly subject: string;
      readonly scopes: ReadonlySet<string>;
      readonly issuer: string;
      /** SANs of the client certificate too, when the call also came over mutual TLS. */
      readonly identities: readonly string[];
    }
  /** A client certificate verified by mutual TLS and no token: a service, named by its SANs. */
  | { readonly kind: 'service'; readonly subject: string; readonly identities: readonly string[] };

export const ANONYMOUS: Caller = { kind: 'anonymous', identities: [] };

/** "URI:spiffe://grpc-ts/edge, DNS:edge" -> ["spiffe://grpc-ts/edge", "edge"] (URI, DNS and IP SANs). */
export function identitiesOf(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^(URI|DNS|IP Address):/.test(part))
    .map((part) => part.slice(part.indexOf(':') + 1));
}
