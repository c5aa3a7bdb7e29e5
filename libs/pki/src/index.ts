// @grpc-ts/pki: certificates and signing keys made on the spot, for tests and local stacks.
export { createCertificateAuthority, type CertificateAuthority, type IssuedCertificate, type IssueOptions } from './certificates';
export { createSigningKey, signToken, type SigningKey, type TokenClaims } from './tokens';
