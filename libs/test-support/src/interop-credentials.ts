// Credentials for interop clients from other stacks, made on the spot with @grpc-ts/pki and
// written to files (what a Python or Go client, or a service process, reads): a CA, a server
// certificate for a DNS name only (so the client must be told the name), a client certificate
// with a SPIFFE URI SAN, a JWKS and tokens. The clients all take the same flags: --ca, --cert,
// --key, --server-name, --token-file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InteropCredentialsOptions {
  /** The one name (DNS SAN) the server's certificate carries, e.g. route-guide.test. */
  serverName: string;
  issuer: string;
  audience: string;
  /** URI SAN of the client certificate. */
  clientId?: string;
}

export interface InteropClientOptions {
  /** Present the client certificate (mutual TLS); default true. */
  certificate?: boolean;
  /** Send a bearer token with these scopes, signed with the key of `files.jwks`; none when unset. */
  token?: { scopes: string[] };
}

export interface InteropCredentials {
  dir: string;
  serverName: string;
  issuer: string;
  audience: string;
  clientId: string;
  /** The files a server is configured with (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE, AUTH_JWKS_FILE). */
  files: { cert: string; key: string; clientCa: string; jwks: string };
  /** A service process's env: mutual TLS and tokens from these files, policies enforced. */
  serviceEnv(): Record<string, string>;
  /** An interop client's flags: TLS trusting the CA, the server name, and as `options` says, a client certificate and a token. */
  clientFlags(options?: InteropClientOptions): Promise<string[]>;
  remove(): void;
}

export async function interopCredentials({
  serverName,
  issuer,
  audience,
  clientId = 'spiffe://grpc-ts/interop-client',
}: InteropCredentialsOptions): Promise<InteropCredentials> {
  // Loaded here, not at the top: everything that imports test-support would pay for x509 and jose.
  const { createCertificateAuthority, createSigningKey, signToken } = await import('@grpc-ts/pki');
  const dir = mkdtempSync(join(tmpdir(), 'interop-credentials-'));
  const write = (name: string, content: string) => {
    writeFileSync(join(dir, name), content, { mode: 0o600 });
    return join(dir, name);
  };
  const [ca, signing] = await Promise.all([createCertificateAuthority('interop test CA'), createSigningKey()]);
  const [server, client] = await Promise.all([
    ca.issue({ commonName: serverName, dns: [serverName], usage: 'server' }),
    ca.issue({ commonName: 'interop client', uris: [clientId], usage: 'client' }),
  ]);
  const files = {
    cert: write('server.crt', server.cert),
    key: write('server.key', server.key),
    clientCa: write('ca.crt', ca.cert),
    jwks: write('jwks.json', JSON.stringify(signing.jwks)),
  };
  const clientCert = write('client.crt', client.cert);
  const clientKey = write('client.key', client.key);
  let tokens = 0;
  return {
    dir,
    serverName,
    issuer,
    audience,
    clientId,
    files,
    serviceEnv: () => ({
      PLAINTEXT: 'false',
      AUTH: 'on',
      TLS_CERT_FILE: files.cert,
      TLS_KEY_FILE: files.key,
      TLS_CLIENT_CA_FILE: files.clientCa,
      AUTH_JWKS_FILE: files.jwks,
      AUTH_ISSUER: issuer,
      AUTH_AUDIENCE: audience,
    }),
    clientFlags: async ({ certificate = true, token } = {}) => {
      const flags = [`--ca=${files.clientCa}`, `--server-name=${serverName}`];
      if (certificate) flags.push(`--cert=${clientCert}`, `--key=${clientKey}`);
      if (token) {
        const jwt = await signToken(signing, { subject: 'interop-user', issuer, audience, scopes: token.scopes });
        flags.push(`--token-file=${write(`token-${++tokens}`, jwt)}`);
      }
      return flags;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
