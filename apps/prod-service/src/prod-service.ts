import { prod } from '@grpc-ts/protos';
import { invalidArgument, notFound, unary } from '@grpc-ts/server-kit';
import type { Catalogue } from './catalogue';

/** ProdService.GetProdStock over a catalogue. */
export function createProdService(catalogue: Catalogue): prod.ProdServiceServer {
  return {
    getProdStock: unary<prod.ProdRequest, prod.ProdResponse>(({ prodId }) => {
      if (prodId <= 0) throw invalidArgument(`prod_id must be a positive integer, got ${prodId}`);
      const product = catalogue.get(prodId);
      if (!product) throw notFound(`no product with prod_id ${prodId}`);
      return { proStock: product.stock };
    }),
  };
}
