// The CLI's transport security and credentials: TLS (server-only or mutual) and a bearer
// token, from flags or the environment. Files are read and checked before any call, so a
// missing, unparsable, mismatched or expired file is one line naming its flag (or variable),
// not a handshake failure that says nothing about which file was wrong.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TlsOptions } from '@grpc-ts/protos';
import { Option, type Command } from 'commander';
import { CliError, EXIT_USAGE } from './cli-error';

/** The flags as commander hands them over (paths, not contents). */
export interface SecurityFlags {
  tls?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  serverName?: string;
  token?: string;
  tokenFile?: string;
}

/** Which credentials a run uses: what error hints may point at. */
export interface SecurityInUse {
  tls: boolean;
  ca: boolean;
  cert: boolean;
  token: boolean;
}

export interface ClientSecurity {
  /** false: plaintext. */
  tls: TlsOptions | false;
  token?: string;
  inUse: SecurityInUse;
}

export const PLAINTEXT: ClientSecurity = { tls: false, inUse: { tls: false, ca: false, cert: false, token: false } };

// Flag -> environment variable. CLIENT_TLS is read by hand: commander would turn any value,
// "false" included, into true for a flag without an argument.
const ENV = {
  tls: 'CLIENT_TLS',
  ca: 'CLIENT_CA_FILE',
  cert: 'CLIENT_CERT_FILE',
  key: 'CLIENT_KEY_FILE',
  serverName: 'CLIENT_SERVER_NAME',
  token: 'CLIENT_TOKEN',
  tokenFile: 'CLIENT_TOKEN_FILE',
} as const;

export function addSecurityOptions(program: Command): Command {
  return program
    .option('--tls', `use TLS (env ${ENV.tls}=true); implied by --ca, --cert, --key and --server-name`)
    .addOption(new Option('--ca <file>', "PEM CA certificates the server's certificate must chain to (default: the system's roots)").env(ENV.ca))
    .addOption(new Option('--cert <file>', 'PEM client certificate, for mutual TLS (with --key)').env(ENV.cert))
    .addOption(new Option('--key <file>', 'PEM private key of --cert').env(ENV.key))
    .addOption(
      new Option('--server-name <name>', "the name the server's certificate must hold, when it is not the target's host").env(ENV.serverName),
    )
    .addOption(new Option('--token <jwt>', 'bearer token sent with every call (visible in ps: prefer --token-file or the env)').env(ENV.token))
    .addOption(new Option('--token-file <file>', 'read the bearer token from a file').env(ENV.tokenFile));
}

/** Where commander took a value from: 'cli', 'env', 'default', ... */
type Source = string | undefined;

/** Reads and checks the files the flags name; throws a CliError (exit 2) naming the flag or variable. */
export function loadClientSecurity(
  given: SecurityFlags,
  sourceOf: (flag: keyof SecurityFlags) => Source,
  env: NodeJS.ProcessEnv = process.env,
): ClientSecurity {
  // An empty value (CLIENT_CA_FILE= in a container's env) is unset, so one can be blanked.
  const flags = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== '')) as SecurityFlags;
  const name = (flag: keyof SecurityFlags) => {
    const option = `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return sourceOf(flag) === 'env' ? ENV[flag] : option;
  };
  const fail = (message: string): never => {
    throw new CliError(message, EXIT_USAGE);
  };
  const read = (flag: 'ca' | 'cert' | 'key' | 'tokenFile'): Buffer | undefined => {
    const path = flags[flag];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      return fail(`${name(flag)} (${path}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };

  const tlsFromEnv = parseBool(env[ENV.tls]);
  if (tlsFromEnv === 'invalid') fail(`${ENV.tls}="${env[ENV.tls]}" is not true or false (also 1/0, yes/no)`);
  const ca = read('ca');
  const cert = read('cert');
  const key = read('key');
  if (cert && !key) fail(`${name('cert')} needs ${name('cert') === ENV.cert ? ENV.key : '--key'} (the certificate's private key)`);
  if (key && !cert) fail(`${name('key')} needs ${name('key') === ENV.key ? ENV.cert : '--cert'} (the certificate of that key)`);
  if (ca) checkCa(ca, `${name('ca')} (${flags.ca})`, fail);
  if (cert && key) checkClientCertificate(cert, key, `${name('cert')} (${flags.cert})`, `${name('key')} (${flags.key})`, fail);

  const token = pickToken(flags, sourceOf, name, read, fail);
  const tls = Boolean(flags.tls || tlsFromEnv === true || ca || cert || flags.serverName);
  const options: TlsOptions = {
    ...(ca ? { ca } : {}),
    ...(cert && key ? { cert, key } : {}),
    ...(flags.serverName ? { serverName: flags.serverName } : {}),
  };
  return {
    tls: tls ? options : false,
    ...(token ? { token } : {}),
    inUse: { tls, ca: Boolean(ca), cert: Boolean(cert), token: Boolean(token) },
  };
}

function parseBool(raw: string | undefined): boolean | undefined | 'invalid' {
  if (raw === undefined || raw.trim() === '') return undefined;
  const lowered = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(lowered)) return true;
  if (['false', '0', 'no'].includes(lowered)) return false;
  return 'invalid';
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function checkCa(ca: Buffer, what: string, fail: (message: string) => never): void {
  const pems = ca.toString('utf8').match(PEM_CERT) ?? [];
  if (pems.length === 0) fail(`${what} holds no PEM certificate`);
  for (const pem of pems) {
    try {
      new X509Certificate(pem);
    } catch {
      fail(`${what} holds a certificate that does not parse`);
    }
  }
}

function checkClientCertificate(cert: Buffer, key: Buffer, certWhat: string, keyWhat: string, fail: (message: string) => never): void {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    return fail(`${certWhat} is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    return fail(`${keyWhat} is not a PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) fail(`${keyWhat} is not the private key of ${certWhat}`);
  const now = Date.now();
  const validTo = new Date(x509.validTo);
  const validFrom = new Date(x509.validFrom);
  if (validTo.getTime() <= now) fail(`${certWhat}: the client certificate expired on ${validTo.toISOString()}; the server would refuse it`);
  if (validFrom.getTime() > now) fail(`${certWhat}: the client certificate is not valid before ${validFrom.toISOString()}`);
}

function pickToken(
  flags: SecurityFlags,
  sourceOf: (flag: keyof SecurityFlags) => Source,
  name: (flag: keyof SecurityFlags) => string,
  read: (flag: 'tokenFile') => Buffer | undefined,
  fail: (message: string) => never,
): string | undefined {
  // A flag wins over the environment; two flags (or two variables) at once are a mistake.
  let use: 'token' | 'tokenFile' | undefined;
  if (flags.token !== undefined && flags.tokenFile !== undefined) {
    const [a, b] = [sourceOf('token'), sourceOf('tokenFile')];
    if (a === b) fail(`${name('token')} and ${name('tokenFile')} are exclusive: give one`);
    use = a === 'cli' ? 'token' : 'tokenFile';
  } else {
    use = flags.token !== undefined ? 'token' : flags.tokenFile !== undefined ? 'tokenFile' : undefined;
  }
  if (!use) return undefined;
  const raw = use === 'token' ? flags.token! : read('tokenFile')!.toString('utf8');
  const what = use === 'token' ? name('token') : `${name('tokenFile')} (${flags.tokenFile})`;
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  if (token === '') fail(`${what} is empty`);
  if (/\s/.test(token)) fail(`${what} must hold one token (a JWT, no spaces)`);
  return token;
}
