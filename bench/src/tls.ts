// The TLS material of a run with transport variants (--variants tls,mtls): a throw-away CA, a
// server certificate for 127.0.0.1 and a client certificate, made with @grpc-ts/pki at start-up
// and written to a temp dir the suite removes at the end. Nothing is kept or reused between runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority } from '@grpc-ts/pki';

export interface PemFile {
  file: string;
  pem: string;
}

export interface BenchTls {
  dir: string;
  /** The CA every certificate here chains to: the clients' trust root and the server's TLS_CLIENT_CA_FILE. */
  ca: PemFile;
  /** Server certificate (SAN IP 127.0.0.1, serverAuth) and key: TLS_CERT_FILE, TLS_KEY_FILE. */
  server: { cert: PemFile; key: PemFile };
  /** Client certificate (clientAuth) and key, presented to a mutual-TLS target. */
  client: { cert: PemFile; key: PemFile };
  remove(): void;
}

/** Makes the CA and the two certificates and writes them to a new temp dir. */
export async function createBenchTls(): Promise<BenchTls> {
  const ca = await createCertificateAuthority('grpc-ts bench CA');
  const server = await ca.issue({ commonName: 'bench server', ips: ['127.0.0.1'], usage: 'server' });
  const client = await ca.issue({ commonName: 'bench client', usage: 'client' });
  const dir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  const write = (name: string, pem: string): PemFile => {
    const file = join(dir, name);
    writeFileSync(file, pem, { mode: 0o600 });
    return { file, pem };
  };
  return {
    dir,
    ca: write('ca.pem', ca.cert),
    server: { cert: write('server.pem', server.cert), key: write('server-key.pem', server.key) },
    client: { cert: write('client.pem', client.cert), key: write('client-key.pem', client.key) },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
