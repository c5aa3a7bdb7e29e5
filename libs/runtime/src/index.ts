// @grpc-ts/runtime: the transport-agnostic parts of a service process.
export {
  ConfigError,
  LOG_LEVELS,
  baseServiceEnv,
  envBool,
  envEnum,
  envInt,
  envOptionalFile,
  envString,
  limitsEnv,
  readConfig,
  type ConfigOf,
  type EnvVar,
  type LogLevel,
} from './config';
export { createLogger, type Logger } from './logger';
export { LISTENING, METRICS_LISTENING } from './log-events';
export { ServerMetrics, type CallRecorder, type ServerMetricsOptions } from './metrics';
export { startMetricsServer, type MetricsSource, type RunningMetricsServer } from './metrics-server';
export { clusterWorkerId, isClusterWorker, runClustered, shareMetricsWithPrimary, type ClusterOptions } from './cluster';
export { runMain, type BaseConfig, type ProcessBase, type RunMainOptions, type Stoppable } from './main';
export { statusName } from './status-codes';
