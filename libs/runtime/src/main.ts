// The life of a service process, whatever its transport: read validated config (a bad value
// exits 2 naming it), log JSON, crash loudly on uncaught errors, run N cluster workers when
// asked, serve /metrics, and shut down gracefully on SIGTERM/SIGINT.
import { getHeapStatistics } from 'node:v8';
import { clusterWorkerId, isClusterWorker, runClustered, shareMetricsWithPrimary } from './cluster';
import type { baseServiceEnv } from './config';
import { ConfigError, readConfig, type ConfigOf, type EnvVar } from './env-vars';
import { securitySettings, type SecuritySettings } from './security-env';
import { METRICS_LISTENING } from './log-events';
import { createLogger, type Logger } from './logger';
import { ServerMetrics } from './metrics';
import { startMetricsServer } from './metrics-server';

export type BaseConfig = ConfigOf<ReturnType<typeof baseServiceEnv>>;
type Spec = Record<string, EnvVar<unknown>>;

/** What a process's start function gets besides its config. */
export interface ProcessBase {
  logger: Logger;
  /** TLS, authentication and reflection settings, already checked (files read, keys matched). */
  security: SecuritySettings;
  /** This process's metrics; served on METRICS_PORT (summed by the primary under WORKERS>1). */
  metrics: ServerMetrics;
  /** Runs after the server has stopped, in order (close executors, flush, ...). */
  onShutdown(cleanup: () => Promise<void> | void): void;
}

/** A started server: stopping it drains in-flight work within the grace period. */
export interface Stoppable {
  shutdown(graceMs: number): Promise<unknown>;
}

export interface RunMainOptions<S extends Spec> {
  name: string;
  /** The service's env spec; it must include baseServiceEnv(). */
  env: S;
  /** Builds and starts serving; resolves once it accepts calls. */
  start: (config: ConfigOf<S> & BaseConfig, base: ProcessBase) => Promise<Stoppable>;
}

export async function runMain<S extends Spec>(options: RunMainOptions<S>): Promise<void> {
  let config: ConfigOf<S> & BaseConfig;
  let security: SecuritySettings;
  try {
    config = readConfig(options.env) as ConfigOf<S> & BaseConfig;
    const checked = securitySettings(config);
    if (!checked.settings) throw new ConfigError(checked.problems);
    security = checked.settings;
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
    listen: { host: config.HOST, port: config.PORT },
    logger,
    metrics: { host: config.HOST, port: config.METRICS_PORT },
    startWorker: () => startProcess(options, config, security, logger).catch(crash('failed to start')),
  });
}

async function startProcess<S extends Spec>(
  options: RunMainOptions<S>,
  config: ConfigOf<S> & BaseConfig,
  security: SecuritySettings,
  logger: Logger,
): Promise<void> {
  // Signal handlers go in first: until a listener exists, SIGTERM's default action kills the
  // process on the spot. A signal that arrives while the service starts (loading data,
  // binding) waits for the start to finish, then shuts down gracefully.
  let started!: (server: Stoppable) => void;
  let failed!: (error: unknown) => void;
  const ready = new Promise<Stoppable>((resolve, reject) => {
    started = resolve;
    failed = reject;
  });
  ready.catch(() => undefined); // a failed start exits through runMain's crash handler
  const cleanups: (() => Promise<void> | void)[] = [];
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stop signal received');
    ready
      .then((server) => server.shutdown(config.SHUTDOWN_GRACE_MS))
      .then(async () => {
        for (const cleanup of cleanups) {
          try {
            await cleanup();
          } catch (error) {
            logger.error({ err: error }, 'shutdown cleanup failed');
          }
        }
      })
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
    // The heap V8 may grow to (in a container: sized by docker/node-entry.sh from its limit).
    const heapLimitMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
    logger.info({ node: process.version, heapLimitMiB }, 'process started');
    const worker = clusterWorkerId();
    const labels = { service: options.name, ...(worker === undefined ? {} : { worker: String(worker) }) };
    const metrics = new ServerMetrics({ labels, processMetrics: true });
    // A cluster worker's metrics are served, summed, by the primary; a lone process serves its own.
    if (isClusterWorker()) {
      shareMetricsWithPrimary(metrics.registry);
    } else {
      const running = await startMetricsServer(config.HOST, config.METRICS_PORT, {
        contentType: metrics.registry.contentType,
        collect: () => metrics.registry.metrics(),
      });
      logger.info({ port: running.port }, METRICS_LISTENING);
      cleanups.push(() => running.close());
    }
    const base: ProcessBase = { logger, metrics, security, onShutdown: (cleanup) => void cleanups.unshift(cleanup) };
    started(await options.start(config, base));
  } catch (error) {
    failed(error);
    throw error;
  }
}
