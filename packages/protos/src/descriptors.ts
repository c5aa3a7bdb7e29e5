// The package definition of every proto in this package, built from the embedded
// descriptor set: server reflection needs it, and ts-proto output does not carry one.
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from '@grpc/proto-loader';
import { descriptorSetBase64 } from './gen/descriptor-set';

let cached: PackageDefinition | undefined;

export function protosPackageDefinition(): PackageDefinition {
  cached ??= loadFileDescriptorSetFromBuffer(Buffer.from(descriptorSetBase64, 'base64'), {
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return cached;
}
