import { baseServiceEnv } from '../src/config';
import { ConfigError, envBool, envEnum, envInt, envOptionalFile, readConfig } from '../src/env-vars';

describe('readConfig', () => {
  const spec = { ...baseServiceEnv({ port: 50051 }), VERBOSE: envBool({ default: false }) };

  it('applies defaults', () => {
    expect(readConfig(spec, {})).toEqual({
      HANDSHAKE_TIMEOUT_MS: 10000,
      MAX_CONNECTION_IDLE_MS: 30_000,
      KEEPALIVE_TIME_MS: 60_000,
      KEEPALIVE_TIMEOUT_MS: 20_000,
      MAX_METADATA_BYTES: 8_192,
      MAX_SESSION_MEMORY_MB: 16,
      HOST: '0.0.0.0',
      PORT: 50051,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: 10_000,
      STREAM_IDLE_TIMEOUT_MS: 30_000,
      MAX_CONCURRENT_RPCS: 1000,
      RPC_QUEUE_SIZE: 0,
      RPC_QUEUE_TIMEOUT_MS: 1000,
      MAX_CONNECTIONS: 1000,
      MAX_CONCURRENT_STREAMS: 100,
      MAX_CONNECTION_AGE_MS: 300_000,
      MAX_CONNECTION_AGE_GRACE_MS: 60_000,
      WORKERS: 1,
      METRICS_PORT: 9464,
      PLAINTEXT: false,
      TLS_CERT_FILE: '',
      TLS_KEY_FILE: '',
      TLS_CLIENT_CA_FILE: '',
      TLS_RELOAD_INTERVAL_MS: 2000,
      AUTH: 'on',
      AUTH_JWKS_FILE: '',
      AUTH_JWT_PUBLIC_KEY_FILE: '',
      AUTH_ISSUER: '',
      AUTH_AUDIENCE: '',
      AUTH_CLOCK_SKEW_S: 30,
      REFLECTION: 'authenticated',
      VERBOSE: false,
    });
  });

  it('defaults the metrics port after the gRPC port, so services side by side do not collide', () => {
    expect(readConfig(baseServiceEnv({ port: 50052 }), {}).METRICS_PORT).toBe(9465);
    expect(readConfig(baseServiceEnv({ port: 50053 }), {}).METRICS_PORT).toBe(9466);
    expect(readConfig(baseServiceEnv({ port: 8080 }), {}).METRICS_PORT).toBe(9464);
    expect(readConfig(baseServiceEnv({ port: 50052, metricsPort: 9999 }), {}).METRICS_PORT).toBe(9999);
  });

  it('parses given values', () => {
    const config = readConfig(spec, { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'debug', VERBOSE: 'yes' });
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 0, LOG_LEVEL: 'debug', VERBOSE: true });
  });

  it('reports every bad variable by name, with what it got and what it expects', () => {
    let error: unknown;
    try {
      readConfig(spec, { PORT: '70000', LOG_LEVEL: 'loud', SHUTDOWN_GRACE_MS: '1.5', VERBOSE: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(4);
    expect(message).toContain('PORT is out of range (got "70000"; expected an integer from 0 to 65535)');
    expect(message).toContain('LOG_LEVEL is not allowed (got "loud"; expected one of fatal, error, warn, info, debug, trace, silent)');
    expect(message).toContain('SHUTDOWN_GRACE_MS is not an integer');
    expect(message).toContain('VERBOSE is not a boolean');
  });

  it('requires variables without a default', () => {
    expect(() => readConfig({ TOKEN: envEnum(['a', 'b']) }, {})).toThrow('TOKEN is required (got unset');
    expect(() => readConfig({ N: envInt() }, { N: 'x' })).toThrow('N is not an integer');
  });

  it('checks that a file setting names a readable file', () => {
    expect(readConfig({ DATA: envOptionalFile() }, {})).toEqual({ DATA: '' });
    expect(readConfig({ DATA: envOptionalFile() }, { DATA: __filename })).toEqual({ DATA: __filename });
    expect(() => readConfig({ DATA: envOptionalFile() }, { DATA: '/no/such/file.json' })).toThrow(
      'DATA does not name a readable file',
    );
  });
});
