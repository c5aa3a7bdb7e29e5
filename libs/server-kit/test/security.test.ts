// TLS, mutual TLS with certificate rotation, and per-method authentication and authorization,
// over real sockets with certificates and tokens this test makes (libs/pki).
import { credentials, Metadata, status, type ChannelCredentials } from '@grpc/grpc-js';
import { createCertificateAuthority, createSigningKey, signToken, type CertificateAuthority, type SigningKey } from '@grpc-ts/pki';
import { checkHealth, createAsyncClient, routeguide } from '@grpc-ts/protos';
import { ServerMetrics, TokenVerifier, policy, readTlsMaterial, watchTlsMaterial, type Caller, type TlsFiles } from '@grpc-ts/runtime';
import { sumSamples, waitFor } from '@grpc-ts/test-support';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { ServiceServer, type MethodPolicies, type ServiceImpl } from '../src';
import { describeByReflection, listServicesByReflection, startTestServer, testLogger, type RunningTestServer } from '../src/testing';

const ISSUER = 'https://issuer.test';
const AUDIENCE = 'route-guide';
const CLIENT_ID = 'spiffe://grpc-ts/client';
const EDGE_ID = 'spiffe://grpc-ts/edge';
const here = { latitude: 1, longitude: 2 };

/** What a handler sees of its caller, as a string the tests compare. */
const callerOf = (caller: Caller) =>
  caller.kind === 'anonymous' ? 'anonymous' : caller.kind === 'user' ? `user:${caller.subject}:${[...caller.scopes].join(',')}` : `service:${caller.subject}`;

const impl: ServiceImpl<typeof routeguide.RouteGuideService> = {
  getFeature: (point, ctx) => ({ name: callerOf(ctx.caller), location: point }),
  listFeatures: (_rectangle, ctx) => [{ name: callerOf(ctx.caller), location: here }],
  recordRoute: () => ({ pointCount: 0, featureCount: 0, distance: 0, elapsedTime: 0 }),
  async *routeChat(notes) {
    for await (const note of notes) yield note;
  },
};
const policies: MethodPolicies<typeof routeguide.RouteGuideService> = {
  getFeature: policy.public(),
  listFeatures: policy.authenticated(),
  recordRoute: policy.scopesOrServices(['route:write'], [EDGE_ID]),
  routeChat: policy.scopes('route:chat'),
};

describe('TLS, mutual TLS and tokens', () => {
  let dir: string;
  let ca: CertificateAuthority;
  let otherCa: CertificateAuthority;
  let signing: SigningKey;
  let files: TlsFiles;
  let running: RunningTestServer;
  let metrics: ServerMetrics;
  const clients: { $close(): void }[] = [];

  const write = (name: string, content: string) => {
    // As secret volumes rotate: write aside, then rename into place.
    writeFileSync(join(dir, `${name}.tmp`), content);
    renameSync(join(dir, `${name}.tmp`), join(dir, name));
    return join(dir, name);
  };
  const channel = (cert?: { cert: string; key: string }, trusted: CertificateAuthority = ca): ChannelCredentials =>
    credentials.createSsl(Buffer.from(trusted.cert), cert ? Buffer.from(cert.key) : null, cert ? Buffer.from(cert.cert) : null);
  const client = (creds: ChannelCredentials) => {
    const made = createAsyncClient(routeguide.RouteGuideService, `127.0.0.1:${running.port}`, { credentials: creds });
    clients.push(made);
    return made;
  };
  const bearer = (token: string) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    return { metadata, timeoutMs: 5_000 };
  };
  const token = (claims: Partial<Parameters<typeof signToken>[1]> = {}, key: SigningKey = signing) =>
    signToken(key, { subject: 'alice', issuer: ISSUER, audience: AUDIENCE, scopes: ['route:chat'], ...claims });
  const rejected = async (reason: string) =>
    sumSamples(await metrics.registry.metrics(), 'grpc_server_auth_rejected_total', { reason });

  let clientCert: { cert: string; key: string };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'security-'));
    [ca, otherCa, signing] = await Promise.all([createCertificateAuthority('test CA'), createCertificateAuthority('other CA'), createSigningKey()]);
    const server = await ca.issue({ commonName: 'route-guide', dns: ['localhost'], ips: ['127.0.0.1'], usage: 'server' });
    clientCert = await ca.issue({ commonName: 'client', uris: [CLIENT_ID], usage: 'client' });
    files = { cert: write('tls.crt', server.cert), key: write('tls.key', server.key), clientCa: write('ca.crt', ca.cert) };
    const jwksFile = write('jwks.json', JSON.stringify(signing.jwks));
    metrics = new ServerMetrics();
    const tokens = new TokenVerifier({ jwksFile, issuer: ISSUER, audience: AUDIENCE, clockSkewS: 5 });
    running = await startTestServer(
      new ServiceServer({
        logger: testLogger(),
        metrics,
        security: { tls: readTlsMaterial(files), auth: { tokens, certificates: true } },
      }).addService(routeguide.RouteGuideService, impl, policies),
    );
  });

  afterAll(async () => {
    for (const made of clients) made.$close();
    await running.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('transport', () => {
    it('refuses a plaintext client', async () => {
      const plain = client(credentials.createInsecure());
      await expect(plain.getFeature(here, { timeoutMs: 3_000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    });

    it('is refused by a client that trusts another CA', async () => {
      const wrongTrust = client(channel(clientCert, otherCa));
      await expect(wrongTrust.getFeature(here, { timeoutMs: 3_000 })).rejects.toMatchObject({
        code: status.UNAVAILABLE,
        details: expect.stringMatching(/certificate|self.signed|unable to verify/i),
      });
    });

    it.each([
      ['no client certificate', async () => undefined],
      ['an expired client certificate', () => ca.issue({ commonName: 'old', uris: [CLIENT_ID], usage: 'client', notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) })],
      ['a client certificate from another CA', () => otherCa.issue({ commonName: 'stranger', uris: [CLIENT_ID], usage: 'client' })],
    ])('rejects mutual TLS with %s, before any call', async (_what, make) => {
      const failuresBefore = sumSamples(await metrics.registry.metrics(), 'grpc_server_tls_handshake_failures_total');
      const bad = client(channel(await make()));
      await expect(bad.getFeature(here, { timeoutMs: 3_000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
      await waitFor(
        async () => sumSamples(await metrics.registry.metrics(), 'grpc_server_tls_handshake_failures_total') > failuresBefore,
        'the failed handshake to be counted',
      );
    });

    it('serves a client with a valid certificate and names it as the caller (a service, by its SAN)', async () => {
      const good = client(channel(clientCert));
      await expect(good.getFeature(here)).resolves.toEqual({ name: 'anonymous', location: here }); // public: no caller resolved
      await expect(drainNames(good.listFeatures({ lo: here, hi: here }))).resolves.toEqual([`service:${CLIENT_ID}`]); // by certificate
    });
  });

  describe('tokens and policies', () => {
    let good: ReturnType<typeof client>;
    beforeAll(() => {
      good = client(channel(clientCert));
    });

    it('takes a valid token with the scope, and hands the handler a typed caller', async () => {
      const chat = good.routeChat([{ message: 'hi', location: here }], bearer(await token()));
      const echoed: string[] = [];
      for await (const note of chat) echoed.push(note.message);
      expect(echoed).toEqual(['hi']);
      const listed = await drainNames(good.listFeatures({ lo: here, hi: here }, bearer(await token({ scopes: ['a', 'b'] }))));
      expect(listed).toEqual(['user:alice:a,b']); // the token's caller wins over the certificate's
    });

    it.each([
      ['expired', () => token({ expiresInS: -60 }), 'expired', 'the token has expired'],
      ['not yet valid', () => token({ notBeforeInS: 600 }), 'not_yet_valid', 'the token is not valid yet (nbf)'],
      ['for another audience', () => token({ audience: 'someone-else' }), 'wrong_audience', 'the token is for another audience'],
      ['from another issuer', () => token({ issuer: 'https://evil.test' }), 'wrong_issuer', 'the token was issued by another issuer'],
      ['signed with another key', async () => token({}, await createSigningKey(signing.kid)), 'bad_signature', 'the token signature does not verify'],
      ['not a JWT', async () => 'not.a.jwt', 'malformed', 'the token is not a valid JWT'],
    ])('rejects a token that is %s with UNAUTHENTICATED, naming the problem and not the token', async (_what, make, reason, message) => {
      const value = await make();
      const before = await rejected(reason);
      const error = await good.routeChat([{ message: 'x' }], bearer(value))[Symbol.asyncIterator]().next().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: status.UNAUTHENTICATED, details: message });
      expect(JSON.stringify(error)).not.toContain(value);
      expect(await rejected(reason)).toBe(before + 1);
    });

    it('answers a certificate the policy does not name, with no token, with PERMISSION_DENIED', async () => {
      const error = await good.recordRoute([here]).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: status.PERMISSION_DENIED,
        details: `this method needs a token with scope route:write or a certificate of ${EDGE_ID}`,
      });
    });

    it('answers a valid token without the scope with PERMISSION_DENIED, naming the scope', async () => {
      const before = await rejected('missing_scope');
      await expect(good.recordRoute([here], bearer(await token({ scopes: ['route:chat'] })))).rejects.toMatchObject({
        code: status.PERMISSION_DENIED,
        details: 'the token lacks scope route:write',
      });
      expect(await rejected('missing_scope')).toBe(before + 1);
      const labelled = sumSamples(await metrics.registry.metrics(), 'grpc_server_auth_rejected_total', {
        grpc_method: '/routeguide.RouteGuide/RecordRoute',
      });
      expect(labelled).toBeGreaterThanOrEqual(1);
    });

    it('lets a service certificate named in the policy call without a token', async () => {
      const edge = await ca.issue({ commonName: 'edge', uris: [EDGE_ID], usage: 'client' });
      await expect(client(channel(edge)).recordRoute([])).resolves.toMatchObject({ pointCount: 0 });
    });

    it('keeps health public, and reflection for authenticated callers only', async () => {
      await expect(checkHealth(`127.0.0.1:${running.port}`, '', { credentials: channel(clientCert) })).resolves.toBe('SERVING');
      // The mTLS certificate authenticates the reflection client.
      const listed = await listServicesByReflection(`127.0.0.1:${running.port}`, channel(clientCert));
      expect(listed).toContain('routeguide.RouteGuide');
      const described = await describeByReflection(`127.0.0.1:${running.port}`, channel(clientCert));
      expect(Object.keys(described)).toContain('routeguide.RouteGuide');
    });
  });

  it('reloads rotated certificate files: an open stream carries on, a new connection gets the new certificate', async () => {
    const watcher = watchTlsMaterial(files, 50, (material) => running.server.updateTls(material), (error) => {
      throw error;
    });
    try {
      const chatClient = client(channel(clientCert));
      const chat = chatClient.routeChat(undefined, bearer(await token()));
      const replies = chat[Symbol.asyncIterator]();
      await chat.write({ message: 'before', location: here });
      await expect(replies.next()).resolves.toMatchObject({ value: { message: 'before' } });

      const before = await servedSerial(running.port, clientCert);
      const next = await ca.issue({ commonName: 'route-guide', dns: ['localhost'], ips: ['127.0.0.1'], usage: 'server' });
      write('tls.key', next.key);
      write('tls.crt', next.cert);
      await waitFor(async () => (await servedSerial(running.port, clientCert)) === next.serial, 'a new connection to see the new certificate');
      expect(before).not.toBe(next.serial);

      await chat.write({ message: 'after', location: here });
      await expect(replies.next()).resolves.toMatchObject({ value: { message: 'after' } });
      chat.end();
    } finally {
      watcher.close();
    }
  });
});

describe('tokens over server-only TLS (no client certificates)', () => {
  it('answers a call with no token at all with UNAUTHENTICATED, saying what is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'security-tls-'));
    const ca = await createCertificateAuthority();
    const signing = await createSigningKey();
    const served = await ca.issue({ commonName: 'route-guide', ips: ['127.0.0.1'] });
    writeFileSync(join(dir, 'tls.crt'), served.cert);
    writeFileSync(join(dir, 'tls.key'), served.key);
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify(signing.jwks));
    const metrics = new ServerMetrics();
    const tokens = new TokenVerifier({ jwksFile: join(dir, 'jwks.json'), issuer: ISSUER, audience: AUDIENCE, clockSkewS: 5 });
    const running = await startTestServer(
      new ServiceServer({
        logger: testLogger(),
        metrics,
        security: { tls: readTlsMaterial({ cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key') }), auth: { tokens, certificates: false } },
      }).addService(routeguide.RouteGuideService, impl, policies),
    );
    const tlsClient = createAsyncClient(routeguide.RouteGuideService, `127.0.0.1:${running.port}`, {
      credentials: credentials.createSsl(Buffer.from(ca.cert)),
    });
    try {
      await expect(tlsClient.getFeature(here)).resolves.toEqual({ name: 'anonymous', location: here });
      await expect(drain(tlsClient.listFeatures({ lo: here, hi: here }))).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
        details: 'this method needs credentials: a bearer token (authorization metadata) or a client certificate',
      });
      expect(sumSamples(await metrics.registry.metrics(), 'grpc_server_auth_rejected_total', { reason: 'missing_credentials' })).toBe(1);
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${await signToken(signing, { subject: 'bob', issuer: ISSUER, audience: AUDIENCE })}`);
      await expect(tlsClient.getFeature(here, { metadata })).resolves.toEqual({ name: 'anonymous', location: here }); // public
      await expect(drainNames(tlsClient.listFeatures({ lo: here, hi: here }, { metadata }))).resolves.toEqual(['user:bob:']);
      // Health is always public; reflection (authenticated by default) is not.
      await expect(checkHealth(`127.0.0.1:${running.port}`, '', { credentials: credentials.createSsl(Buffer.from(ca.cert)) })).resolves.toBe('SERVING');
      await expect(listServicesByReflection(`127.0.0.1:${running.port}`, credentials.createSsl(Buffer.from(ca.cert)))).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
      });
    } finally {
      tlsClient.$close();
      await running.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('policies are declared, or the server does not start', () => {
  it('refuses a service with a method that has no policy', () => {
    const { routeChat: _missing, ...partial } = policies;
    expect(() =>
      new ServiceServer({ logger: testLogger() }).addService(routeguide.RouteGuideService, impl, partial as typeof policies),
    ).toThrow('/routeguide.RouteGuide/RouteChat has no authorization policy');
  });
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

async function drainNames(features: AsyncIterable<routeguide.Feature>): Promise<string[]> {
  const names: string[] = [];
  for await (const feature of features) names.push(feature.name);
  return names;
}

/** The serial of the certificate the server presents to a new TLS connection. */
function servedSerial(port: number, cert: { cert: string; key: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ALPNProtocols: ['h2'], rejectUnauthorized: false, cert: cert.cert, key: cert.key }, () => {
      resolve(socket.getPeerX509Certificate()!.serialNumber);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}
