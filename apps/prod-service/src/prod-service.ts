import type { prod } from '@grpc-ts/protos';
import { invalidArgument, notFound, policy, type MethodPolicies, type ServiceImpl } from '@grpc-ts/server-kit';
import type { Catalogue } from './catalogue';

/** Who may call what: a token with the stock:read scope reads stock. */
export const prodServicePolicies: MethodPolicies<typeof prod.ProdServiceService> = {
  getProdStock: policy.scopes('stock:read'),
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
