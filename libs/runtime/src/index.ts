// @grpc-ts/runtime: the transport-agnostic parts of a service process.
export {
  ConfigError,
  envBool,
  envEnum,
  envInt,
  envOptionalFile,
  envOptionalString,
  envString,
  readConfig,
  type ConfigOf,
  type EnvVar,
} from './env-vars';
export { LOG_LEVELS, baseServiceEnv, limitsEnv, type LogLevel } from './config';
export {
  REFLECTION_MODES,
  securityEnv,
  securitySettings,
  type AuthSettings,
  type ReflectionMode,
  type SecuritySettings,
  type TransportSettings,
} from './security-env';
export { TlsMaterialError, readTlsMaterial, watchTlsMaterial, type TlsFiles, type TlsMaterial, type TlsWatcher } from './tls-material';
export { ANONYMOUS, identitiesOf, type Caller } from './auth/caller';
export { deny, policy, type Denial, type MethodPolicy } from './auth/policy';
export { EDGE_IDENTITY } from './auth/identities';
export { TokenError, TokenVerifier, type TokenRejection, type TokenVerifierOptions } from './auth/token-verifier';
export { createLogger, type Logger } from './logger';
export { LISTENING, METRICS_LISTENING } from './log-events';
export { ServerMetrics, type CallRecorder, type ServerMetricsOptions } from './metrics';
export { startMetricsServer, type MetricsSource, type RunningMetricsServer } from './metrics-server';
export { clusterWorkerId, isClusterWorker, runClustered, shareMetricsWithPrimary, type ClusterOptions } from './cluster';
export { clusterConnectionSource } from './cluster-connections';
export { runMain, type BaseConfig, type ProcessBase, type RunMainOptions, type Stoppable } from './main';
export { statusName } from './status-codes';
export {
  admit,
  callerAuthOf,
  limitsFromConfig,
  watchSecurityFiles,
  type Admission,
  type CallerAuth,
  type ServerLimits,
} from './serving';
