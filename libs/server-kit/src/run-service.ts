// What every gRPC service's main does: runtime's process lifecycle (config, logs, cluster,
// /metrics, signals) around a ServiceServer built by the service and bound here.
import {
  TokenVerifier,
  runMain,
  watchTlsMaterial,
  type BaseConfig,
  type ConfigOf,
  type EnvVar,
  type Logger,
  type SecuritySettings,
  type ServerMetrics,
} from '@grpc-ts/runtime';
import { unwatchFile, watchFile } from 'node:fs';
import type { ServerLimits, ServerSecurity, ServiceServer, ServiceServerOptions } from './service-server';

/** What main hands a service's build function: spread it into the server's options. */
export interface ServiceBase extends ServiceServerOptions {
  logger: Logger;
  limits: ServerLimits;
  metrics: ServerMetrics;
  security: ServerSecurity;
}

export interface RunServiceOptions<S extends Record<string, EnvVar<unknown>>> {
  name: string;
  /** The service's env spec; it must include baseServiceEnv(). */
  env: S;
  build: (config: ConfigOf<S> & BaseConfig, base: ServiceBase) => ServiceServer | Promise<ServiceServer>;
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

/** The server's security from the checked settings (files already read and matched). */
export function serverSecurity(settings: SecuritySettings): ServerSecurity {
  const { transport, auth, reflection } = settings;
  return {
    tls: transport.kind === 'tls' ? transport.material : undefined,
    auth: auth.kind === 'on' ? { tokens: auth.tokens && new TokenVerifier(auth.tokens), certificates: auth.certificates } : undefined,
    reflection,
  };
}

export function runService<S extends Record<string, EnvVar<unknown>>>(options: RunServiceOptions<S>): Promise<void> {
  return runMain({
    name: options.name,
    env: options.env,
    start: async (config, base) => {
      const { logger, metrics, security: settings } = base;
      if (settings.transport.kind === 'plaintext') logger.warn({}, 'serving PLAINTEXT: no TLS (local development only)');
      if (settings.auth.kind === 'off') logger.warn({}, 'AUTH=off: method policies are not enforced (local development only)');
      const security = serverSecurity(settings);
      const server = await options.build(config, { logger, limits: limitsFromConfig(config), metrics, security });
      await server.listen(config.HOST, config.PORT);
      watchSecurityFiles(settings, security, server, logger, base.onShutdown);
      return server;
    },
  });
}

// Certificates and token keys rotate on disk: new connections get the new certificate, open
// ones carry on; tokens are checked against the new keys from the next call.
function watchSecurityFiles(
  settings: SecuritySettings,
  security: ServerSecurity,
  server: ServiceServer,
  logger: Logger,
  onShutdown: (cleanup: () => void) => void,
): void {
  const { transport, auth } = settings;
  if (transport.kind === 'tls') {
    const watcher = watchTlsMaterial(
      transport.files,
      transport.reloadIntervalMs,
      (material) => server.updateTls(material),
      (error) => logger.error({ err: error }, 'TLS files changed but do not form a valid set; still serving the previous certificate'),
    );
    onShutdown(() => watcher.close());
  }
  const verifier = security.auth?.tokens;
  const keyFile = auth.kind === 'on' ? (auth.tokens?.jwksFile ?? auth.tokens?.publicKeyFile) : undefined;
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
