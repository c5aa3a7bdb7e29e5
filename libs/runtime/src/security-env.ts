// Transport security and authentication settings every service shares. The secure setup is
// the default: a service refuses to start without TLS files unless PLAINTEXT=true says so,
// and without a way to authenticate callers unless AUTH=off says so (both for local
// development). Cross-variable problems (a key without its certificate, a key that does not
// match, AUTH on with nothing to verify) stop start-up naming the variables.
import { envBool, envEnum, envInt, envOptionalFile, envOptionalString } from './env-vars';
import { TlsMaterialError, readTlsMaterial, type TlsMaterial } from './tls-material';

export const REFLECTION_MODES = ['off', 'public', 'authenticated'] as const;
export type ReflectionMode = (typeof REFLECTION_MODES)[number];

export function securityEnv() {
  return {
    /** Serve without TLS. For local development only; off by default. */
    PLAINTEXT: envBool({ default: false }),
    /** PEM certificate chain the service presents (with TLS_KEY_FILE); reloaded when the file changes. */
    TLS_CERT_FILE: envOptionalFile(),
    /** PEM private key of TLS_CERT_FILE. */
    TLS_KEY_FILE: envOptionalFile(),
    /** PEM CA bundle: when set, every client must present a certificate that chains to it (mutual TLS). */
    TLS_CLIENT_CA_FILE: envOptionalFile(),
    /** How often the TLS files are checked for a rotation. */
    TLS_RELOAD_INTERVAL_MS: envInt({ default: 2_000, min: 100, max: 3_600_000 }),
    /** on: every method's declared policy is enforced; off: nothing is (local development only). */
    AUTH: envEnum(['on', 'off'] as const, { default: 'on' }),
    /** JSON Web Key Set of the token issuer's public keys (or AUTH_JWT_PUBLIC_KEY_FILE). */
    AUTH_JWKS_FILE: envOptionalFile(),
    /** One PEM public key tokens are signed with (or AUTH_JWKS_FILE). */
    AUTH_JWT_PUBLIC_KEY_FILE: envOptionalFile(),
    /** Required `iss` of tokens. */
    AUTH_ISSUER: envOptionalString(),
    /** Required `aud` of tokens. */
    AUTH_AUDIENCE: envOptionalString(),
    /** Leeway for token expiry and not-before, in seconds. */
    AUTH_CLOCK_SKEW_S: envInt({ default: 30, min: 0, max: 300 }),
    /** Server reflection: off, public, or only for authenticated callers. */
    REFLECTION: envEnum(REFLECTION_MODES, { default: 'authenticated' }),
  };
}

type SecurityConfig = { readonly [K in keyof ReturnType<typeof securityEnv>]: ReturnType<ReturnType<typeof securityEnv>[K]['parse']> };

export type TransportSettings =
  | { kind: 'plaintext' }
  | { kind: 'tls'; files: { cert: string; key: string; clientCa?: string }; material: TlsMaterial; reloadIntervalMs: number };

export type AuthSettings =
  | { kind: 'off' }
  | {
      kind: 'on';
      /** Bearer tokens, when a key is configured. */
      tokens?: { jwksFile?: string; publicKeyFile?: string; issuer: string; audience: string; clockSkewS: number };
      /** Client certificates identify callers (mutual TLS). */
      certificates: boolean;
    };

export interface SecuritySettings {
  transport: TransportSettings;
  auth: AuthSettings;
  reflection: ReflectionMode;
}

/** The security settings, or every cross-variable problem found (each naming its variables). */
export function securitySettings(config: SecurityConfig): { settings?: SecuritySettings; problems: string[] } {
  const problems: string[] = [];
  let transport: TransportSettings = { kind: 'plaintext' };
  const { TLS_CERT_FILE: cert, TLS_KEY_FILE: key, TLS_CLIENT_CA_FILE: clientCa } = config;
  if (config.PLAINTEXT) {
    if (cert || key || clientCa) problems.push('PLAINTEXT=true contradicts TLS_CERT_FILE/TLS_KEY_FILE/TLS_CLIENT_CA_FILE: set one or the other');
  } else if (!cert || !key) {
    if (cert) problems.push('TLS_KEY_FILE is required with TLS_CERT_FILE');
    else if (key) problems.push('TLS_CERT_FILE is required with TLS_KEY_FILE');
    else problems.push('TLS_CERT_FILE and TLS_KEY_FILE are required (TLS is the default); set PLAINTEXT=true to serve plaintext for local development');
  } else {
    try {
      const files = { cert, key, ...(clientCa ? { clientCa } : {}) };
      transport = { kind: 'tls', files, material: readTlsMaterial(files), reloadIntervalMs: config.TLS_RELOAD_INTERVAL_MS };
    } catch (error) {
      if (error instanceof TlsMaterialError) problems.push(...error.problems);
      else throw error;
    }
  }

  let auth: AuthSettings = { kind: 'off' };
  if (config.AUTH === 'on') {
    const keyFiles = [config.AUTH_JWKS_FILE, config.AUTH_JWT_PUBLIC_KEY_FILE].filter(Boolean);
    if (keyFiles.length === 2) problems.push('AUTH_JWKS_FILE and AUTH_JWT_PUBLIC_KEY_FILE are exclusive: set one');
    let tokens: Extract<AuthSettings, { kind: 'on' }>['tokens'];
    if (keyFiles.length > 0) {
      if (!config.AUTH_ISSUER) problems.push('AUTH_ISSUER is required to verify tokens');
      if (!config.AUTH_AUDIENCE) problems.push('AUTH_AUDIENCE is required to verify tokens');
      tokens = {
        ...(config.AUTH_JWKS_FILE ? { jwksFile: config.AUTH_JWKS_FILE } : { publicKeyFile: config.AUTH_JWT_PUBLIC_KEY_FILE }),
        issuer: config.AUTH_ISSUER,
        audience: config.AUTH_AUDIENCE,
        clockSkewS: config.AUTH_CLOCK_SKEW_S,
      };
    }
    const certificates = Boolean(clientCa) && !config.PLAINTEXT;
    if (!tokens && !certificates) {
      problems.push(
        'AUTH=on (the default) needs a way to authenticate callers: AUTH_JWKS_FILE or AUTH_JWT_PUBLIC_KEY_FILE (tokens), or TLS_CLIENT_CA_FILE (client certificates); set AUTH=off for local development',
      );
    }
    auth = { kind: 'on', tokens, certificates };
  }
  if (problems.length > 0) return { problems };
  return { settings: { transport, auth, reflection: config.REFLECTION }, problems };
}
