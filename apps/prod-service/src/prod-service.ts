import type { prod } from '@grpc-ts/protos';
import { invalidArgument, notFound, type ServiceImpl } from '@grpc-ts/server-kit';
import type { Catalogue } from './catalogue';

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
