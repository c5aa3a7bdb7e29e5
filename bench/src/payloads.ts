// The fixed calls every target answers, built from the same data files the project services
// ship: the request bytes h2load sends, and the exact answers each target must give.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prod, routeguide } from '@grpc-ts/protos';

export const REPO_ROOT = resolve(__dirname, '../..');
export const STOCK_FILE = join(REPO_ROOT, 'apps/prod-service/data/stock.json');
export const FEATURES_FILE = join(REPO_ROOT, 'apps/route-guide/data/route_guide_db.json');
export const PROTO_DIR = join(REPO_ROOT, 'packages/protos/proto');

export type UnaryRpc = 'GetProdStock' | 'GetFeature';

export interface UnaryCall {
  rpc: UnaryRpc;
  /** HTTP/2 :path, e.g. /services.ProdService/GetProdStock. */
  path: string;
  /** Serialized request message (no gRPC framing). */
  request: Buffer;
  /** Serialized response message every target must answer with. */
  response: Buffer;
}

export interface BenchPayloads {
  unary: Record<UnaryRpc, UnaryCall>;
  getProdStock: { request: prod.ProdRequest; response: prod.ProdResponse };
  getFeature: { request: routeguide.Point; response: routeguide.Feature };
  listFeatures: { request: routeguide.Rectangle; path: string; response: routeguide.Feature[] };
}

/** The 5-byte gRPC message prefix (uncompressed flag + big-endian length) and the message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt8(0, 0);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

interface StockFile {
  products: { id: number; name: string; stock: number }[];
}

// The whole world: every named feature, in file order (what RouteGuide's ListFeatures returns).
export const WORLD: routeguide.Rectangle = {
  lo: { latitude: -900_000_000, longitude: -1_800_000_000 },
  hi: { latitude: 900_000_000, longitude: 1_800_000_000 },
};

export function loadPayloads(stockFile = STOCK_FILE, featuresFile = FEATURES_FILE): BenchPayloads {
  const stock = JSON.parse(readFileSync(stockFile, 'utf8')) as StockFile;
  const features = JSON.parse(readFileSync(featuresFile, 'utf8')) as routeguide.Feature[];
  const product = stock.products[0];
  const named = features.filter((feature) => feature.name !== '');
  const feature = named[0];
  if (!product || !feature) throw new Error(`${stockFile} and ${featuresFile} must hold at least one product and one named feature`);

  const stockRequest: prod.ProdRequest = { prodId: product.id };
  const stockResponse: prod.ProdResponse = { proStock: product.stock };
  const featureRequest: routeguide.Point = { latitude: feature.location!.latitude, longitude: feature.location!.longitude };
  const featureResponse = plainFeature(feature);
  return {
    unary: {
      GetProdStock: {
        rpc: 'GetProdStock',
        path: prod.ProdServiceService.getProdStock.path,
        request: Buffer.from(prod.ProdRequest.encode(stockRequest).finish()),
        response: Buffer.from(prod.ProdResponse.encode(stockResponse).finish()),
      },
      GetFeature: {
        rpc: 'GetFeature',
        path: routeguide.RouteGuideService.getFeature.path,
        request: Buffer.from(routeguide.Point.encode(featureRequest).finish()),
        response: Buffer.from(routeguide.Feature.encode(featureResponse).finish()),
      },
    },
    getProdStock: { request: stockRequest, response: stockResponse },
    getFeature: { request: featureRequest, response: featureResponse },
    listFeatures: { request: WORLD, path: routeguide.RouteGuideService.listFeatures.path, response: named.map(plainFeature) },
  };
}

// Same shape as a decoded message, so answers compare with deepStrictEqual.
function plainFeature(feature: routeguide.Feature): routeguide.Feature {
  return { name: feature.name, location: { latitude: feature.location!.latitude, longitude: feature.location!.longitude } };
}
