// Certificates and keys on disk, for serving TLS: read and checked as a set (a missing,
// unreadable, unparsable or mismatched file is a problem naming its variable), and watched
// so a rotated set is picked up without a restart. A half-written rotation (new certificate,
// old key) is reported and the previous set stays in use until the files agree again.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  cert: string;
  key: string;
  /** CA bundle that client certificates must chain to (mutual TLS); none = no client certificate asked. */
  clientCa?: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
  /** The serving certificate's serial number (hex), to see which one a connection got. */
  serial: string;
  validTo: Date;
}

/** The variables the files come from, for messages. */
export interface TlsFileNames {
  cert: string;
  key: string;
  clientCa: string;
}

const DEFAULT_NAMES: TlsFileNames = { cert: 'TLS_CERT_FILE', key: 'TLS_KEY_FILE', clientCa: 'TLS_CLIENT_CA_FILE' };

export class TlsMaterialError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'TlsMaterialError';
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function read(path: string, name: string, problems: string[]): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    problems.push(`${name} cannot be read (${path}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return undefined;
  }
}

/** Reads and checks the set; throws TlsMaterialError listing every problem. */
export function readTlsMaterial(files: TlsFiles, names: TlsFileNames = DEFAULT_NAMES, now = new Date()): TlsMaterial {
  const problems: string[] = [];
  const cert = read(files.cert, names.cert, problems);
  const key = read(files.key, names.key, problems);
  const clientCa = files.clientCa ? read(files.clientCa, names.clientCa, problems) : undefined;
  let x509: X509Certificate | undefined;
  if (cert) {
    try {
      x509 = new X509Certificate(cert);
    } catch {
      problems.push(`${names.cert} (${files.cert}) is not a PEM certificate`);
    }
  }
  if (key) {
    try {
      const privateKey = createPrivateKey(key);
      if (x509 && !x509.checkPrivateKey(privateKey)) problems.push(`${names.key} does not match the certificate in ${names.cert}`);
    } catch {
      problems.push(`${names.key} (${files.key}) is not a PEM private key`);
    }
  }
  if (x509) {
    const validTo = new Date(x509.validTo);
    const validFrom = new Date(x509.validFrom);
    if (validTo.getTime() <= now.getTime()) problems.push(`${names.cert} expired on ${validTo.toISOString()}`);
    if (validFrom.getTime() > now.getTime()) problems.push(`${names.cert} is not valid before ${validFrom.toISOString()}`);
  }
  if (clientCa) {
    const pems = clientCa.toString('utf8').match(PEM_CERT) ?? [];
    if (pems.length === 0) problems.push(`${names.clientCa} (${files.clientCa}) holds no PEM certificate`);
    for (const pem of pems) {
      try {
        new X509Certificate(pem);
      } catch {
        problems.push(`${names.clientCa} (${files.clientCa}) holds a certificate that does not parse`);
        break;
      }
    }
  }
  if (problems.length === 0) {
    try {
      createSecureContext({ cert, key, ca: clientCa });
    } catch (error) {
      problems.push(`${names.cert} / ${names.key}: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0 || !cert || !key || !x509) throw new TlsMaterialError(problems);
  return { cert, key, clientCa, serial: x509.serialNumber, validTo: new Date(x509.validTo) };
}

export interface TlsWatcher {
  close(): void;
}

/**
 * Polls the files every `intervalMs` (fs.watchFile: it follows renames and symlink swaps,
 * as Kubernetes secret volumes rotate) and calls `onChange` with a checked new set, or
 * `onError` when the files on disk do not form a valid set right now.
 */
export function watchTlsMaterial(
  files: TlsFiles,
  intervalMs: number,
  onChange: (material: TlsMaterial) => void,
  onError: (error: Error) => void,
  names: TlsFileNames = DEFAULT_NAMES,
): TlsWatcher {
  const paths = [files.cert, files.key, ...(files.clientCa ? [files.clientCa] : [])];
  let pending = false;
  const reload = () => {
    // Several files change together: read once, after this turn's events.
    if (pending) return;
    pending = true;
    setImmediate(() => {
      pending = false;
      try {
        onChange(readTlsMaterial(files, names));
      } catch (error) {
        onError(error as Error);
      }
    });
  };
  const listener = (current: { mtimeMs: number; ino: number }, previous: { mtimeMs: number; ino: number }) => {
    if (current.mtimeMs !== previous.mtimeMs || current.ino !== previous.ino) reload();
  };
  for (const path of paths) watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return { close: () => paths.forEach((path) => unwatchFile(path, listener)) };
}
