// The same attacks against prod-service as it is deployed: mutual TLS and tokens (AUTH=on).
// TLS adds work an attacker can make the server do or wait for: a handshake never started,
// one completed and then nothing, one without a client certificate, calls without a token.
// Each must cost the attacker its place within the handshake deadline, never a legit client's.
import { Client, Metadata, credentials, status } from '@grpc/grpc-js';
import { prod } from '@grpc-ts/protos';
import { createCertificateAuthority, createSigningKey, signToken, sumSamples, waitFor } from '@grpc-ts/test-support';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { legitCall, servedWithin, type SecureClient } from './support/legit';
import { rawSocket, type RawSocket } from './support/raw-sockets';
import { startTarget, type Target } from './support/target';

const MAX_CONNECTIONS = 50;
// Long enough that 50 connections opened at once on a loaded machine still hold every place
// when the legit client tries; short enough to keep the test quick.
const HANDSHAKE_TIMEOUT_MS = 3000;

describe('slow and silent connections over mutual TLS with tokens (prod-service bundle, MAX_CONNECTIONS=50)', () => {
  let dir: string;
  let target: Target;
  let secure: SecureClient;
  let tlsOptions: ConnectionOptions;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostile-tls-'));
    const ca = await createCertificateAuthority();
    const server = await ca.issue({ commonName: 'prod-service', ips: ['127.0.0.1'] });
    const client = await ca.issue({ commonName: 'client', uris: ['spiffe://grpc-ts/client'], usage: 'client' });
    const signing = await createSigningKey();
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    target = await startTarget('prod-service', {
      PLAINTEXT: '',
      AUTH: '',
      TLS_CERT_FILE: write('tls.crt', server.cert),
      TLS_KEY_FILE: write('tls.key', server.key),
      TLS_CLIENT_CA_FILE: write('ca.crt', ca.cert),
      AUTH_JWKS_FILE: write('jwks.json', JSON.stringify(signing.jwks)),
      AUTH_ISSUER: 'hostile-issuer',
      AUTH_AUDIENCE: 'prod-service',
      MAX_CONNECTIONS: String(MAX_CONNECTIONS),
      HANDSHAKE_TIMEOUT_MS: String(HANDSHAKE_TIMEOUT_MS),
      // The refused legit client's channel was seen to reconnect once places freed up, after its
      // close(); the idle limit ends such a connection between tests. Longer than the handshake
      // deadline, so only that deadline can close the silent connections the tests open.
      MAX_CONNECTION_IDLE_MS: String(HANDSHAKE_TIMEOUT_MS * 2.5),
    });
    const listening = target.service.logs.find((line) => line.msg === 'listening') as { limits: { transport: string; auth: string } };
    expect(listening.limits).toMatchObject({ transport: 'mtls', auth: 'on' });
    const token = await signToken(signing, { subject: 'legit', issuer: 'hostile-issuer', audience: 'prod-service', scopes: ['stock:read'] });
    secure = { credentials: credentials.createSsl(Buffer.from(ca.cert), Buffer.from(client.key), Buffer.from(client.cert)), token };
    tlsOptions = { host: '127.0.0.1', port: target.port, ca: ca.cert, cert: client.cert, key: client.key, ALPNProtocols: ['h2'] };
  }, 40_000);

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.socket.destroy();
    await waitFor(async () => (await target.metrics()).connections === 0, 'no connection left after the test', 10_000);
  });

  afterAll(async () => {
    await target?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A mutual TLS connection, handshake completed (ALPN h2), that then never sends a byte. */
  const silentAfterTls = () =>
    new Promise<RawSocket>((resolve, reject) => {
      const socket = tlsConnect(tlsOptions);
      const closed = new Promise<void>((done) => socket.once('close', () => done()));
      socket.on('data', () => undefined);
      socket.once('secureConnect', () => {
        socket.on('error', () => undefined);
        resolve({ socket, closed, received: 0 });
      });
      socket.once('error', reject);
    });

  async function lockoutEnds(open: () => Promise<RawSocket>): Promise<void> {
    const timeoutsBefore = sumSamples((await target.metrics()).text, 'grpc_server_connections_handshake_timeouts_total');
    // All at once: opened one after the other, the first could reach the deadline before the last is up.
    sockets.push(...(await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open))));
    await waitFor(async () => (await target.metrics()).connections === MAX_CONNECTIONS, 'the attacker to hold every place', 5_000);
    const started = Date.now();
    expect((await legitCall(target, 300, secure)).code).not.toBe(status.OK); // locked out, for now
    await Promise.all(sockets.map((s) => s.closed)); // every one closed by the server
    // Without a deadline after TLS, only the connection idle limit (30 s) would end these.
    expect(Date.now() - started).toBeLessThan(HANDSHAKE_TIMEOUT_MS * 3);
    await servedWithin(target, 2_000, secure);
    const timeouts = sumSamples((await target.metrics()).text, 'grpc_server_connections_handshake_timeouts_total') - timeoutsBefore;
    expect(timeouts).toBe(MAX_CONNECTIONS);
  }

  it('closes 50 TCP connections that never start the TLS handshake', async () => {
    await lockoutEnds(() => rawSocket(target.port));
  }, 20_000);

  it('closes 50 connections that complete mutual TLS and then never send the HTTP/2 preface', async () => {
    await lockoutEnds(silentAfterTls);
  }, 20_000);

  it('refuses 50 TLS clients without a client certificate at the handshake, holding no place', async () => {
    const failuresBefore = sumSamples((await target.metrics()).text, 'grpc_server_tls_handshake_failures_total');
    const outcomes = await Promise.all(
      Array.from(
        { length: MAX_CONNECTIONS },
        () =>
          new Promise<string>((resolve) => {
            const socket = tlsConnect({ ...tlsOptions, cert: undefined, key: undefined });
            socket.on('data', () => undefined);
            socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
            socket.once('close', () => resolve('closed'));
          }),
      ),
    );
    // TLS 1.3: the client learns of the refusal from the server's alert after its own Finished,
    // as an error or as the connection closing; never as a session it could send on.
    expect(outcomes).toHaveLength(MAX_CONNECTIONS);
    await waitFor(
      async () => sumSamples((await target.metrics()).text, 'grpc_server_tls_handshake_failures_total') - failuresBefore === MAX_CONNECTIONS,
      'every certificate-less handshake counted as failed',
      5_000,
    );
    // Each place is given back when its socket closes, which can come just after the count.
    await waitFor(async () => (await target.metrics()).connections === 0, 'no place held by a refused client', 5_000);
    await servedWithin(target, 2_000, secure);
  }, 20_000);

  it('refuses 1,000 calls with a forged token (UNAUTHENTICATED) or none (PERMISSION_DENIED), holding no slot', async () => {
    const forger = await createSigningKey();
    const forged = await signToken(forger, { subject: 'mallory', issuer: 'hostile-issuer', audience: 'prod-service', scopes: ['stock:read'] });
    const rejectedBefore = sumSamples((await target.metrics()).text, 'grpc_server_auth_rejected_total');
    // One connection, as an attacker who has a client certificate would flood with.
    const client = new Client(target.address, secure.credentials);
    const m = prod.ProdServiceService.getProdStock;
    try {
      const codes = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => {
          const metadata = new Metadata();
          if (i % 2) metadata.set('authorization', `Bearer ${forged}`);
          return new Promise<number>((resolve) =>
            client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { prodId: 1 }, metadata, { deadline: Date.now() + 20_000 }, (e) =>
              resolve(e ? e.code : status.OK),
            ),
          );
        }),
      );
      // No token: the caller is the service its certificate names, which the policy does not admit.
      expect(codes.filter((code, i) => code !== (i % 2 ? status.UNAUTHENTICATED : status.PERMISSION_DENIED))).toEqual([]);
    } finally {
      client.close();
    }
    const after = await target.metrics();
    expect(sumSamples(after.text, 'grpc_server_auth_rejected_total') - rejectedBefore).toBe(1000);
    expect(after.active).toBe(0);
    expect((await legitCall(target, 2_000, secure)).code).toBe(status.OK);
  }, 60_000);
});
