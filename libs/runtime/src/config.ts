// The settings every service shares: one place for each default.
import { envEnum, envInt, envString } from './env-vars';
import { securityEnv } from './security-env';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The settings every service shares; a service spreads this into its own spec. The default
 * metrics port follows the gRPC port (50051 -> 9464, 50052 -> 9465, ...) so services started
 * side by side on one machine (npm start) do not collide.
 */
export function baseServiceEnv(defaults: { port: number; metricsPort?: number }) {
  const offset = defaults.port - 50051;
  const metricsPort = defaults.metricsPort ?? (offset >= 0 && offset < 1000 ? 9464 + offset : 9464);
  return {
    HOST: envString({ default: '0.0.0.0', pattern: /^[\w.:[\]-]+$/ }),
    PORT: envInt({ default: defaults.port, min: 0, max: 65535 }),
    LOG_LEVEL: envEnum(LOG_LEVELS, { default: 'info' }),
    /** How long in-flight calls may take to finish after SIGTERM before the server forces shutdown. */
    SHUTDOWN_GRACE_MS: envInt({ default: 10_000, min: 0, max: 600_000 }),
    ...limitsEnv(metricsPort),
    ...securityEnv(),
  };
}

/** Limits, server processes and metrics: part of every service's base settings. */
export function limitsEnv(metricsPort = 9464) {
  return {
    /** Server-wide limit on active RPCs; 0 = unlimited. Health and reflection are exempt. */
    MAX_CONCURRENT_RPCS: envInt({ default: 1000, min: 0, max: 1_000_000 }),
    /** RPCs that may wait for a slot when the limit is reached; 0 = reject at once. */
    RPC_QUEUE_SIZE: envInt({ default: 0, min: 0, max: 1_000_000 }),
    /** How long a queued RPC waits for a slot before RESOURCE_EXHAUSTED. */
    RPC_QUEUE_TIMEOUT_MS: envInt({ default: 1000, min: 1, max: 600_000 }),
    /** Most concurrent client connections (HTTP/2 sessions) per process; 0 = unlimited. */
    MAX_CONNECTIONS: envInt({ default: 1000, min: 0, max: 1_000_000 }),
    /**
     * A stream (client, server or bidi) that sends and receives no message for this long ends
     * with DEADLINE_EXCEEDED and gives back its slot, whatever its deadline; 0 = no limit.
     */
    STREAM_IDLE_TIMEOUT_MS: envInt({ default: 30_000, min: 0, max: 86_400_000 }),
    /**
     * A connection that has not sent the HTTP/2 preface and SETTINGS this long after it was
     * accepted is closed (a client that connects and stays silent frees its place); 0 = never.
     */
    HANDSHAKE_TIMEOUT_MS: envInt({ default: 10_000, min: 0, max: 600_000 }),
    /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: concurrent calls on one connection; 0 = grpc-js's default (no limit). */
    MAX_CONCURRENT_STREAMS: envInt({ default: 100, min: 0, max: 1_000_000 }),
    /** Server processes sharing the port (Node cluster); 1 = no cluster. */
    WORKERS: envInt({ default: 1, min: 1, max: 256 }),
    /** Port of the Prometheus /metrics endpoint (0 = any free port). */
    METRICS_PORT: envInt({ default: metricsPort, min: 0, max: 65535 }),
  };
}
