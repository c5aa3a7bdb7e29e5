// Public surface of @grpc-ts/protos. Generated code lives in ./gen (never edited by hand);
// each proto package is re-exported under its own namespace.
export * as prod from './prod';
export * as routeguide from './routeguide';
export * as health from './health';
export * as edge from './edge';
export * from './async-client';
export { checkHealth, type HealthCheckOptions, type HealthState } from './health-check';
export { protosPackageDefinition } from './descriptors';
export { idempotentMethods, protosRegistry, serviceDescriptor } from './registry';
