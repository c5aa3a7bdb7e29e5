// What every gRPC service's main does: runtime's process lifecycle (config, logs, cluster,
// /metrics, signals) around a ServiceServer built by the service and bound here. The
// transport-agnostic parts (limits from config, caller authentication, watching the security
// files) live in @grpc-ts/runtime, which the edge's Connect server uses too.
import {
  callerAuthOf,
  limitsFromConfig,
  runMain,
  watchSecurityFiles,
  type BaseConfig,
  type ConfigOf,
  type EnvVar,
  type Logger,
  type SecuritySettings,
  type ServerLimits,
  type ServerMetrics,
} from '@grpc-ts/runtime';
import type { ServerSecurity, ServiceServer, ServiceServerOptions } from './service-server';

export { limitsFromConfig };

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

/** The server's security from the checked settings (files already read and matched). */
export function serverSecurity(settings: SecuritySettings): ServerSecurity {
  const { transport, reflection } = settings;
  return { tls: transport.kind === 'tls' ? transport.material : undefined, auth: callerAuthOf(settings), reflection };
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
      watchSecurityFiles(settings, security.auth, (material) => server.updateTls(material), logger, base.onShutdown);
      return server;
    },
  });
}
