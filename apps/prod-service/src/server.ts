import { prod } from '@grpc-ts/protos';
import { ServiceServer, type ServiceServerOptions } from '@grpc-ts/server-kit';
import type { Catalogue } from './catalogue';
import { createProdService, prodServicePolicies } from './prod-service';

export interface ProdServerDeps extends ServiceServerOptions {
  catalogue: Catalogue;
}

/** Builds (does not bind) the prod-service server: main binds it, tests bind it on port 0. */
export function buildProdServer({ catalogue, ...options }: ProdServerDeps): ServiceServer {
  return new ServiceServer(options).addService(prod.ProdServiceService, createProdService(catalogue), prodServicePolicies);
}
