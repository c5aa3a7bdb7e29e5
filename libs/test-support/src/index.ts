// @grpc-ts/test-support: what tests (and the benchmark) share, whatever they test.
export { waitFor, defer, type Deferred } from './wait';
export {
  LOCAL_SERVICE_ENV,
  tsMain,
  spawnService,
  runToExit,
  bundleToTempDir,
  type ServiceProcess,
  type SpawnServiceOptions,
} from './processes';
export { scrapeMetrics, sumSamples } from './metrics-text';
export { interopPython } from './interop';
export { interopCredentials, type InteropClientOptions, type InteropCredentials, type InteropCredentialsOptions } from './interop-credentials';
export { grpcFrame, rawCall, rawSession, type RawCall, type RawCallOptions } from './raw-grpc';
// Certificates and tokens made on the spot, for tests of TLS and auth (projects whose tags
// keep them off libraries, like the contracts, reach them through here).
export { createCertificateAuthority, createSigningKey, signToken, type CertificateAuthority, type IssuedCertificate, type SigningKey } from '@grpc-ts/pki';
