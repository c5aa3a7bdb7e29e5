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
  /** The default as the docs show it; undefined: required. */
  readonly default?: string;
}

/** What every env* helper takes about its default: the value, and how docs show it when it depends on the machine. */
interface DefaultOptions<T> {
  default?: T;
  /** Shown in the generated docs instead of the value (e.g. "the machine's cores"). */
  defaultText?: string;
}

const shownDefault = <T>(opts: DefaultOptions<T>) => opts.defaultText ?? (opts.default === undefined ? undefined : String(opts.default));

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

export function envInt(opts: DefaultOptions<number> & { min?: number; max?: number } = {}): EnvVar<number> {
  const min = opts.min ?? Number.MIN_SAFE_INTEGER;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  return {
    describe: `an integer from ${min} to ${max}`,
    default: shownDefault(opts),
    parse: (raw) =>
      withDefault(raw, opts.default, (text) => {
        if (!/^-?\d+$/.test(text.trim())) throw new Error('is not an integer');
        const value = Number(text);
        if (value < min || value > max) throw new Error('is out of range');
        return value;
      }),
  };
}

export function envString(opts: DefaultOptions<string> & { pattern?: RegExp } = {}): EnvVar<string> {
  return {
    describe: opts.pattern ? `a string matching ${opts.pattern}` : 'a non-empty string',
    default: shownDefault(opts),
    parse: (raw) =>
      withDefault(raw, opts.default, (text) => {
        if (opts.pattern && !opts.pattern.test(text)) throw new Error('has the wrong form');
        return text;
      }),
  };
}

export function envEnum<const T extends string>(values: readonly T[], opts: DefaultOptions<T> = {}): EnvVar<T> {
  return {
    describe: `one of ${values.join(', ')}`,
    default: shownDefault(opts),
    parse: (raw) =>
      withDefault(raw, opts.default, (text) => {
        if (!(values as readonly string[]).includes(text)) throw new Error('is not allowed');
        return text as T;
      }),
  };
}

export function envBool(opts: DefaultOptions<boolean> = {}): EnvVar<boolean> {
  return {
    describe: 'true or false (also 1/0, yes/no)',
    default: shownDefault(opts),
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
    default: '',
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

/** An optional string ('' when unset). */
export function envOptionalString(): EnvVar<string> {
  return { describe: 'a string, or unset', default: '', parse: (raw) => raw ?? '' };
}
