// A small certificate authority for tests and local stacks: a CA, and server / client
// certificates it signs (EC P-256), with the SANs, validity and serial a test asks for.
// Built on @peculiar/x509 over Node's WebCrypto; nothing here talks to a network.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it, once per process
import * as x509 from '@peculiar/x509';
import { X509Certificate, randomBytes, webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface IssuedCertificate {
  /** PEM certificate. */
  cert: string;
  /** PEM (PKCS#8) private key. */
  key: string;
  /** Serial number, hex, as Node's X509Certificate.serialNumber shows it. */
  serial: string;
}

export interface CertificateAuthority extends IssuedCertificate {
  issue(options: IssueOptions): Promise<IssuedCertificate>;
}

export interface IssueOptions {
  commonName: string;
  /** DNS names (SAN). */
  dns?: string[];
  /** IP addresses (SAN). */
  ips?: string[];
  /** URIs (SAN), e.g. spiffe://grpc-ts/edge: the identity services are authorized by. */
  uris?: string[];
  /** server, client, or both (extended key usage). */
  usage?: 'server' | 'client' | 'both';
  notBefore?: Date;
  notAfter?: Date;
}

/** 16 random bytes as a certificate serial, in the hex form Node's X509Certificate.serialNumber shows. */
export const randomSerial = (random: (size: number) => Buffer = randomBytes) => {
  const bytes = random(16);
  // A positive INTEGER with no leading zero byte (DER drops it, and Node's serialNumber with
  // it: a first byte of 0 made the serial read back shorter, 1 certificate in 128).
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex').toUpperCase();
};

async function pemKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

const generateKeys = () => webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;

/** A self-signed CA valid from an hour ago for `validDays`. */
export async function createCertificateAuthority(name = 'grpc-ts test CA', validDays = 1): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const serial = randomSerial();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial,
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + validDays * DAY_MS),
    keys: keys as never,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return authority(caCert, keys, await pemKey(keys.privateKey), validDays, serial);
}

/**
 * The CA a previous createCertificateAuthority made, from its PEM certificate and key (as a
 * local stack keeps them on disk), to issue more certificates with. Throws when the key is
 * not the certificate's or the certificate is not a CA.
 */
export async function loadCertificateAuthority(certPem: string, keyPem: string, validDays = 1): Promise<CertificateAuthority> {
  const caCert = new x509.X509Certificate(certPem);
  const basic = caCert.getExtension(x509.BasicConstraintsExtension);
  if (!basic?.ca) throw new Error('not a CA certificate (basicConstraints CA:TRUE missing)');
  const der = Buffer.from(keyPem.replace(/-----(BEGIN|END) PRIVATE KEY-----|\s/g, ''), 'base64');
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, true, ['sign']);
  const publicKey = await caCert.publicKey.export(webcrypto as never);
  const keys = { privateKey, publicKey } as CryptoKeyPair;
  // The key must be the certificate's: sign something and check it with the certificate's key.
  const probe = randomBytes(32);
  const signature = await webcrypto.subtle.sign(ALGORITHM, privateKey, probe);
  if (!(await webcrypto.subtle.verify(ALGORITHM, keys.publicKey, signature, probe))) {
    throw new Error("the CA key does not match the CA certificate");
  }
  return authority(caCert, keys, keyPem, validDays, new X509Certificate(certPem).serialNumber);
}

function authority(caCert: x509.X509Certificate, keys: CryptoKeyPair, keyPem: string, validDays: number, serial: string): CertificateAuthority {
  const issue = async (options: IssueOptions): Promise<IssuedCertificate> => {
    const leafKeys = await generateKeys();
    const leafSerial = randomSerial();
    const usage = options.usage ?? 'server';
    const purposes = [
      ...(usage !== 'client' ? [x509.ExtendedKeyUsage.serverAuth] : []),
      ...(usage !== 'server' ? [x509.ExtendedKeyUsage.clientAuth] : []),
    ];
    const names = [
      ...(options.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(options.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
      ...(options.uris ?? []).map((value) => ({ type: 'url' as const, value })),
    ];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: leafSerial,
      subject: `CN=${options.commonName}`,
      issuer: caCert.subject,
      notBefore: options.notBefore ?? new Date(Date.now() - 3_600_000),
      notAfter: options.notAfter ?? new Date(Date.now() + validDays * DAY_MS),
      publicKey: leafKeys.publicKey as never,
      signingKey: keys.privateKey as never,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(purposes),
        ...(names.length ? [new x509.SubjectAlternativeNameExtension(names)] : []),
        await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey as never),
      ],
    });
    return { cert: cert.toString('pem'), key: await pemKey(leafKeys.privateKey), serial: leafSerial };
  };
  return { cert: caCert.toString('pem'), key: keyPem, serial, issue };
}
