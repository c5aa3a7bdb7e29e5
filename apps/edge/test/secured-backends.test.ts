// The edge calling backends that run secured (mutual TLS, AUTH=on with tokens, as in a
// secured stack): its client certificate names spiffe://grpc-ts/edge, which the backends'
// policies admit for what PlanTrip and ExploreArea call, with no token; a client certificate
// the backends do not trust is refused at the handshake, part by part.
import { EDGE_IDENTITY } from '@grpc-ts/runtime';
import { interopCredentials, type InteropCredentials, type ServiceProcess } from '@grpc-ts/test-support';
import { featureName } from './support/data';
import { connectJson, serviceBundles, startEdge, startProd, startRouteGuide, stopAll } from './support/stack';

const flag = (flags: string[], name: string) => flags.find((f) => f.startsWith(`--${name}=`))!.slice(name.length + 3);

describe('edge -> backends over mutual TLS', () => {
  let edgeCreds: InteropCredentials;
  let routeGuide: ServiceProcess;
  let prod: ServiceProcess;
  let edge: ServiceProcess | undefined;

  const edgeEnv = async (credentials: InteropCredentials) => {
    const flags = await credentials.clientFlags();
    return {
      EDGE_BACKEND_TLS: 'true',
      EDGE_BACKEND_TLS_CA_FILE: flag(flags, 'ca'),
      EDGE_BACKEND_TLS_CERT_FILE: flag(flags, 'cert'),
      EDGE_BACKEND_TLS_KEY_FILE: flag(flags, 'key'),
      EDGE_BACKEND_TLS_SERVER_NAME: credentials.serverName,
      ROUTE_GUIDE_TARGET: `ipv4:${routeGuide.address}`,
      PROD_SERVICE_TARGET: `ipv4:${prod.address}`,
    };
  };

  beforeAll(async () => {
    edgeCreds = await interopCredentials({ serverName: 'backends.test', issuer: 'https://issuer.test', audience: 'grpc-ts', clientId: EDGE_IDENTITY });
    await serviceBundles();
    [routeGuide, prod] = await Promise.all([startRouteGuide(edgeCreds.serviceEnv()), startProd(edgeCreds.serviceEnv())]);
  }, 120_000);
  afterEach(() => stopAll(edge));
  afterAll(async () => {
    await stopAll(routeGuide, prod);
    edgeCreds.remove();
  });

  it('is admitted by its certificate (spiffe://grpc-ts/edge) for every part', async () => {
    edge = await startEdge(await edgeEnv(edgeCreds));
    const waypoints = [{ latitude: 409146138, longitude: -746188906 }];
    const { status, body } = await connectJson(edge, 'PlanTrip', { waypoints, productIds: [1] }, { 'connect-timeout-ms': '5000' });
    expect(status).toBe(200);
    expect(body).toEqual({
      route: { pointCount: 1, featureCount: 1 },
      waypoints: [{ location: waypoints[0], featureName: featureName(waypoints[0]!) }],
      supplies: [{ productId: 1, stock: expect.any(Number) }],
    });
    expect((await fetch(`http://${edge.address}/readyz`)).status).toBe(200);
  });

  it('with a client certificate from another CA, the handshake fails: every part UNAVAILABLE', async () => {
    const other = await interopCredentials({ serverName: 'backends.test', issuer: 'https://issuer.test', audience: 'grpc-ts', clientId: 'spiffe://grpc-ts/other' });
    try {
      // The other set's client certificate is from another CA: the backends refuse the handshake.
      const otherFlags = await other.clientFlags();
      edge = await startEdge({ ...(await edgeEnv(edgeCreds)), EDGE_BACKEND_TLS_CERT_FILE: flag(otherFlags, 'cert'), EDGE_BACKEND_TLS_KEY_FILE: flag(otherFlags, 'key') });
      const { body } = await connectJson(edge, 'PlanTrip', { waypoints: [{ latitude: 1, longitude: 1 }], productIds: [1] }, { 'connect-timeout-ms': '3000' });
      expect(body).toMatchObject({ route: { error: { code: 'unavailable' } }, supplies: [{ error: { code: 'unavailable' } }] });
    } finally {
      other.remove();
    }
  });
});
