// What every service's main does: read validated config, build, bind, and shut down
// gracefully on SIGTERM/SIGINT. Apps call runService and nothing else.
import { ConfigError, readConfig, type ConfigOf, type EnvVar, type LogLevel } from './config';
import { createLogger, type Logger } from './logger';
import type { ServiceServer } from './service-server';

interface BaseConfig {
  HOST: string;
  PORT: number;
  LOG_LEVEL: LogLevel;
  SHUTDOWN_GRACE_MS: number;
}

export interface RunServiceOptions<S extends Record<string, EnvVar<unknown>>> {
  name: string;
  env: S;
  build: (config: ConfigOf<S>, logger: Logger) => ServiceServer | Promise<ServiceServer>;
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

  let server: ServiceServer;
  try {
    server = await options.build(config, logger);
    await server.listen(config.HOST, config.PORT);
  } catch (error) {
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }

  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stop signal received');
    server.shutdown(config.SHUTDOWN_GRACE_MS).then(
      () => process.exit(0),
      crash('shutdown failed'),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
