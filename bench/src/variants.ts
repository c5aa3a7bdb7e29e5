// A project service with one thing changed (--variants): the same bundle, started with a few
// environment variables more, measured in the same rounds as the service at its defaults and as
// bare grpc-js. Two kinds: a setting switched off (where the service's extra CPU per call goes,
// one setting at a time), and the transport (what TLS costs against the plaintext defaults).

/** Setting variant name -> the environment it adds to the service's, and what that switches off. */
export const SETTING_VARIANTS = {
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

/**
 * Transport variant name -> its environment and the TLS files it is given (made by the bench at
 * start-up, see tls.ts). AUTH=off as in the plaintext defaults, so only the transport differs.
 * `unary: false`: h2load cannot present a client certificate, so mutual TLS is measured streaming only.
 */
export const TRANSPORT_VARIANTS = {
  tls: {
    env: { PLAINTEXT: 'false', AUTH: 'off' },
    files: ['TLS_CERT_FILE', 'TLS_KEY_FILE'],
    unary: true,
    what: 'TLS (server certificate from a CA the bench makes at start-up), AUTH=off as in the plaintext defaults',
  },
  mtls: {
    env: { PLAINTEXT: 'false', AUTH: 'off' },
    files: ['TLS_CERT_FILE', 'TLS_KEY_FILE', 'TLS_CLIENT_CA_FILE'],
    unary: false,
    what: 'mutual TLS: TLS + every client presents a certificate of the same CA, AUTH=off; streaming only (h2load has no client-certificate option)',
  },
} as const satisfies Record<string, { env: Record<string, string>; files: readonly string[]; unary: boolean; what: string }>;

export type SettingVariantId = keyof typeof SETTING_VARIANTS;
export type TransportVariantId = keyof typeof TRANSPORT_VARIANTS;
export type VariantId = SettingVariantId | TransportVariantId;

export const VARIANTS: Record<VariantId, { env: Record<string, string>; what: string }> = { ...SETTING_VARIANTS, ...TRANSPORT_VARIANTS };
export const SETTING_VARIANT_IDS = Object.keys(SETTING_VARIANTS) as SettingVariantId[];
export const TRANSPORT_VARIANT_IDS = Object.keys(TRANSPORT_VARIANTS) as TransportVariantId[];
/** Every variant name --variants knows ("all" stands for the setting variants only). */
export const ALL_VARIANTS: VariantId[] = [...SETTING_VARIANT_IDS, ...TRANSPORT_VARIANT_IDS];

export const isTransportVariant = (variant: VariantId): variant is TransportVariantId => variant in TRANSPORT_VARIANTS;
export const isSettingVariant = (variant: VariantId): variant is SettingVariantId => variant in SETTING_VARIANTS;
/** Whether h2load can load the variant (everything but mutual TLS). */
export const measuresUnary = (variant: VariantId) => !isTransportVariant(variant) || TRANSPORT_VARIANTS[variant].unary;

/** "KEY=value KEY2=value2": the environment a variant changes (TLS file variables as KEY=<file>). */
export const variantEnvText = (variant: VariantId) =>
  [
    ...Object.entries(VARIANTS[variant].env).map(([key, value]) => `${key}=${value}`),
    ...(isTransportVariant(variant) ? TRANSPORT_VARIANTS[variant].files.map((key) => `${key}=<file>`) : []),
  ].join(' ');
