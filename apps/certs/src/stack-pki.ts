// What the compose stack's one-shot certs step keeps in its volume, made on the first `up`
// and checked on every later one: a local CA, a certificate per service (its compose name,
// localhost and 127.0.0.1, and spiffe://grpc-ts/<service>), the demo client's certificate
// (spiffe://grpc-ts/client), a token signing key with its public JWKS, and the client's token.
// Whatever is missing, unusable, no longer signed by the CA, about to expire or (with
// rotate) due is made again; everything else is kept, so re-running it is safe. Private
// files are 0600, public ones 0644, each written aside and renamed into place, so a service
// that watches them (TLS_* and AUTH_JWKS_FILE are reloaded on change) never reads half a file.
import { createCertificateAuthority, createSigningKey, loadCertificateAuthority, loadSigningKey, signToken, type CertificateAuthority, type SigningKey } from '@grpc-ts/pki';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StackPkiPlan {
  /** The volume's mount point. */
  dir: string;
  /** Compose service names: each gets <name>.crt and <name>.key. */
  services: string[];
  /** iss and aud of the client's token (the services' AUTH_ISSUER / AUTH_AUDIENCE). */
  issuer: string;
  audience: string;
  /** Scopes of the client's token. */
  scopes: string[];
  caDays: number;
  certDays: number;
  tokenHours: number;
  /** Issue every certificate and the token again now (the CA and the signing key stay). */
  rotate?: boolean;
}

export type Action = 'kept' | 'created' | 'renewed';

export interface Outcome {
  file: string;
  action: Action;
  /** Why it was made again. */
  why?: string;
  /** Certificates and tokens; signing keys do not expire. */
  expires?: Date;
}

export const CA_FILE = 'ca.crt';
export const CA_KEY_FILE = 'ca.key';
export const JWKS_FILE = 'jwks.json';
export const SIGNING_KEY_FILE = 'signing-key.json';
export const TOKEN_FILE = 'client.token';
export const CLIENT = 'client';
export const TOKEN_SUBJECT = 'compose-client';
export const spiffeId = (name: string) => `spiffe://grpc-ts/${name}`;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export class StackPkiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackPkiError';
  }
}

interface Leaf {
  name: string;
  dns: string[];
  ips: string[];
  uris: string[];
  usage: 'both' | 'client';
}

/** The leaf certificates a plan asks for: one per service (serving, and its own health check), and the client's. */
export function leavesOf(services: string[]): Leaf[] {
  const seen = new Set<string>();
  for (const name of services) {
    if (!NAME.test(name)) throw new StackPkiError(`"${name}" is not a compose service name (lower-case letters, digits and -)`);
    if (name === CLIENT || name === 'ca' || name === 'signing-key') throw new StackPkiError(`"${name}" would overwrite the ${name} files`);
    if (seen.has(name)) throw new StackPkiError(`"${name}" is given twice`);
    seen.add(name);
  }
  return [
    ...services.map((name) => ({ name, dns: [name, 'localhost'], ips: ['127.0.0.1'], uris: [spiffeId(name)], usage: 'both' as const })),
    { name: CLIENT, dns: [], ips: [], uris: [spiffeId(CLIENT)], usage: 'client' },
  ];
}

/** How Node prints the SANs of a certificate issued for `leaf`. */
const subjectAltName = (leaf: Leaf) =>
  [...leaf.dns.map((d) => `DNS:${d}`), ...leaf.ips.map((ip) => `IP Address:${ip}`), ...leaf.uris.map((u) => `URI:${u}`)].join(', ');

export async function ensureStackPki(plan: StackPkiPlan): Promise<Outcome[]> {
  const leaves = leavesOf(plan.services);
  mkdirSync(plan.dir, { recursive: true });
  const path = (file: string) => join(plan.dir, file);
  const outcomes: Outcome[] = [];
  const now = Date.now();

  const { ca, outcome: caOutcome } = await ensureCa(plan, path, now);
  outcomes.push(caOutcome);
  const caCert = new X509Certificate(ca.cert);
  const certRenewMs = Math.min(7 * DAY_MS, (plan.certDays * DAY_MS) / 3);

  for (const leaf of leaves) {
    const certFile = `${leaf.name}.crt`;
    const why = plan.rotate ? 'rotation asked for' : leafProblem(path(certFile), path(`${leaf.name}.key`), leaf, caCert, now + certRenewMs);
    if (!why) {
      outcomes.push({ file: certFile, action: 'kept', expires: new Date(new X509Certificate(readFileSync(path(certFile))).validTo) });
      continue;
    }
    const notAfter = new Date(now + plan.certDays * DAY_MS);
    const issued = await ca.issue({ commonName: leaf.name, dns: leaf.dns, ips: leaf.ips, uris: leaf.uris, usage: leaf.usage, notAfter });
    // The key first: a watcher that reads between the two renames sees a mismatched set, says
    // so and keeps the previous one; it never serves a certificate whose key is not there.
    writePrivate(path(`${leaf.name}.key`), issued.key);
    writePublic(path(certFile), issued.cert);
    outcomes.push({ file: certFile, action: existsOrMissing(why), why, expires: notAfter });
  }

  const { key, created, outcome: keyOutcome } = await ensureSigningKey(path);
  outcomes.push(keyOutcome);
  outcomes.push(await ensureToken(plan, key, path(TOKEN_FILE), created));
  return outcomes;
}

const existsOrMissing = (why: string): Action => (why === 'missing' ? 'created' : 'renewed');

async function ensureCa(plan: StackPkiPlan, path: (file: string) => string, now: number): Promise<{ ca: CertificateAuthority; outcome: Outcome }> {
  const [certPath, keyPath] = [path(CA_FILE), path(CA_KEY_FILE)];
  const [hasCert, hasKey] = [existsSync(certPath), existsSync(keyPath)];
  let why: string | undefined;
  if (!hasCert && !hasKey) {
    why = 'missing';
  } else {
    if (!hasCert || !hasKey) {
      throw new StackPkiError(`${hasCert ? CA_KEY_FILE : CA_FILE} is missing beside ${hasCert ? CA_FILE : CA_KEY_FILE} in ${plan.dir}: remove both to start a new CA (docker compose down -v)`);
    }
    let ca: CertificateAuthority;
    try {
      ca = await loadCertificateAuthority(readFileSync(certPath, 'utf8'), readFileSync(keyPath, 'utf8'), plan.certDays);
    } catch (error) {
      throw new StackPkiError(`${CA_FILE} and ${CA_KEY_FILE} in ${plan.dir} do not form a CA (${(error as Error).message}): remove both to start a new one`);
    }
    const validTo = new Date(new X509Certificate(ca.cert).validTo);
    // A CA close to its end is replaced; every certificate is then issued again by the new one.
    if (validTo.getTime() - now < Math.min(30 * DAY_MS, (plan.caDays * DAY_MS) / 4)) why = `expires ${validTo.toISOString()}`;
    else return { ca, outcome: { file: CA_FILE, action: 'kept', expires: validTo } };
  }
  const ca = await createCertificateAuthority('grpc-ts compose CA', plan.caDays);
  writePrivate(keyPath, ca.key);
  writePublic(certPath, ca.cert);
  return { ca, outcome: { file: CA_FILE, action: existsOrMissing(why), why, expires: new Date(new X509Certificate(ca.cert).validTo) } };
}

/** Why the leaf on disk cannot stay; undefined when it can. */
function leafProblem(certPath: string, keyPath: string, leaf: Leaf, ca: X509Certificate, renewBy: number): string | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return 'missing';
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(certPath));
    if (!cert.checkPrivateKey(createPrivateKey(readFileSync(keyPath)))) return 'the key is not the certificate\'s';
  } catch {
    return 'unreadable';
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not signed by the current CA';
  if (cert.subjectAltName !== subjectAltName(leaf)) return `names changed (${cert.subjectAltName ?? 'none'})`;
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() < renewBy) return `expires ${validTo.toISOString()}`;
  return undefined;
}

async function ensureSigningKey(path: (file: string) => string): Promise<{ key: SigningKey; created: boolean; outcome: Outcome }> {
  const keyPath = path(SIGNING_KEY_FILE);
  const jwksPath = path(JWKS_FILE);
  let key: SigningKey | undefined;
  let why: string | undefined;
  if (!existsSync(keyPath)) {
    why = 'missing';
  } else {
    try {
      key = await loadSigningKey(JSON.parse(readFileSync(keyPath, 'utf8')));
    } catch (error) {
      why = `unusable (${(error as Error).message})`;
    }
  }
  const created = !key;
  if (!key) {
    key = await createSigningKey();
    writePrivate(keyPath, `${JSON.stringify(key.privateJwk)}\n`);
  }
  // The public half is derived from the private key; a missing or stale one is rewritten.
  const jwks = `${JSON.stringify(key.jwks, null, 2)}\n`;
  if (why || !existsSync(jwksPath) || readFileSync(jwksPath, 'utf8') !== jwks) {
    writePublic(jwksPath, jwks);
    why ??= 'public keys rewritten';
  }
  return { key, created, outcome: { file: JWKS_FILE, action: why ? existsOrMissing(why) : 'kept', ...(why ? { why } : {}) } };
}

async function ensureToken(plan: StackPkiPlan, key: SigningKey, tokenPath: string, newKey: boolean): Promise<Outcome> {
  const ttlMs = plan.tokenHours * HOUR_MS;
  const why = plan.rotate ? 'rotation asked for' : newKey && existsSync(tokenPath) ? 'new signing key' : await tokenProblem(plan, key, tokenPath, Math.min(HOUR_MS, ttlMs / 4));
  if (!why) {
    const exp = JSON.parse(Buffer.from(readFileSync(tokenPath, 'utf8').trim().split('.')[1]!, 'base64url').toString('utf8')).exp as number;
    return { file: TOKEN_FILE, action: 'kept', expires: new Date(exp * 1000) };
  }
  const token = await signToken(key, { subject: TOKEN_SUBJECT, issuer: plan.issuer, audience: plan.audience, scopes: plan.scopes, expiresInS: Math.round(ttlMs / 1000) });
  writePrivate(tokenPath, `${token}\n`);
  return { file: TOKEN_FILE, action: existsOrMissing(why), why, expires: new Date(Date.now() + ttlMs) };
}

async function tokenProblem(plan: StackPkiPlan, key: SigningKey, tokenPath: string, renewMs: number): Promise<string | undefined> {
  if (!existsSync(tokenPath)) return 'missing';
  try {
    const { payload } = await jwtVerify(readFileSync(tokenPath, 'utf8').trim(), createLocalJWKSet(key.jwks), { issuer: plan.issuer, audience: plan.audience });
    if (payload.scope !== plan.scopes.join(' ')) return `scopes changed (${String(payload.scope)})`;
    if (typeof payload.exp !== 'number' || payload.exp * 1000 - Date.now() < renewMs) return `expires ${new Date((payload.exp ?? 0) * 1000).toISOString()}`;
    return undefined;
  } catch (error) {
    return `does not verify (${(error as Error).message})`;
  }
}

function writeAside(file: string, content: string, mode: number): void {
  const aside = `${file}.tmp`;
  writeFileSync(aside, content, { mode });
  chmodSync(aside, mode); // whatever the umask
  renameSync(aside, file);
}

const writePrivate = (file: string, content: string) => writeAside(file, content, 0o600);
const writePublic = (file: string, content: string) => writeAside(file, content, 0o644);
