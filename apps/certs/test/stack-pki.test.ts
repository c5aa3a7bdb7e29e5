// The certs step on a real directory: what the first run makes (names, usages, modes, a token
// the JWKS verifies), that later runs keep what is good and renew only what is not, rotation,
// and the process's output and exit codes.
import { loadCertificateAuthority, loadSigningKey, signToken } from '@grpc-ts/pki';
import { tsMain } from '@grpc-ts/test-support';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureStackPki, type StackPkiPlan } from '../src/stack-pki';

const SCOPES = ['stock:read', 'route:read', 'route:write', 'route:chat'];

describe('the certs step', () => {
  let dir: string;
  const plan = (extra: Partial<StackPkiPlan> = {}): StackPkiPlan => ({
    dir,
    services: ['prod-service', 'route-guide'],
    issuer: 'https://issuer.test',
    audience: 'grpc-ts',
    scopes: SCOPES,
    caDays: 365,
    certDays: 30,
    tokenHours: 12,
    ...extra,
  });
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');
  const cert = (name: string) => new X509Certificate(read(`${name}.crt`));
  const actions = (outcomes: { file: string; action: string }[]) => Object.fromEntries(outcomes.map((o) => [o.file, o.action]));
  const snapshot = () => Object.fromEntries(readdirSync(dir).map((file) => [file, read(file)]));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-pki-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a CA, a certificate per service and for the client, a JWKS and a token, private files 0600', async () => {
    const outcomes = await ensureStackPki(plan());
    expect(actions(outcomes)).toEqual({
      'ca.crt': 'created',
      'prod-service.crt': 'created',
      'route-guide.crt': 'created',
      'client.crt': 'created',
      'jwks.json': 'created',
      'client.token': 'created',
    });
    const modes = Object.fromEntries(readdirSync(dir).map((file) => [file, (statSync(join(dir, file)).mode & 0o777).toString(8)]));
    expect(modes).toEqual({
      'ca.crt': '644',
      'ca.key': '600',
      'prod-service.crt': '644',
      'prod-service.key': '600',
      'route-guide.crt': '644',
      'route-guide.key': '600',
      'client.crt': '644',
      'client.key': '600',
      'jwks.json': '644',
      'signing-key.json': '600',
      'client.token': '600',
    });
    const ca = new X509Certificate(read('ca.crt'));
    expect(cert('prod-service').subjectAltName).toBe('DNS:prod-service, DNS:localhost, IP Address:127.0.0.1, URI:spiffe://grpc-ts/prod-service');
    expect(cert('client').subjectAltName).toBe('URI:spiffe://grpc-ts/client');
    for (const name of ['prod-service', 'route-guide', 'client']) expect(cert(name).verify(ca.publicKey)).toBe(true);
    const { payload } = await jwtVerify(read('client.token').trim(), createLocalJWKSet(JSON.parse(read('jwks.json'))), {
      issuer: 'https://issuer.test',
      audience: 'grpc-ts',
    });
    expect(payload).toMatchObject({ sub: 'compose-client', scope: SCOPES.join(' ') });
    expect(read('jwks.json')).not.toContain('"d"'); // public keys only
  });

  it('keeps everything on a second run, byte for byte', async () => {
    await ensureStackPki(plan());
    const before = snapshot();
    const outcomes = await ensureStackPki(plan());
    expect(new Set(outcomes.map((o) => o.action))).toEqual(new Set(['kept']));
    expect(snapshot()).toEqual(before);
  });

  it('renews only what is expired, about to expire, not signed by the CA or missing; a new service gets its certificate', async () => {
    await ensureStackPki(plan());
    const ca = await loadCertificateAuthority(read('ca.crt'), read('ca.key'));
    const signing = await loadSigningKey(JSON.parse(read('signing-key.json')));
    const soon = await ca.issue({ commonName: 'route-guide', dns: ['route-guide', 'localhost'], ips: ['127.0.0.1'], uris: ['spiffe://grpc-ts/route-guide'], usage: 'both', notAfter: new Date(Date.now() + 86_400_000) });
    writeFileSync(join(dir, 'route-guide.crt'), soon.cert);
    writeFileSync(join(dir, 'route-guide.key'), soon.key);
    writeFileSync(join(dir, 'client.token'), await signToken(signing, { subject: 'compose-client', issuer: 'https://issuer.test', audience: 'grpc-ts', scopes: SCOPES, expiresInS: -60 }));
    unlinkSync(join(dir, 'jwks.json'));
    const kept = { ca: read('ca.crt'), prod: read('prod-service.crt'), client: read('client.crt') };

    const outcomes = await ensureStackPki(plan({ services: ['prod-service', 'route-guide', 'inventory-service'] }));
    expect(actions(outcomes)).toEqual({
      'ca.crt': 'kept',
      'prod-service.crt': 'kept',
      'route-guide.crt': 'renewed',
      'inventory-service.crt': 'created',
      'client.crt': 'kept',
      'jwks.json': 'renewed',
      'client.token': 'renewed',
    });
    expect(outcomes.find((o) => o.file === 'route-guide.crt')!.why).toMatch(/^expires /);
    expect(outcomes.find((o) => o.file === 'client.token')!.why).toMatch(/does not verify.*exp/);
    expect({ ca: read('ca.crt'), prod: read('prod-service.crt'), client: read('client.crt') }).toEqual(kept);
    expect(new Date(cert('route-guide').validTo).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('--rotate issues every certificate and the token again, keeping the CA and the signing key', async () => {
    await ensureStackPki(plan());
    const before = snapshot();
    const outcomes = await ensureStackPki(plan({ rotate: true }));
    expect(actions(outcomes)).toMatchObject({ 'ca.crt': 'kept', 'prod-service.crt': 'renewed', 'client.crt': 'renewed', 'jwks.json': 'kept', 'client.token': 'renewed' });
    const after = snapshot();
    for (const file of ['ca.crt', 'ca.key', 'jwks.json', 'signing-key.json']) expect(after[file]).toBe(before[file]);
    for (const file of ['prod-service.crt', 'prod-service.key', 'route-guide.crt', 'client.key', 'client.token']) expect(after[file]).not.toBe(before[file]);
  });

  it('re-issues everything for a new CA when the old one nears its end', async () => {
    await ensureStackPki(plan({ caDays: 20 })); // under the 30-day renewal margin from the start
    const first = snapshot();
    const outcomes = await ensureStackPki(plan());
    expect(actions(outcomes)).toMatchObject({ 'ca.crt': 'renewed', 'prod-service.crt': 'renewed', 'client.crt': 'renewed', 'jwks.json': 'kept' });
    expect(outcomes.find((o) => o.file === 'prod-service.crt')!.why).toBe('not signed by the current CA');
    expect(read('ca.crt')).not.toBe(first['ca.crt']);
  });

  it('refuses a CA certificate without its key, and names that would overwrite its files', async () => {
    await ensureStackPki(plan());
    unlinkSync(join(dir, 'ca.key'));
    await expect(ensureStackPki(plan())).rejects.toThrow(/ca.key is missing beside ca.crt .*remove both to start a new CA/);
    await expect(ensureStackPki(plan({ services: ['client'] }))).rejects.toThrow('"client" would overwrite the client files');
    await expect(ensureStackPki(plan({ services: ['Bad_Name'] }))).rejects.toThrow('is not a compose service name');
  });
});

describe('grpc-certs, the process', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const [node, nodeArgs] = tsMain(join(__dirname, '../src/main.ts'));
      execFile(node, [...nodeArgs, ...args], { env: { ...process.env, AUTH_ISSUER: 'https://from-env.test' } }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });

  it('prints a line per file, takes the issuer from AUTH_ISSUER, and exits 2 on bad arguments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grpc-certs-'));
    try {
      const first = await run([dir, 'prod-service', '--token-hours', '1']);
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      expect(first.stdout.trim().split('\n').map((line) => line.split(/\s+/).slice(0, 2).join(' '))).toEqual([
        'created ca.crt',
        'created prod-service.crt',
        'created client.crt',
        'created jwks.json',
        'created client.token',
      ]);
      const token = readFileSync(join(dir, 'client.token'), 'utf8');
      expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).toMatchObject({ iss: 'https://from-env.test' });
      const again = await run([dir, 'prod-service', '--token-hours', '1']);
      expect(again.stdout).toMatch(/^kept +client\.token valid until /m);
      expect((await run([dir])).code).toBe(2);
      expect((await run([dir, 'x', '--cert-days', '0'])).code).toBe(2);
      unlinkSync(join(dir, 'ca.crt'));
      const broken = await run([dir, 'prod-service']);
      expect({ code: broken.code, lines: broken.stderr.trim().split('\n').length }).toEqual({ code: 1, lines: 1 });
      expect(broken.stderr).toContain('certs: ca.crt is missing beside ca.key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
