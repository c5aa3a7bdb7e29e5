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
    /** Address to bind (0.0.0.0: every IPv4 interface; :: for IPv6). */
    HOST: envString({ default: '0.0.0.0', pattern: /^[\w.:[\]-]+$/ }),
    /** gRPC port to bind; 0 picks a free one (logged in the `listening` line). */
    PORT: envInt({ default: defaults.port, min: 0, max: 65535 }),
    /** JSON logs (pino) on stdout from this level up. */
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
    /**
     * Server-wide limit on active RPCs; 0 = unlimited. A call takes a slot when it arrives and
     * gives it back exactly once when it finishes, fails, is cancelled or passes its deadline;
     * streams hold theirs for their whole life; over the limit: RESOURCE_EXHAUSTED "server is at
     * its limit of N concurrent RPCs; retry later". Health and reflection are exempt. It
     * also caps the unary and server-streaming calls left waiting for their request (headers
     * in, message or half-close not, for over a second): the oldest beyond it are reset.
     */
    MAX_CONCURRENT_RPCS: envInt({ default: 1000, min: 0, max: 1_000_000 }),
    /** RPCs that may wait for a slot when the limit is reached; 0 = reject at once. */
    RPC_QUEUE_SIZE: envInt({ default: 0, min: 0, max: 1_000_000 }),
    /** How long a queued RPC waits for a slot before RESOURCE_EXHAUSTED. */
    RPC_QUEUE_TIMEOUT_MS: envInt({ default: 1000, min: 1, max: 600_000 }),
    /**
     * Most concurrent client connections (HTTP/2 sessions) per process; 0 = unlimited. Sockets
     * are accepted on the kit's own listener and handed to grpc-js, so extra ones are closed
     * before any TLS or HTTP/2 work (the client sees UNAVAILABLE).
     */
    MAX_CONNECTIONS: envInt({ default: 1000, min: 0, max: 1_000_000 }),
    /**
     * A stream (client, server or bidi) that sends and receives no message for this long ends
     * with DEADLINE_EXCEEDED and gives back its slot, whatever its deadline; a call whose
     * request has not arrived this long after its headers (no handler yet) is reset;
     * 0 = no limit.
     */
    STREAM_IDLE_TIMEOUT_MS: envInt({ default: 30_000, min: 0, max: 86_400_000 }),
    /**
     * A connection that has not sent the HTTP/2 preface and SETTINGS this long after it was
     * accepted is closed (a client that connects and stays silent frees its place); 0 = never.
     */
    HANDSHAKE_TIMEOUT_MS: envInt({ default: 10_000, min: 0, max: 600_000 }),
    /**
     * A connection with no call open for this long is closed (GOAWAY; clients reconnect on
     * their next call), so an idle or abandoned connection frees its place; 0 = never.
     */
    MAX_CONNECTION_IDLE_MS: envInt({ default: 30_000, min: 0, max: 86_400_000 }),
    /**
     * A connection is asked to go away (GOAWAY: its calls finish, new ones go to a new
     * connection) after about this long (+-10%), and the client reconnects, re-resolving the
     * name: after a scale-out, load spreads onto the new replicas (and workers) within this
     * time, and no connection holds its resources for ever; 0 = never.
     */
    MAX_CONNECTION_AGE_MS: envInt({ default: 300_000, min: 0, max: 2_000_000_000 }),
    /** After that GOAWAY, calls still running on the old connection get this long to finish; 0 = no limit. */
    MAX_CONNECTION_AGE_GRACE_MS: envInt({ default: 60_000, min: 0, max: 2_000_000_000 }),
    /**
     * The server pings every connection this often and closes one whose ping goes unanswered
     * for KEEPALIVE_TIMEOUT_MS: a peer that vanished without closing (no FIN) frees its place;
     * 0 = no pings.
     */
    KEEPALIVE_TIME_MS: envInt({ default: 60_000, min: 0, max: 2_000_000_000 }),
    /** How long a keepalive ping may go unanswered before the connection is closed. */
    KEEPALIVE_TIMEOUT_MS: envInt({ default: 20_000, min: 1, max: 600_000 }),
    /**
     * Most bytes of request metadata (HTTP/2 headers, uncompressed) one call may send; a call
     * with more is reset before any handler runs (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE).
     */
    MAX_METADATA_BYTES: envInt({ default: 8_192, min: 1_024, max: 16_777_216 }),
    /**
     * Memory one connection's HTTP/2 session may hold, in MiB (grpc-node.max_session_memory):
     * past it the connection's new calls are refused (RESOURCE_EXHAUSTED) until it drains.
     */
    MAX_SESSION_MEMORY_MB: envInt({ default: 16, min: 1, max: 65_536 }),
    /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS: concurrent calls on one connection; 0 = grpc-js's default (no limit). */
    MAX_CONCURRENT_STREAMS: envInt({ default: 100, min: 0, max: 1_000_000 }),
    /** Server processes sharing the port (Node cluster); 1 = no cluster. */
    WORKERS: envInt({ default: 1, min: 1, max: 256 }),
    /** Port of the Prometheus /metrics endpoint (0 = any free port). */
    METRICS_PORT: envInt({ default: metricsPort, min: 0, max: 65535 }),
  };
}
