// @grpc-ts/server-kit: what a service app uses to be a gRPC service. (Tests: ./testing.)
export { ServiceServer, HEALTH_SERVICE, REFLECTION_SERVICES, type ServerLimits, type ServiceServerOptions, type ShutdownOutcome } from './service-server';
export { runService, limitsFromConfig, type RunServiceOptions, type ServiceBase } from './run-service';
export type {
  ServiceImpl,
  MethodImpl,
  UnaryImpl,
  ServerStreamImpl,
  ClientStreamImpl,
  BidiImpl,
  Stream,
  RequestOf,
  ResponseOf,
  ServiceDefinitionLike,
} from './service-impl';
export type { CallContext } from './context';
export type { MethodInfo, CallKind } from './method';
export {
  RpcError,
  invalidArgument,
  notFound,
  resourceExhausted,
  unavailable,
  deadlineExceeded,
  unimplemented,
  cancelled,
} from './errors';
export { executorEnv } from './executor-env';
// Settings and logs every service shares come from the runtime; re-exported so a service
// app depends on one kit.
export { baseServiceEnv, envBool, envEnum, envInt, envOptionalFile, envString, type Logger } from '@grpc-ts/runtime';
