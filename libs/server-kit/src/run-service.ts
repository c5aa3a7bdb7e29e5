// What every gRPC service's main does: runtime's process lifecycle (config, logs, cluster,
// /metrics, signals) around a ServiceServer built by the service and bound here.
import { runMain, type BaseConfig, type ConfigOf, type EnvVar, type Logger, type ServerMetrics } from '@grpc-ts/runtime';
import type { ServerLimits, ServiceServer, ServiceServerOptions } from './service-server';

/** What main hands a service's build function: spread it into the server's options. */
export interface ServiceBase extends ServiceServerOptions {
  logger: Logger;
  limits: ServerLimits;
  metrics: ServerMetrics;
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

export function runService<S extends Record<string, EnvVar<unknown>>>(options: RunServiceOptions<S>): Promise<void> {
  return runMain({
    name: options.name,
    env: options.env,
    start: async (config, { logger, metrics }) => {
      const server = await options.build(config, { logger, limits: limitsFromConfig(config), metrics });
      await server.listen(config.HOST, config.PORT);
      return server;
    },
  });
}
