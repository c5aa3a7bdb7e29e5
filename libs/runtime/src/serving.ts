// What every server process does the same way whatever its transport (grpc-js in server-kit,
// Connect in apps/edge): the limits read from config, who a caller is and whether a method's
// policy lets it in, and the security files watched for rotation. Each transport only adapts
// these to its own call objects.
import { unwatchFile, watchFile } from 'node:fs';
import type { BaseConfig } from './main';
import { ANONYMOUS, type Caller } from './auth/caller';
import { deny, type MethodPolicy } from './auth/policy';
import { TokenError, TokenVerifier } from './auth/token-verifier';
import type { Logger } from './logger';
import type { SecuritySettings } from './security-env';
import { watchTlsMaterial, type TlsMaterial } from './tls-material';

export interface ServerLimits {
  /** Server-wide limit on active RPCs (RESOURCE_EXHAUSTED beyond it); 0 = unlimited. */
  maxConcurrentRpcs: number;
  /** RPCs that may wait for a slot; 0 = reject at once. */
  queueSize?: number;
  queueTimeoutMs?: number;
  /** Most concurrent client connections; 0 = unlimited. */
  maxConnections?: number;
  /** Concurrent calls on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams?: number;
  /** A stream with no message in or out for this long ends (DEADLINE_EXCEEDED); 0 = never. */
  streamIdleTimeoutMs?: number;
  /** A connection that has not sent the HTTP/2 preface and SETTINGS this long after accept is closed; 0 = never. */
  handshakeTimeoutMs?: number;
  /** A connection with no call open this long is closed (GOAWAY); 0 = never. */
  maxConnectionIdleMs?: number;
  /** GOAWAY a connection after about this long (+-10%), so clients re-resolve and rebalance; 0 = never. */
  maxConnectionAgeMs?: number;
  /** How long calls on an aged-out connection may still run; 0 = no limit. */
  maxConnectionAgeGraceMs?: number;
  /** The server pings each connection this often; one whose ping is unanswered for keepaliveTimeoutMs is closed; 0 = no pings. */
  keepaliveTimeMs?: number;
  keepaliveTimeoutMs?: number;
  /** Most request metadata bytes per call (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE); more resets the call. */
  maxMetadataBytes?: number;
  /** Memory one connection's HTTP/2 session may hold, MiB; past it its new calls are refused. */
  maxSessionMemoryMb?: number;
}

export function limitsFromConfig(config: BaseConfig): ServerLimits {
  return {
    maxConcurrentRpcs: config.MAX_CONCURRENT_RPCS,
    queueSize: config.RPC_QUEUE_SIZE,
    queueTimeoutMs: config.RPC_QUEUE_TIMEOUT_MS,
    maxConnections: config.MAX_CONNECTIONS,
    maxConcurrentStreams: config.MAX_CONCURRENT_STREAMS,
    streamIdleTimeoutMs: config.STREAM_IDLE_TIMEOUT_MS,
    handshakeTimeoutMs: config.HANDSHAKE_TIMEOUT_MS,
    maxConnectionIdleMs: config.MAX_CONNECTION_IDLE_MS,
    maxConnectionAgeMs: config.MAX_CONNECTION_AGE_MS,
    maxConnectionAgeGraceMs: config.MAX_CONNECTION_AGE_GRACE_MS,
    keepaliveTimeMs: config.KEEPALIVE_TIME_MS,
    keepaliveTimeoutMs: config.KEEPALIVE_TIMEOUT_MS,
    maxMetadataBytes: config.MAX_METADATA_BYTES,
    maxSessionMemoryMb: config.MAX_SESSION_MEMORY_MB,
  };
}

export interface CallerAuth {
  /** Verifies bearer tokens; undefined = this server takes no tokens. */
  tokens?: TokenVerifier;
  /** Client certificates (mutual TLS) identify callers. */
  certificates: boolean;
}

/** How callers are authenticated, from the checked settings; undefined under AUTH=off. */
export function callerAuthOf(settings: SecuritySettings): CallerAuth | undefined {
  const { auth } = settings;
  return auth.kind === 'on' ? { tokens: auth.tokens && new TokenVerifier(auth.tokens), certificates: auth.certificates } : undefined;
}

export type Admission =
  | { readonly caller: Caller }
  | { readonly status: 'unauthenticated' | 'permission_denied'; readonly reason: string; readonly message: string };

/**
 * Whether a call may go on under `required`: who the caller is (a bearer token, verified;
 * the client certificate's SANs under mutual TLS) and what the policy says. Synchronous when
 * no token has to be verified. Messages say what is missing and never echo a token.
 */
export function admit(
  auth: CallerAuth,
  required: MethodPolicy,
  authorization: string | undefined,
  identities: readonly string[],
): Admission | Promise<Admission> {
  const decide = (caller: Caller): Admission => deny(required, caller) ?? { caller };
  if (authorization === undefined) {
    return decide(identities.length > 0 ? { kind: 'service', subject: identities[0]!, identities } : ANONYMOUS);
  }
  if (!auth.tokens) {
    return {
      status: 'unauthenticated',
      reason: 'tokens_not_accepted',
      message: 'this server does not accept bearer tokens; authenticate with a client certificate',
    };
  }
  return auth.tokens.verify(authorization, identities).then(decide, (error: unknown): Admission => {
    if (error instanceof TokenError) return { status: 'unauthenticated', reason: error.reason, message: error.message };
    throw error;
  });
}

/**
 * Certificates and token keys rotate on disk: `onTls` gets each new valid certificate set
 * (new connections use it, open ones carry on); tokens are checked against the new keys from
 * the next call. Watchers stop through `onShutdown`.
 */
export function watchSecurityFiles(
  settings: SecuritySettings,
  auth: CallerAuth | undefined,
  onTls: (material: TlsMaterial) => void,
  logger: Logger,
  onShutdown: (cleanup: () => void) => void,
): void {
  const { transport } = settings;
  if (transport.kind === 'tls') {
    const watcher = watchTlsMaterial(transport.files, transport.reloadIntervalMs, onTls, (error) =>
      logger.error({ err: error }, 'TLS files changed but do not form a valid set; still serving the previous certificate'),
    );
    onShutdown(() => watcher.close());
  }
  const verifier = auth?.tokens;
  const tokens = settings.auth.kind === 'on' ? settings.auth.tokens : undefined;
  const keyFile = tokens?.jwksFile ?? tokens?.publicKeyFile;
  if (verifier && keyFile) {
    const listener = () => {
      try {
        verifier.reload();
        logger.info({ file: keyFile }, 'token keys reloaded');
      } catch (error) {
        logger.error({ err: error }, 'token key file changed but cannot be used; still verifying with the previous keys');
      }
    };
    const interval = transport.kind === 'tls' ? transport.reloadIntervalMs : 2_000;
    watchFile(keyFile, { interval, persistent: false }, listener);
    onShutdown(() => unwatchFile(keyFile, listener));
  }
}
