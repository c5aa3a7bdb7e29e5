// The edge's settings: every service's base (HOST, PORT, limits, TLS, AUTH, ...) plus where
// the backends are, how calls to them are bounded, retried and secured. One default each, here.
import { baseServiceEnv, envBool, envInt, envOptionalFile, envOptionalString, envString } from '@grpc-ts/runtime';

/** A grpc-js target: dns:///host:port (every A record, round_robin), ipv4:a:p,b:p (a static list), or host:port. */
const TARGET = /^(dns:\/\/\/|ipv4:|ipv6:)?[\w.:[\],-]+$/;

export const edgeEnv = {
  // 8080 for HTTP; metrics on 9480 so `npm start` runs it beside prod-service (9464) and route-guide (9465).
  ...baseServiceEnv({ port: 8080, metricsPort: 9480 }),
  /** route-guide as a cluster: every address the name resolves to, balanced per call. */
  ROUTE_GUIDE_TARGET: envString({ default: 'dns:///localhost:50052', pattern: TARGET }),
  /** prod-service, the same way. */
  PROD_SERVICE_TARGET: envString({ default: 'dns:///localhost:50051', pattern: TARGET }),
  /** Outgoing deadline when the caller sent none (Connect-Timeout-Ms / grpc-timeout), unary calls. */
  EDGE_DEFAULT_TIMEOUT_MS: envInt({ default: 5_000, min: 1, max: 600_000 }),
  /** The same for ExploreArea streams. */
  EDGE_STREAM_DEFAULT_TIMEOUT_MS: envInt({ default: 300_000, min: 1, max: 86_400_000 }),
  /** Outgoing calls end this much before the caller's deadline, so the edge still answers in time. */
  EDGE_DEADLINE_MARGIN_MS: envInt({ default: 50, min: 0, max: 60_000 }),
  /** Longest timeout a caller may ask for (larger ones are INVALID_ARGUMENT). */
  EDGE_MAX_TIMEOUT_MS: envInt({ default: 86_400_000, min: 1, max: 86_400_000 }),
  /** GetFeature / GetProdStock calls one PlanTrip runs at once (bounded fan-out). */
  EDGE_FANOUT: envInt({ default: 8, min: 1, max: 1_000 }),
  /** Attempts per idempotent call (1 = no retry); gRPC caps it at 5. */
  EDGE_RETRY_MAX_ATTEMPTS: envInt({ default: 3, min: 1, max: 5 }),
  /** Backoff before the first retry (then x2 per attempt, jittered, up to EDGE_RETRY_MAX_BACKOFF_MS). */
  EDGE_RETRY_INITIAL_BACKOFF_MS: envInt({ default: 20, min: 1, max: 60_000 }),
  /** Longest backoff between retries. */
  EDGE_RETRY_MAX_BACKOFF_MS: envInt({ default: 500, min: 1, max: 600_000 }),
  /**
   * Retry throttling per backend (gRPC's token bucket, token ratio 0.1): retries stop while
   * fewer than half the tokens are left, so a backend that is down is not hammered.
   */
  EDGE_RETRY_THROTTLE_MAX_TOKENS: envInt({ default: 100, min: 1, max: 1_000 }),
  /** HTTP/2 keepalive pings to the backends (a dead replica is noticed without a call). */
  EDGE_KEEPALIVE_TIME_MS: envInt({ default: 20_000, min: 1_000, max: 3_600_000 }),
  /** How long such a ping may go unanswered before the backend connection is dropped. */
  EDGE_KEEPALIVE_TIMEOUT_MS: envInt({ default: 5_000, min: 100, max: 600_000 }),
  /** How often /readyz and grpc.health.v1 re-check that each backend answers its health check. */
  EDGE_READY_PROBE_INTERVAL_MS: envInt({ default: 2_000, min: 50, max: 600_000 }),
  /** Call the backends over TLS (EDGE_BACKEND_TLS_CA_FILE required); plaintext otherwise. */
  EDGE_BACKEND_TLS: envBool({ default: false }),
  /** PEM CA bundle the backends' certificates must chain to. */
  EDGE_BACKEND_TLS_CA_FILE: envOptionalFile(),
  /** The edge's client certificate and key (mutual TLS; its SAN, e.g. spiffe://grpc-ts/edge, is what backends trust). */
  EDGE_BACKEND_TLS_CERT_FILE: envOptionalFile(),
  /** PEM private key of EDGE_BACKEND_TLS_CERT_FILE. */
  EDGE_BACKEND_TLS_KEY_FILE: envOptionalFile(),
  /** The name the backends' certificates carry, when it is not the host in the target. */
  EDGE_BACKEND_TLS_SERVER_NAME: envOptionalString(),
  /** A bearer token (a file holding a JWT) sent on every backend call; re-read when it changes. */
  EDGE_BACKEND_TOKEN_FILE: envOptionalFile(),
  /** Where the built web page is (index.html, app.js); default: web/ beside main.js. */
  EDGE_WEB_DIR: envOptionalString(),
};
