// A project service with one setting changed (--variants): the same bundle, started with one
// environment variable more, measured in the same rounds as the service at its defaults and as
// bare grpc-js. Where the service's extra CPU per call goes, one setting at a time.

/** Variant name -> the environment it adds to the service's, and what that switches off. */
export const VARIANTS = {
  'no-connection-limit': {
    env: { MAX_CONNECTIONS: '0', HANDSHAKE_TIMEOUT_MS: '0' },
    what: 'our listener (net.Server + createConnectionInjector) without maxConnections and without the handshake deadline',
  },
  'default-streams': {
    env: { MAX_CONCURRENT_STREAMS: '0' },
    what: 'grpc.max_concurrent_streams unset (grpc-js default: no limit) instead of 100',
  },
  'no-reflection': {
    env: { REFLECTION: 'off' },
    what: 'no reflection services registered (health always is)',
  },
  'no-limiter': {
    env: { MAX_CONCURRENT_RPCS: '0' },
    what: 'no concurrency limiter (call metrics stay)',
  },
  'all-off': {
    env: { MAX_CONNECTIONS: '0', HANDSHAKE_TIMEOUT_MS: '0', MAX_CONCURRENT_STREAMS: '0', REFLECTION: 'off', MAX_CONCURRENT_RPCS: '0' },
    what: 'all of the above at once (call metrics, /metrics and the per-call wrappers stay)',
  },
} as const satisfies Record<string, { env: Record<string, string>; what: string }>;

export type VariantId = keyof typeof VARIANTS;
export const ALL_VARIANTS = Object.keys(VARIANTS) as VariantId[];

/** "KEY=value KEY2=value2": the environment a variant changes. */
export const variantEnvText = (variant: VariantId) =>
  Object.entries(VARIANTS[variant].env)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
