// The baseline: a bare @grpc/grpc-js Server with the same generated service definitions and
// handlers that give the same answers as the project services, and nothing else (no health,
// reflection, limiter, metrics or logging). What the project's services are compared with.
// usage: PORT=0 node bare-grpc-js.js <stock.json> <route_guide_db.json>
import { readFileSync } from 'node:fs';
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import * as prod from '@grpc-ts/protos/prod';
import * as routeguide from '@grpc-ts/protos/routeguide';
import { announceListening, listenPort } from './listening';

const [stockFile, featuresFile] = process.argv.slice(2);
if (!stockFile || !featuresFile) {
  process.stderr.write('usage: bare-grpc-js <stock.json> <route_guide_db.json>\n');
  process.exit(2);
}

const stock = new Map<number, number>();
for (const product of (JSON.parse(readFileSync(stockFile, 'utf8')) as { products: { id: number; stock: number }[] }).products) {
  stock.set(product.id, product.stock);
}
const features = JSON.parse(readFileSync(featuresFile, 'utf8')) as routeguide.Feature[];
const key = (point: routeguide.Point) => `${point.latitude},${point.longitude}`;
const byPoint = new Map<string, routeguide.Feature>();
for (const feature of features) if (!byPoint.has(key(feature.location!))) byPoint.set(key(feature.location!), feature);
const named = features.filter((feature) => feature.name !== '');

const prodService = {
  getProdStock(call: ServerUnaryCall<prod.ProdRequest, prod.ProdResponse>, callback: sendUnaryData<prod.ProdResponse>) {
    const units = stock.get(call.request.prodId);
    if (units === undefined) callback({ code: status.NOT_FOUND, details: `no product with prod_id ${call.request.prodId}` });
    else callback(null, { proStock: units });
  },
};

// RecordRoute and RouteChat are left out: grpc-js answers UNIMPLEMENTED for them.
const routeGuideService = {
  getFeature(call: ServerUnaryCall<routeguide.Point, routeguide.Feature>, callback: sendUnaryData<routeguide.Feature>) {
    callback(null, byPoint.get(key(call.request)) ?? { name: '', location: call.request });
  },
  listFeatures(call: ServerWritableStream<routeguide.Rectangle, routeguide.Feature>) {
    const { lo, hi } = call.request;
    const latMin = Math.min(lo?.latitude ?? 0, hi?.latitude ?? 0);
    const latMax = Math.max(lo?.latitude ?? 0, hi?.latitude ?? 0);
    const lngMin = Math.min(lo?.longitude ?? 0, hi?.longitude ?? 0);
    const lngMax = Math.max(lo?.longitude ?? 0, hi?.longitude ?? 0);
    for (const feature of named) {
      const { latitude, longitude } = feature.location!;
      if (latitude >= latMin && latitude <= latMax && longitude >= lngMin && longitude <= lngMax) call.write(feature);
    }
    call.end();
  },
};

const server = new Server();
server.addService(prod.ProdServiceService, prodService);
server.addService(routeguide.RouteGuideService, routeGuideService);
server.bindAsync(`127.0.0.1:${listenPort()}`, ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    process.stderr.write(`bind failed: ${error.message}\n`);
    process.exit(1);
  }
  announceListening('bare-grpc-js', port);
});
process.once('SIGTERM', () => server.forceShutdown());
