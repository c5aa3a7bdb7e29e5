// Token issuing for tests and local stacks: an ES256 signing key, its public JWKS (what
// services verify with), and signed JWTs with the claims a test asks for.
import { exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomBytes } from 'node:crypto';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** { keys: [public JWK] }: AUTH_JWKS_FILE's content. */
  jwks: { keys: JWK[] };
  /** The public key as PEM (SPKI): AUTH_JWT_PUBLIC_KEY_FILE's content. */
  publicPem: string;
  /** The private key as JWK, to store and sign with later. */
  privateJwk: JWK;
}

export async function createSigningKey(kid = randomBytes(8).toString('hex')): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256' };
  return { kid, privateKey, jwks: { keys: [publicJwk] }, publicPem: await exportSPKI(publicKey), privateJwk };
}

export interface TokenClaims {
  subject: string;
  issuer: string;
  audience: string;
  scopes?: string[];
  /** Seconds from now; negative gives an expired token. Default 3600. */
  expiresInS?: number;
  /** Seconds from now before which the token is not valid (nbf). */
  notBeforeInS?: number;
}

export async function signToken(key: Pick<SigningKey, 'kid' | 'privateKey'>, claims: TokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT(claims.scopes ? { scope: claims.scopes.join(' ') } : {})
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setSubject(claims.subject)
    .setIssuer(claims.issuer)
    .setAudience(claims.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresInS ?? 3600));
  if (claims.notBeforeInS !== undefined) jwt.setNotBefore(now + claims.notBeforeInS);
  return jwt.sign(key.privateKey);
}

/** A signing key createSigningKey made, back from its stored private JWK (which carries its kid). */
export async function loadSigningKey(privateJwk: JWK): Promise<SigningKey> {
  if (!privateJwk.kid) throw new Error('the signing key has no kid');
  if (privateJwk.kty !== 'EC' || privateJwk.crv !== 'P-256' || !privateJwk.d) throw new Error('not an ES256 (EC P-256) private JWK');
  const privateKey = (await importJWK({ ...privateJwk, alg: 'ES256' }, 'ES256', { extractable: true })) as CryptoKey;
  const { d: _private, ...publicPart } = privateJwk;
  const publicKey = (await importJWK({ ...publicPart, alg: 'ES256' }, 'ES256', { extractable: true })) as CryptoKey;
  const publicJwk = { ...publicPart, kid: privateJwk.kid, alg: 'ES256', use: 'sig' };
  return { kid: privateJwk.kid, privateKey, jwks: { keys: [publicJwk] }, publicPem: await exportSPKI(publicKey), privateJwk };
}
