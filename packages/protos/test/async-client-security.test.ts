// The async client's TLS and token options against a real grpc-js server over mutual TLS:
// channelSecurity builds working credentials from PEM contents, serverName checks the
// certificate against another name, and the token reaches the server on every call kind.
import { Metadata, Server, ServerCredentials, status, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { createCertificateAuthority, type CertificateAuthority } from '@grpc-ts/test-support';
import { channelSecurity, checkHealth, createAsyncClient, health, withBearerToken } from '../src';

type Request = health.HealthCheckRequest;
type Response = health.HealthCheckResponse;

describe('createAsyncClient with tls and token', () => {
  let ca: CertificateAuthority;
  let clientCert: { cert: string; key: string };
  let server: Server;
  let address: string;
  /** The authorization metadata of every call the server got, in order. */
  const seen: (string | undefined)[] = [];
  const authorization = (metadata: Metadata) => metadata.get('authorization')[0]?.toString();

  beforeAll(async () => {
    ca = await createCertificateAuthority('client test CA');
    const served = await ca.issue({ commonName: 'svc', dns: ['svc.internal'], usage: 'server' });
    clientCert = await ca.issue({ commonName: 'client', uris: ['spiffe://grpc-ts/client'], usage: 'client' });
    server = new Server();
    server.addService(health.HealthService, {
      check: (call: ServerUnaryCall<Request, Response>, done: (e: null, r: Response) => void) => {
        seen.push(authorization(call.metadata));
        done(null, { status: health.HealthCheckResponse_ServingStatus.SERVING });
      },
      watch: (call: ServerWritableStream<Request, Response>) => {
        seen.push(authorization(call.metadata));
        call.write({ status: health.HealthCheckResponse_ServingStatus.SERVING });
        call.end();
      },
    });
    // Mutual TLS: a client certificate signed by the CA is required.
    const credentials = ServerCredentials.createSsl(Buffer.from(ca.cert), [{ private_key: Buffer.from(served.key), cert_chain: Buffer.from(served.cert) }], true);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    address = `127.0.0.1:${port}`;
  });

  afterAll(() => server.forceShutdown());

  const client = (options: Parameters<typeof createAsyncClient>[2]) => createAsyncClient(health.HealthService, address, options);

  it('connects over mutual TLS with the CA, a client certificate and serverName, and sends the token on every call', async () => {
    let asked = 0;
    const secure = client({ tls: { ca: ca.cert, ...clientCert, serverName: 'svc.internal' }, token: () => `t${++asked}` });
    try {
      await expect(secure.check({ service: '' })).resolves.toEqual({ status: health.HealthCheckResponse_ServingStatus.SERVING });
      const watched: Response[] = [];
      for await (const answer of secure.watch({ service: '' })) watched.push(answer);
      expect(watched).toHaveLength(1);
      // The call's own authorization wins over the token.
      const own = new Metadata();
      own.set('authorization', 'Bearer mine');
      await secure.check({ service: '' }, { metadata: own });
      expect(seen.slice(-3)).toEqual(['Bearer t1', 'Bearer t2', 'Bearer mine']);
      expect(asked).toBe(2);
    } finally {
      secure.$close();
    }
  });

  it('fails the handshake with a name the certificate does not hold, another CA, or no client certificate', async () => {
    const other = await createCertificateAuthority('other CA');
    const cases = [
      [{ ca: ca.cert, ...clientCert }, /altnames/], // dialed 127.0.0.1, the certificate names svc.internal
      [{ ca: other.cert, ...clientCert, serverName: 'svc.internal' }, /self-signed certificate/],
      [{ ca: ca.cert, serverName: 'svc.internal' }, /certificate required/],
    ] as const;
    for (const [tls, details] of cases) {
      const failing = client({ tls });
      try {
        await expect(failing.check({ service: '' }, { timeoutMs: 3000 })).rejects.toMatchObject({ code: status.UNAVAILABLE, details: expect.stringMatching(details) });
      } finally {
        failing.$close();
      }
    }
  });

  it('checkHealth takes the same tls options', async () => {
    await expect(checkHealth(address, '', { tls: { ca: ca.cert, ...clientCert, serverName: 'svc.internal' }, timeoutMs: 5000 })).resolves.toBe('SERVING');
  });

  it('refuses a certificate without its key, and builds plaintext credentials for no TLS', () => {
    expect(() => channelSecurity({ cert: clientCert.cert })).toThrow('a client certificate and its key go together');
    expect(channelSecurity(undefined).credentials._isSecure()).toBe(false);
    expect(channelSecurity(true)).toMatchObject({ channelOptions: {} });
    expect(channelSecurity({ serverName: 'svc' }).channelOptions).toEqual({ 'grpc.ssl_target_name_override': 'svc', 'grpc.default_authority': 'svc' });
  });

  it('withBearerToken copies the metadata and keeps its options', () => {
    const original = new Metadata({ waitForReady: true });
    const sent = withBearerToken(original, 'abc');
    expect(sent.get('authorization')).toEqual(['Bearer abc']);
    expect(sent.getOptions()).toMatchObject({ waitForReady: true });
    expect(original.get('authorization')).toEqual([]);
    expect(withBearerToken(original, undefined)).toBe(original);
  });
});
