// The real entry point as a process: config validation, start, serve, SIGTERM.
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { createCertificateAuthority, createSigningKey, signToken, type CertificateAuthority, type IssuedCertificate, type SigningKey } from '@grpc-ts/pki';
import { createAsyncClient, prod } from '@grpc-ts/protos';
import { LISTENING } from '@grpc-ts/runtime';
import { runToExit, spawnService, tsMain } from '@grpc-ts/test-support';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../../..');
const main = join(root, 'apps/prod-service/src/main.ts');

describe('prod-service main', () => {
  it('starts from env config, serves, and exits 0 after a graceful SIGTERM', async () => {
    const service = await spawnService(...tsMain(main), { SHUTDOWN_GRACE_MS: '3000' });
    const client = createAsyncClient(prod.ProdServiceService, service.address);
    await expect(client.getProdStock({ prodId: 1 })).resolves.toHaveProperty('proStock');
    client.$close();
    await expect(service.stop('SIGTERM')).resolves.toBe(0);
    expect(service.logs.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['catalogue loaded', LISTENING, 'stop signal received', 'server stopped']),
    );
    expect(service.logs.find((line) => line.msg === 'server stopped')).toMatchObject({
      outcome: 'graceful',
      service: 'prod-service',
    });
  });

  it.each([
    [{ PORT: 'http' }, 'PORT is not an integer'],
    [{ PORT: '65536' }, 'PORT is out of range'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL is not allowed'],
    [{ SHUTDOWN_GRACE_MS: '-1' }, 'SHUTDOWN_GRACE_MS is out of range'],
    [{ DATA: '/nonexistent/stock.json' }, 'DATA does not name a readable file'],
    [{ MAX_CONCURRENT_RPCS: '-1' }, 'MAX_CONCURRENT_RPCS is out of range'],
    [{ WORKERS: 'many' }, 'WORKERS is not an integer'],
    [{ METRICS_PORT: '70000' }, 'METRICS_PORT is out of range'],
  ])('refuses to start with %j', async (env, message) => {
    const { code, stderr } = await runToExit(...tsMain(main), env);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('    at '); // a message, not a stack trace
  });
});

describe('prod-service main, secure by default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prod-main-tls-'));
  const files: Record<string, string> = {};
  let ca: CertificateAuthority;
  let signing: SigningKey;
  let client: IssuedCertificate;
  beforeAll(async () => {
    [ca, signing] = await Promise.all([createCertificateAuthority(), createSigningKey()]);
    const served = await ca.issue({ commonName: 'prod-service', ips: ['127.0.0.1'] });
    const other = await ca.issue({ commonName: 'other' });
    client = await ca.issue({ commonName: 'client', uris: ['spiffe://grpc-ts/client'], usage: 'client' });
    for (const [name, content] of Object.entries({ 'tls.crt': served.cert, 'tls.key': served.key, 'other.key': other.key, 'ca.crt': ca.cert, 'jwks.json': JSON.stringify(signing.jwks) })) {
      files[name] = join(dir, name);
      writeFileSync(files[name]!, content);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The tests' own environment sets neither PLAINTEXT nor AUTH: this is what a deployment gets.
  it.each([
    [{}, 'TLS_CERT_FILE and TLS_KEY_FILE are required (TLS is the default); set PLAINTEXT=true'],
    [{ PLAINTEXT: 'true' }, 'AUTH=on (the default) needs a way to authenticate callers'],
    [{ TLS_CERT_FILE: 'tls.crt' }, 'TLS_KEY_FILE is required with TLS_CERT_FILE'],
    [{ TLS_CERT_FILE: 'tls.crt', TLS_KEY_FILE: 'other.key', AUTH: 'off' }, 'TLS_KEY_FILE does not match the certificate in TLS_CERT_FILE'],
    [{ TLS_CERT_FILE: '/nonexistent/tls.crt', TLS_KEY_FILE: 'tls.key' }, 'TLS_CERT_FILE does not name a readable file'],
    [{ PLAINTEXT: 'true', AUTH_JWKS_FILE: 'jwks.json' }, 'AUTH_ISSUER is required to verify tokens'],
  ])('refuses to start with %j, exit 2 naming the variable', async (vars, message) => {
    const env = Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, files[value] ?? value]));
    const { code, stderr } = await runToExit(...tsMain(main), { PLAINTEXT: '', AUTH: '', ...env });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain('    at ');
  });

  it('serves over mutual TLS with tokens, and refuses plaintext and callers without the scope', async () => {
    const service = await spawnService(...tsMain(main), {
      PLAINTEXT: '',
      AUTH: '',
      TLS_CERT_FILE: files['tls.crt']!,
      TLS_KEY_FILE: files['tls.key']!,
      TLS_CLIENT_CA_FILE: files['ca.crt']!,
      AUTH_JWKS_FILE: files['jwks.json']!,
      AUTH_ISSUER: 'test-issuer',
      AUTH_AUDIENCE: 'prod-service',
    });
    const secure = createAsyncClient(prod.ProdServiceService, service.address, {
      credentials: credentials.createSsl(Buffer.from(ca.cert), Buffer.from(client.key), Buffer.from(client.cert)),
    });
    const plain = createAsyncClient(prod.ProdServiceService, service.address);
    const withToken = async (scopes: string[]) => {
      const metadata = new Metadata();
      const token = await signToken(signing, { subject: 'alice', issuer: 'test-issuer', audience: 'prod-service', scopes });
      metadata.set('authorization', `Bearer ${token}`);
      return { metadata };
    };
    try {
      expect(service.logs.find((line) => line.msg === LISTENING)).toMatchObject({ limits: { transport: 'mtls', auth: 'on', reflection: 'authenticated' } });
      await expect(secure.getProdStock({ prodId: 1 }, await withToken(['stock:read']))).resolves.toHaveProperty('proStock');
      await expect(secure.getProdStock({ prodId: 1 }, await withToken(['route:read']))).rejects.toMatchObject({
        code: status.PERMISSION_DENIED,
        details: 'the token lacks scope stock:read',
      });
      await expect(plain.getProdStock({ prodId: 1 }, { timeoutMs: 3_000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    } finally {
      secure.$close();
      plain.$close();
      await service.stop('SIGTERM');
    }
  });
});
