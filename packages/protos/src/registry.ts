// The protos as @bufbuild/protobuf descriptors, read from the embedded descriptor set: what a
// transport other than grpc-js needs to serve a service it has no generated code for
// (grpc.health.v1 on the edge's Connect server), and the method options ts-proto's
// definitions leave out (idempotency_level, which retry policies are built from).
import { createFileRegistry, fromBinary, type DescService, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema, MethodOptions_IdempotencyLevel } from '@bufbuild/protobuf/wkt';
import { descriptorSetBase64 } from './gen/descriptor-set';

let cached: FileRegistry | undefined;

/** Every file of packages/protos/proto, grpc.health.v1 and grpc.reflection, as one registry. */
export function protosRegistry(): FileRegistry {
  cached ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, 'base64')));
  return cached;
}

/** A service's descriptor by its full name ("grpc.health.v1.Health"); throws if it is not there. */
export function serviceDescriptor(typeName: string): DescService {
  const service = protosRegistry().getService(typeName);
  if (!service) throw new Error(`no service ${typeName} in the embedded descriptor set`);
  return service;
}

/**
 * The methods of `typeName` a client may safely repeat, as "/pkg.Service/Method" paths:
 * those the .proto marks `idempotency_level = NO_SIDE_EFFECTS` or `IDEMPOTENT`. Everything
 * else (RecordRoute, say) is never retried.
 */
export function idempotentMethods(typeName: string): string[] {
  return serviceDescriptor(typeName)
    .methods.filter(
      (method) =>
        method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS || method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT,
    )
    .map((method) => `/${typeName}/${method.name}`);
}
