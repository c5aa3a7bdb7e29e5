import { accessSync, constants } from 'node:fs';

// Typed, validated configuration from environment variables. Every problem is collected and
// reported at once, each naming its variable, so a bad deployment fails at start, clearly.

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface EnvVar<T> {
  /** Parses the raw value (undefined when unset); returns the value or throws a message. */
  parse(raw: string | undefined): T;
  describe: string;
}

type Spec = Record<string, EnvVar<unknown>>;
export type ConfigOf<S extends Spec> = { readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

export function readConfig<S extends Spec>(spec: S, env: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    const raw = env[name];
    try {
      config[name] = variable.parse(raw === '' ? undefined : raw);
    } catch (error) {
      const shown = raw === undefined ? 'unset' : JSON.stringify(raw);
      problems.push(`${name} ${(error as Error).message} (got ${shown}; expected ${variable.describe})`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config as ConfigOf<S>;
}

function withDefault<T>(raw: string | undefined, fallback: T | undefined, parse: (raw: string) => T): T {
  if (raw === undefined) {
    if (fallback === undefined) throw new Error('is required');
    return fallback;
  }
  return parse(raw);
}

export function envInt(opts: { default?: number; min?: number; max?: number } = {}): EnvVar<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return {
    describe: `an integer from ${min} to ${max}`,
    parse: (raw) =>
      withDefault(raw, opts.default, (text) => {
        if (!/^-?\d+$/.test(text.trim())) throw new Error('is not an integer');
        const value = Number(text);
        if (value < min || value > max) throw new Error('is out of range');
        return value;
      }),
  };
}

export function envString(opts: { default?: string; pattern?: RegExp } = {}): EnvVar<string> {
  return {
    describe: opts.pattern ? `a string matching ${opts.pattern}` : 'a non-empty string',
    parse: (raw) =>
      withDefault(raw, opts.default, (text) => {
        if (opts.pattern && !opts.pattern.test(text)) throw new Error('has the wrong form');
        return text;
      }),
  };
}

export function envEnum<const T extends string>(values: readonly T[], opts: { default?: T } = {}): EnvVar<T> {
  return {
    describe: `one of ${values.join(', ')}`,
    parse: (raw) =>
      withDefault(raw, opts.default, (text) => {
        if (!(values as readonly string[]).includes(text)) throw new Error('is not allowed');
        return text as T;
      }),
  };
}

export function envBool(opts: { default?: boolean } = {}): EnvVar<boolean> {
  return {
    describe: 'true or false (also 1/0, yes/no)',
    parse: (raw) =>
      withDefault(raw, opts.default, (text) => {
        const lowered = text.trim().toLowerCase();
        if (['true', '1', 'yes'].includes(lowered)) return true;
        if (['false', '0', 'no'].includes(lowered)) return false;
        throw new Error('is not a boolean');
      }),
  };
}

/** An optional path to a readable file; '' when unset. Checked at start so a typo fails fast. */
export function envOptionalFile(): EnvVar<string> {
  return {
    describe: 'the path of a readable file, or unset',
    parse: (raw) => {
      if (raw === undefined) return '';
      try {
        accessSync(raw, constants.R_OK);
      } catch {
        throw new Error('does not name a readable file');
      }
      return raw;
    },
  };
}

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
