// The package definition of every proto in this package (plus grpc.health.v1 and
// grpc.reflection), built from the embedded descriptor set: server reflection needs it, and
// ts-proto output does not carry one.
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from '@grpc/proto-loader';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { descriptorSetBase64 } from './gen/descriptor-set';

let cached: PackageDefinition | undefined;

/** The serialized FileDescriptorProtos of a FileDescriptorSet (field 1), bytes as buf wrote them. */
function filesOf(set: Uint8Array): Buffer[] {
  const reader = new BinaryReader(set);
  const files: Buffer[] = [];
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (field === 1 && wireType === WireType.LengthDelimited) files.push(Buffer.from(reader.bytes()));
    else reader.skip(wireType);
  }
  return files;
}

export function protosPackageDefinition(): PackageDefinition {
  if (cached) return cached;
  const set = Buffer.from(descriptorSetBase64, 'base64');
  const definition = loadFileDescriptorSetFromBuffer(set, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
  // proto-loader re-derives each entry's files from protobufjs, which writes type references
  // relative ("Point", not ".routeguide.Point"); reflection serves these bytes, and clients
  // that build a registry from them (buf curl, grpcurl, Postman) cannot resolve relative
  // names. Serve buf's own, fully qualified files instead.
  const files = filesOf(set);
  for (const entry of Object.values(definition)) {
    if ('fileDescriptorProtos' in entry) entry.fileDescriptorProtos = files;
  }
  cached = definition;
  return cached;
}
