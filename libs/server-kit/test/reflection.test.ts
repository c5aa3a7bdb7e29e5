// Reflection as the tools users reach for first see it: buf curl (the same resolution
// grpcurl and Postman do) lists every method, every listed service's methods describe with
// resolvable types, and calls work with nothing but the schema the server serves.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { prod, routeguide } from '@grpc-ts/protos';
import { ServiceServer, type ServiceImpl } from '../src';
import { describeByReflection, startTestServer, testLogger, type RunningTestServer, publicPolicies } from '../src/testing';

const run = promisify(execFile);
const buf = join(__dirname, '../../../node_modules/.bin/buf');

/** buf curl over plaintext HTTP/2 against the test server; resolves with stdout. */
async function bufCurl(running: RunningTestServer, args: string[]): Promise<string> {
  const { stdout } = await run(buf, ['curl', '--protocol', 'grpc', '--http2-prior-knowledge', ...args], { timeout: 20_000 });
  return stdout;
}

const routeGuide: ServiceImpl<typeof routeguide.RouteGuideService> = {
  getFeature: (point) => ({ name: 'here', location: point }),
  listFeatures: () => [],
  recordRoute: () => ({ pointCount: 0, featureCount: 0, distance: 0, elapsedTime: 0 }),
  routeChat: () => [],
};

describe('reflection, through buf curl and a descriptor registry', () => {
  let running: RunningTestServer;
  let url: string;

  beforeAll(async () => {
    const server = new ServiceServer({ logger: testLogger() })
      .addService(prod.ProdServiceService, { getProdStock: ({ prodId }) => ({ proStock: prodId * 10 }) }, publicPolicies(prod.ProdServiceService))
      .addService(routeguide.RouteGuideService, routeGuide, publicPolicies(routeguide.RouteGuideService));
    running = await startTestServer(server);
    url = `http://${running.address}`;
  });
  afterAll(() => running.stop());

  it('lists every method of every service, health and reflection included', async () => {
    const methods = (await bufCurl(running, ['--list-methods', url])).trim().split('\n').sort();
    expect(methods).toEqual(
      [
        'grpc.health.v1.Health/Check',
        'grpc.health.v1.Health/List',
        'grpc.health.v1.Health/Watch',
        'grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
        'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
        'routeguide.RouteGuide/GetFeature',
        'routeguide.RouteGuide/ListFeatures',
        'routeguide.RouteGuide/RecordRoute',
        'routeguide.RouteGuide/RouteChat',
        'services.ProdService/GetProdStock',
      ].sort(),
    );
  });

  it('describes every method of every listed service with resolvable request and response types', async () => {
    const described = await describeByReflection(running.address);
    expect(Object.keys(described).sort()).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'routeguide.RouteGuide',
      'services.ProdService',
    ]);
    expect(described['grpc.health.v1.Health']!.Check).toEqual({
      input: 'grpc.health.v1.HealthCheckRequest',
      output: 'grpc.health.v1.HealthCheckResponse',
      inputFields: ['service'],
      outputFields: ['status'],
      clientStreaming: false,
      serverStreaming: false,
    });
    expect(described['routeguide.RouteGuide']!.RouteChat).toMatchObject({
      input: 'routeguide.RouteNote',
      inputFields: ['location', 'message'],
      clientStreaming: true,
      serverStreaming: true,
    });
    expect(described['services.ProdService']!.GetProdStock).toMatchObject({
      input: 'services.ProdRequest',
      output: 'services.ProdResponse',
      inputFields: ['prod_id'],
      outputFields: ['pro_stock'],
    });
    for (const methods of Object.values(described)) {
      for (const method of Object.values(methods)) expect(method.input && method.output).toBeTruthy();
    }
  });

  it('calls grpc.health.v1.Health/Check and an application method with types from reflection alone', async () => {
    const health = JSON.parse(await bufCurl(running, ['-d', '{"service":"services.ProdService"}', `${url}/grpc.health.v1.Health/Check`]));
    expect(health).toEqual({ status: 'SERVING' });
    const stock = JSON.parse(await bufCurl(running, ['-d', '{"prod_id":4}', `${url}/services.ProdService/GetProdStock`]));
    expect(stock).toEqual({ proStock: 40 });
    const feature = JSON.parse(
      await bufCurl(running, ['-d', '{"latitude":1,"longitude":2}', `${url}/routeguide.RouteGuide/GetFeature`]),
    );
    expect(feature).toEqual({ name: 'here', location: { latitude: 1, longitude: 2 } });
  });
});
