// @grpc-ts/pki: certificates and signing keys made on the spot, for tests and local stacks.
export {
  createCertificateAuthority,
  loadCertificateAuthority,
  type CertificateAuthority,
  type IssuedCertificate,
  type IssueOptions,
} from './certificates';
export { createSigningKey, loadSigningKey, signToken, type SigningKey, type TokenClaims } from './tokens';
