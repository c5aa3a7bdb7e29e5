// The edge process: runtime's lifecycle (validated config with exit 2, JSON logs, /metrics,
// cluster workers, graceful shutdown on SIGTERM) around the Connect server.
import { callerAuthOf, ConfigError, limitsFromConfig, runMain, watchSecurityFiles } from '@grpc-ts/runtime';
import { join } from 'node:path';
import { connectBackends } from './backends';
import { backendTls } from './backend-tls';
import { edgeEnv } from './config';
import { EdgeServer } from './edge-server';
import { loadWebAssets } from './web-assets';

void runMain({
  name: 'edge',
  env: edgeEnv,
  start: async (config, base) => {
    const { logger, metrics, security } = base;
    const backendSecurity = backendTls(config);
    if (backendSecurity.problems.length > 0) {
      process.stderr.write(`edge: ${new ConfigError(backendSecurity.problems).message}\n`);
      process.exit(2);
    }
    if (security.transport.kind === 'plaintext') logger.warn({}, 'serving PLAINTEXT: no TLS (local development only)');
    if (!backendSecurity.tls) logger.warn({}, 'calling the backends in PLAINTEXT (EDGE_BACKEND_TLS=false; local development only)');
    const webDir = config.EDGE_WEB_DIR || join(__dirname, 'web');
    const web = loadWebAssets(webDir);
    if (web.size === 0) logger.warn({ webDir }, 'no web page found: / answers 404 (build it: npx nx run edge:build-web)');
    const backends = connectBackends({
      routeGuideTarget: config.ROUTE_GUIDE_TARGET,
      prodServiceTarget: config.PROD_SERVICE_TARGET,
      retry: {
        maxAttempts: config.EDGE_RETRY_MAX_ATTEMPTS,
        initialBackoffMs: config.EDGE_RETRY_INITIAL_BACKOFF_MS,
        maxBackoffMs: config.EDGE_RETRY_MAX_BACKOFF_MS,
        throttleMaxTokens: config.EDGE_RETRY_THROTTLE_MAX_TOKENS,
      },
      keepaliveTimeMs: config.EDGE_KEEPALIVE_TIME_MS,
      keepaliveTimeoutMs: config.EDGE_KEEPALIVE_TIMEOUT_MS,
      tls: backendSecurity.tls,
      tokenFile: config.EDGE_BACKEND_TOKEN_FILE || undefined,
    });
    const auth = callerAuthOf(security);
    const server = new EdgeServer({
      backends,
      logger,
      metrics,
      limits: limitsFromConfig(config),
      auth,
      tls: security.transport.kind === 'tls' ? security.transport.material : undefined,
      web,
      readyProbeIntervalMs: config.EDGE_READY_PROBE_INTERVAL_MS,
      maxTimeoutMs: config.EDGE_MAX_TIMEOUT_MS,
      unary: { defaultTimeoutMs: config.EDGE_DEFAULT_TIMEOUT_MS, marginMs: config.EDGE_DEADLINE_MARGIN_MS },
      stream: { defaultTimeoutMs: config.EDGE_STREAM_DEFAULT_TIMEOUT_MS, marginMs: config.EDGE_DEADLINE_MARGIN_MS },
      fanout: config.EDGE_FANOUT,
    });
    await server.listen(config.HOST, config.PORT);
    watchSecurityFiles(security, auth, (material) => server.updateTls(material), logger, base.onShutdown);
    return server;
  },
});
