// @grpc-ts/server-kit: what a service app uses to be a gRPC service. (Tests: ./testing.)
export {
  ServiceServer,
  HEALTH_SERVICE,
  REFLECTION_SERVICES,
  type MethodPolicies,
  type ServerLimits,
  type ServerSecurity,
  type ServiceServerOptions,
  type ShutdownOutcome,
} from './service-server';
export { runService, limitsFromConfig, serverSecurity, type RunServiceOptions, type ServiceBase } from './run-service';
export type { CallerAuth } from './wrappers/authenticate';
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
export {
  baseServiceEnv,
  envBool,
  envEnum,
  envInt,
  envOptionalFile,
  envString,
  policy,
  type Caller,
  type Logger,
  type MethodPolicy,
} from '@grpc-ts/runtime';
