// The test PKI makes certificates real TLS stacks accept: chains to its CA, the SANs and
// usages asked for, and tokens jose verifies.
import { X509Certificate } from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createCertificateAuthority, createSigningKey, loadCertificateAuthority, loadSigningKey, signToken } from '../src';
import { randomSerial } from '../src/certificates';

describe('@grpc-ts/pki', () => {
  it('issues certificates that chain to the CA, with the SANs and validity asked for', async () => {
    const ca = await createCertificateAuthority('unit CA');
    const issued = await ca.issue({ commonName: 'edge', dns: ['edge'], ips: ['127.0.0.1'], uris: ['spiffe://grpc-ts/edge'], usage: 'both' });
    const caCert = new X509Certificate(ca.cert);
    const leaf = new X509Certificate(issued.cert);
    expect(caCert.ca).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe('DNS:edge, IP Address:127.0.0.1, URI:spiffe://grpc-ts/edge');
    expect(leaf.serialNumber).toBe(issued.serial);
    expect(leaf.checkPrivateKey(require('node:crypto').createPrivateKey(issued.key))).toBe(true);
  });

  it('makes serials that read back the same whatever the random bytes (DER drops a leading zero byte)', async () => {
    for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
      const serial = randomSerial((size) => Buffer.alloc(size, first));
      expect(serial).toMatch(/^[4-7][0-9A-F]{31}$/);
    }
    const ca = await createCertificateAuthority('serials CA');
    for (let i = 0; i < 8; i++) {
      const issued = await ca.issue({ commonName: `leaf-${i}` });
      expect(new X509Certificate(issued.cert).serialNumber).toBe(issued.serial);
    }
  });

  it('signs tokens that verify against its JWKS', async () => {
    const key = await createSigningKey('k1');
    const token = await signToken(key, { subject: 'alice', issuer: 'iss', audience: 'aud', scopes: ['a', 'b'] });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(key.jwks), { issuer: 'iss', audience: 'aud' });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k1' });
    expect(payload).toMatchObject({ sub: 'alice', scope: 'a b' });
  });

  it('loads a stored CA back and issues certificates that chain to it; refuses a key of another CA', async () => {
    const ca = await createCertificateAuthority('stored CA', 30);
    const loaded = await loadCertificateAuthority(ca.cert, ca.key);
    expect({ cert: loaded.cert, serial: loaded.serial }).toEqual({ cert: ca.cert, serial: new X509Certificate(ca.cert).serialNumber });
    const leaf = new X509Certificate((await loaded.issue({ commonName: 'later', dns: ['later'] })).cert);
    expect(leaf.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
    const other = await createCertificateAuthority('other CA');
    await expect(loadCertificateAuthority(ca.cert, other.key)).rejects.toThrow('the CA key does not match the CA certificate');
    await expect(loadCertificateAuthority(leaf.toString(), ca.key)).rejects.toThrow('not a CA certificate');
  });

  it('loads a stored signing key back: same kid and JWKS, tokens verify', async () => {
    const key = await createSigningKey('k2');
    const loaded = await loadSigningKey(JSON.parse(JSON.stringify(key.privateJwk)));
    expect(loaded.jwks).toEqual(key.jwks);
    const token = await signToken(loaded, { subject: 'bob', issuer: 'iss', audience: 'aud' });
    await expect(jwtVerify(token, createLocalJWKSet(key.jwks), { issuer: 'iss', audience: 'aud' })).resolves.toMatchObject({ payload: { sub: 'bob' } });
    await expect(loadSigningKey({ ...key.privateJwk, kid: undefined })).rejects.toThrow('no kid');
  });
});
