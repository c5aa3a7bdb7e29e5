// The stack's own service identities: the URI SAN each service's client certificate carries
// under mutual TLS, named once so backends' policies and the certificates agree.

/** apps/edge, calling route-guide and prod-service on behalf of browsers. */
export const EDGE_IDENTITY = 'spiffe://grpc-ts/edge';
