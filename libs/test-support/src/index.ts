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
