// What every service's main does: read validated config, build, bind, serve /metrics, and
// shut down gracefully on SIGTERM/SIGINT. With WORKERS=N it runs N such server processes
// on one port under a cluster primary. Apps call runService and nothing else.
import {
  ServerMetrics,
  clusterWorkerId,
  isClusterWorker,
  runClustered,
  shareMetricsWithPrimary,
  startMetricsServer,
} from '@grpc-ts/pool';
import { ConfigError, readConfig, type ConfigOf, type EnvVar, type baseServiceEnv } from './config';
import { createLogger, type Logger } from './logger';
import type { ServerLimits, ServiceServer, ServiceServerOptions } from './service-server';

type BaseConfig = ConfigOf<ReturnType<typeof baseServiceEnv>>;

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
  build: (config: ConfigOf<S>, base: ServiceBase) => ServiceServer | Promise<ServiceServer>;
}

export function limitsFromConfig(config: BaseConfig): ServerLimits {
  return {
    maxConcurrentRpcs: config.MAX_CONCURRENT_RPCS,
    queueSize: config.RPC_QUEUE_SIZE,
    queueTimeoutMs: config.RPC_QUEUE_TIMEOUT_MS,
    maxConnections: config.MAX_CONNECTIONS,
    maxConcurrentStreams: config.MAX_CONCURRENT_STREAMS,
    connectionInjector: config.CONNECTION_INJECTOR,
  };
}

export async function runService<S extends Record<string, EnvVar<unknown>>>(
  options: RunServiceOptions<S>,
): Promise<void> {
  let config: ConfigOf<S> & BaseConfig;
  try {
    config = readConfig(options.env) as ConfigOf<S> & BaseConfig;
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${options.name}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(options.name, config.LOG_LEVEL);
  const crash = (kind: string) => (error: unknown) => {
    logger.fatal({ err: error }, kind);
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));

  await runClustered({
    workers: config.WORKERS,
    logger,
    metrics: { host: config.HOST, port: config.METRICS_PORT },
    startWorker: () => startServer(options, config, logger).catch(crash('failed to start')),
  });
}

async function startServer<S extends Record<string, EnvVar<unknown>>>(
  options: RunServiceOptions<S>,
  config: ConfigOf<S> & BaseConfig,
  logger: Logger,
): Promise<void> {
  // Signal handlers go in first: until a listener exists, SIGTERM's default action kills the
  // process on the spot. A signal that arrives while the service starts (loading data,
  // binding) waits for the start to finish, then shuts down gracefully.
  let started!: (server: ServiceServer) => void;
  let failed!: (error: unknown) => void;
  const ready = new Promise<ServiceServer>((resolve, reject) => {
    started = resolve;
    failed = reject;
  });
  ready.catch(() => undefined); // a failed start exits through runService's crash handler
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stop signal received');
    ready
      .then((server) => server.shutdown(config.SHUTDOWN_GRACE_MS))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.fatal({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  try {
    started(await start(options, config, logger));
  } catch (error) {
    failed(error);
    throw error;
  }
}

async function start<S extends Record<string, EnvVar<unknown>>>(
  options: RunServiceOptions<S>,
  config: ConfigOf<S> & BaseConfig,
  logger: Logger,
): Promise<ServiceServer> {
  const worker = clusterWorkerId();
  const labels = { service: options.name, ...(worker === undefined ? {} : { worker: String(worker) }) };
  const metrics = new ServerMetrics({ labels, processMetrics: true });
  // A cluster worker's metrics are served, summed, by the primary; a lone process serves its own.
  let metricsServer: { close(): Promise<void> } | undefined;
  if (isClusterWorker()) {
    shareMetricsWithPrimary(metrics.registry);
  } else {
    const running = await startMetricsServer(config.HOST, config.METRICS_PORT, {
      contentType: metrics.registry.contentType,
      collect: () => metrics.registry.metrics(),
    });
    logger.info({ port: running.port }, 'metrics listening');
    metricsServer = running;
  }
  const server = await options.build(config, {
    logger,
    limits: limitsFromConfig(config),
    metrics,
    healthAndReflection: config.HEALTH_REFLECTION,
  });
  server.onShutdown(() => metricsServer?.close());
  await server.listen(config.HOST, config.PORT);
  return server;
}
