// Security settings at start-up: the secure setup is the default, and every inconsistent or
// broken combination stops the service naming the variables involved.
import { createCertificateAuthority, createSigningKey } from '@grpc-ts/pki';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../src/env-vars';
import { securityEnv, securitySettings } from '../src/security-env';

describe('securitySettings', () => {
  let dir: string;
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const check = (env: Record<string, string>) => securitySettings(readConfig(securityEnv(), env));
  let cert: string, key: string, otherKey: string, ca: string, expired: string, expiredKey: string, jwks: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'security-env-'));
    const authority = await createCertificateAuthority();
    const served = await authority.issue({ commonName: 'svc', dns: ['svc'] });
    const other = await authority.issue({ commonName: 'other' });
    const old = await authority.issue({ commonName: 'old', notBefore: new Date(Date.now() - 2e8), notAfter: new Date(Date.now() - 1e8) });
    cert = file('tls.crt', served.cert);
    key = file('tls.key', served.key);
    otherKey = file('other.key', other.key);
    ca = file('ca.crt', authority.cert);
    expired = file('old.crt', old.cert);
    expiredKey = file('old.key', old.key);
    jwks = file('jwks.json', JSON.stringify((await createSigningKey()).jwks));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start with no TLS and no explicit PLAINTEXT', () => {
    expect(check({ AUTH: 'off' }).problems).toEqual([
      'TLS_CERT_FILE and TLS_KEY_FILE are required (TLS is the default); set PLAINTEXT=true to serve plaintext for local development',
    ]);
  });

  it('refuses AUTH=on (the default) with nothing to authenticate callers with', () => {
    expect(check({ PLAINTEXT: 'true' }).problems).toEqual([expect.stringContaining('AUTH=on (the default) needs a way to authenticate callers')]);
  });

  it.each([
    [{ PLAINTEXT: 'true', TLS_CERT_FILE: 'cert' }, 'PLAINTEXT=true contradicts TLS_CERT_FILE'],
    [{ TLS_CERT_FILE: 'cert' }, 'TLS_KEY_FILE is required with TLS_CERT_FILE'],
    [{ TLS_KEY_FILE: 'key' }, 'TLS_CERT_FILE is required with TLS_KEY_FILE'],
    [{ TLS_CERT_FILE: 'cert', TLS_KEY_FILE: 'otherKey' }, 'TLS_KEY_FILE does not match the certificate in TLS_CERT_FILE'],
    [{ TLS_CERT_FILE: 'key', TLS_KEY_FILE: 'key' }, 'is not a PEM certificate'],
    [{ TLS_CERT_FILE: 'cert', TLS_KEY_FILE: 'cert' }, 'TLS_KEY_FILE (' ],
    [{ TLS_CERT_FILE: 'expired', TLS_KEY_FILE: 'expiredKey' }, 'TLS_CERT_FILE expired on'],
    [{ TLS_CERT_FILE: 'cert', TLS_KEY_FILE: 'key', TLS_CLIENT_CA_FILE: 'jwks' }, 'TLS_CLIENT_CA_FILE'],
  ])('names the variables when %j', (vars, message) => {
    const paths: Record<string, string> = { cert, key, otherKey, ca, expired, expiredKey, jwks };
    const env = Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, paths[value] ?? value]));
    const { problems, settings } = check({ AUTH: 'off', ...env });
    expect(settings).toBeUndefined();
    expect(problems.join('\n')).toContain(message);
  });

  it('needs issuer and audience with a token key, and takes mutual TLS alone as a way to authenticate', () => {
    expect(check({ PLAINTEXT: 'true', AUTH_JWKS_FILE: jwks }).problems).toEqual([
      'AUTH_ISSUER is required to verify tokens',
      'AUTH_AUDIENCE is required to verify tokens',
    ]);
    const mtls = check({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key, TLS_CLIENT_CA_FILE: ca });
    expect(mtls.problems).toEqual([]);
    expect(mtls.settings).toMatchObject({ transport: { kind: 'tls' }, auth: { kind: 'on', certificates: true }, reflection: 'authenticated' });
  });
});
