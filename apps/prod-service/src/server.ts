import { prod } from '@grpc-ts/protos';
import { ServiceServer, type ServiceServerOptions } from '@grpc-ts/server-kit';
import type { Catalogue } from './catalogue';
import { createProdService, prodServicePolicies } from './prod-service';

export interface ProdServerDeps extends ServiceServerOptions {
  catalogue: Catalogue;
}

// GetProdStock's request is one int32 (at most 11 bytes on the wire): 1 KiB leaves room for
// fields a newer client may add, and a bigger message is refused (RESOURCE_EXHAUSTED) before
// it is buffered whole or decoded, instead of grpc-js's default of 4 MiB.
export const PROD_MAX_REQUEST_BYTES = 1024;

/** Builds (does not bind) the prod-service server: main binds it, tests bind it on port 0. */
export function buildProdServer({ catalogue, ...options }: ProdServerDeps): ServiceServer {
  return new ServiceServer({ maxReceiveMessageBytes: PROD_MAX_REQUEST_BYTES, ...options }).addService(
    prod.ProdServiceService,
    createProdService(catalogue),
    prodServicePolicies,
  );
}
