import type { prod } from '@grpc-ts/protos';
import { EDGE_IDENTITY, invalidArgument, notFound, policy, type MethodPolicies, type ServiceImpl } from '@grpc-ts/server-kit';
import type { Catalogue } from './catalogue';

/** Who may call what: a token with the stock:read scope reads stock, and so does the edge (its client certificate). */
export const prodServicePolicies: MethodPolicies<typeof prod.ProdServiceService> = {
  getProdStock: policy.scopesOrServices(['stock:read'], [EDGE_IDENTITY]),
};

/** ProdService.GetProdStock over a catalogue. */
export function createProdService(catalogue: Catalogue): ServiceImpl<typeof prod.ProdServiceService> {
  return {
    getProdStock({ prodId }) {
      if (prodId <= 0) throw invalidArgument(`prod_id must be a positive integer, got ${prodId}`);
      const product = catalogue.get(prodId);
      if (!product) throw notFound(`no product with prod_id ${prodId}`);
      return { proStock: product.stock };
    },
  };
}
