// Bearer tokens (JWT), verified with jose against keys from a JWKS file or a PEM public key:
// signature, issuer, audience, expiry and not-before, with a bounded clock skew. Verified
// tokens are remembered (bounded) until they expire, so a client reusing one pays the
// signature check once. Failures carry a reason for metrics and a message that never echoes
// the token.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Caller } from './caller';

export interface TokenVerifierOptions {
  /** A JSON Web Key Set file (public keys; `kid` picks the key). */
  jwksFile?: string;
  /** Or one PEM (SPKI) public key. */
  publicKeyFile?: string;
  issuer: string;
  audience: string;
  /** Leeway for exp/nbf, in seconds. */
  clockSkewS: number;
  /** Remembered verified tokens; 0 = none. */
  cacheSize?: number;
}

export type TokenRejection =
  | 'missing_token'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_signature'
  | 'unknown_key'
  | 'invalid_claims';

export class TokenError extends Error {
  constructor(
    readonly reason: TokenRejection,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

// Asymmetric algorithms only: a symmetric "alg" must never be accepted with a public key.
const ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

type Verified = Extract<Caller, { kind: 'user' }>;

export class TokenVerifier {
  private key!: KeyObject | JWTVerifyGetKey;
  private readonly cache = new Map<string, { caller: Verified; expiresAtMs: number }>();

  constructor(private readonly options: TokenVerifierOptions) {
    this.reload();
  }

  /** (Re)reads the key file; throws naming it when it does not hold keys. */
  reload(): void {
    const { jwksFile, publicKeyFile } = this.options;
    if (jwksFile) {
      let jwks: JSONWebKeySet;
      try {
        jwks = JSON.parse(readFileSync(jwksFile, 'utf8')) as JSONWebKeySet;
        if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('no "keys"');
      } catch (error) {
        throw new Error(`AUTH_JWKS_FILE (${jwksFile}) is not a JSON Web Key Set: ${(error as Error).message}`);
      }
      this.key = createLocalJWKSet(jwks);
    } else if (publicKeyFile) {
      try {
        this.key = createPublicKey(readFileSync(publicKeyFile));
      } catch (error) {
        throw new Error(`AUTH_JWT_PUBLIC_KEY_FILE (${publicKeyFile}) is not a PEM public key: ${(error as Error).message}`);
      }
    } else {
      throw new Error('a token verifier needs AUTH_JWKS_FILE or AUTH_JWT_PUBLIC_KEY_FILE');
    }
    this.cache.clear();
  }

  /** The caller a raw `authorization` value names; throws TokenError. */
  async verify(authorization: string | undefined, identities: readonly string[] = []): Promise<Verified> {
    if (!authorization) throw new TokenError('missing_token', 'no bearer token (authorization metadata)');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw new TokenError('malformed', "authorization metadata must be 'Bearer <token>'");
    const token = match[1]!;
    const cached = this.cache.get(token);
    const now = Date.now();
    if (cached) {
      if (cached.expiresAtMs + this.options.clockSkewS * 1000 > now) return withIdentities(cached.caller, identities);
      this.cache.delete(token);
      throw new TokenError('expired', 'the token has expired');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as KeyObject, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockSkewS,
        algorithms: ALGORITHMS,
      }));
    } catch (error) {
      throw toTokenError(error);
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new TokenError('invalid_claims', 'the token has no subject (sub)');
    const caller: Verified = { kind: 'user', subject: payload.sub, scopes: scopesOf(payload), issuer: this.options.issuer, identities: [] };
    if (typeof payload.exp === 'number') this.remember(token, caller, payload.exp * 1000);
    return withIdentities(caller, identities);
  }

  private remember(token: string, caller: Verified, expiresAtMs: number): void {
    const size = this.options.cacheSize ?? 10_000;
    if (size <= 0) return;
    if (this.cache.size >= size) this.cache.delete(this.cache.keys().next().value!); // oldest first
    this.cache.set(token, { caller, expiresAtMs });
  }
}

function withIdentities(caller: Verified, identities: readonly string[]): Verified {
  return identities.length === 0 ? caller : { ...caller, identities };
}

function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  const scope = payload.scope ?? payload.scp;
  if (typeof scope === 'string') return new Set(scope.split(' ').filter(Boolean));
  if (Array.isArray(scope)) return new Set(scope.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

function toTokenError(error: unknown): TokenError {
  if (error instanceof errors.JWTExpired) return new TokenError('expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new TokenError('not_yet_valid', 'the token is not valid yet (nbf)');
    if (error.claim === 'iss') return new TokenError('wrong_issuer', 'the token was issued by another issuer');
    if (error.claim === 'aud') return new TokenError('wrong_audience', 'the token is for another audience');
    return new TokenError('invalid_claims', `the token's ${error.claim} claim is invalid`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenError('bad_signature', 'the token signature does not verify');
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenError('unknown_key', 'the token is signed with an unknown key');
  return new TokenError('malformed', 'the token is not a valid JWT');
}
