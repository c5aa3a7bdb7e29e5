import { prod } from '@grpc-ts/protos';
import { ServiceServer, type ServiceServerOptions } from '@grpc-ts/server-kit';
import type { Catalogue } from './catalogue';
import { createProdService } from './prod-service';

export const PROD_SERVICE_NAME = 'services.ProdService';

export interface ProdServerDeps extends ServiceServerOptions {
  catalogue: Catalogue;
}

/** Builds (does not bind) the prod-service server: main binds it, tests bind it on port 0. */
export function buildProdServer({ catalogue, ...options }: ProdServerDeps): ServiceServer {
  return new ServiceServer(options).addService(PROD_SERVICE_NAME, prod.ProdServiceService, createProdService(catalogue));
}
