// Test helpers for gRPC services: a real server on 127.0.0.1, port 0, stopped after the
// test; a CallContext for calling handlers directly; what reflection clients see.
import type { ChannelCredentials } from '@grpc/grpc-js';
import { dirname, join } from 'node:path';
import pino from 'pino';
import type { Logger } from '@grpc-ts/runtime';
import type { ServiceServer } from './service-server';

export { testContext, type TestContextOptions } from './context';
import { policy } from '@grpc-ts/runtime';
import type { MethodPolicies } from './service-server';
import type { ServiceDefinitionLike } from './service-impl';

/** Every method public: for test servers whose subject is not authorization. */
export function publicPolicies<D extends ServiceDefinitionLike>(definition: D): MethodPolicies<D> {
  return Object.fromEntries(Object.keys(definition).map((key) => [key, policy.public()])) as MethodPolicies<D>;
}

export interface RunningTestServer {
  address: string;
  port: number;
  server: ServiceServer;
  stop(graceMs?: number): Promise<void>;
}

export async function startTestServer(server: ServiceServer): Promise<RunningTestServer> {
  const port = await server.listen('127.0.0.1', 0);
  return {
    address: `127.0.0.1:${port}`,
    port,
    server,
    stop: async (graceMs = 0) => {
      await server.shutdown(graceMs);
    },
  };
}

/** A logger for tests: silent unless TEST_LOG_LEVEL is set. */
export function testLogger(): Logger {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
}

type ReflectionResponse = {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
};

/**
 * One grpc.reflection.v1 stream, as grpcurl or buf curl opens it: `ask` sends a request and
 * resolves with its answer (requests are answered in order).
 */
async function withReflection<T>(
  address: string,
  use: (ask: (request: object) => Promise<ReflectionResponse>) => Promise<T>,
  channel?: ChannelCredentials,
): Promise<T> {
  const grpc = await import('@grpc/grpc-js');
  const { loadSync } = await import('@grpc/proto-loader');
  const protoDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');
  const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [protoDir], keepCase: true });
  const loaded = grpc.loadPackageDefinition(definition) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, channel ?? grpc.credentials.createInsecure());
  const call = client.ServerReflectionInfo();
  const pending: { resolve: (r: ReflectionResponse) => void; reject: (e: Error) => void }[] = [];
  call.on('data', (response: ReflectionResponse) => pending.shift()?.resolve(response));
  call.on('error', (error: Error) => pending.splice(0).forEach((p) => p.reject(error)));
  const ask = (request: object) =>
    new Promise<ReflectionResponse>((resolve, reject) => {
      pending.push({ resolve, reject });
      call.write(request);
    });
  try {
    return await use(ask);
  } finally {
    call.end();
    client.close();
  }
}

/** Lists services through grpc.reflection.v1 (what grpcurl does): proof that reflection works. */
export async function listServicesByReflection(address: string, channel?: ChannelCredentials): Promise<string[]> {
  return withReflection(
    address,
    async (ask) => {
      const response = await ask({ list_services: '' });
      if (response.error_response) throw new Error(response.error_response.error_message);
      return (response.list_services_response?.service ?? []).map((s) => s.name).sort();
    },
    channel,
  );
}

export interface DescribedMethod {
  input: string;
  output: string;
  /** Field names of the input and output messages. */
  inputFields: string[];
  outputFields: string[];
  clientStreaming: boolean;
  serverStreaming: boolean;
}

/**
 * Describes every listed service the way reflection clients do: fetches each service's file
 * (and its imports) by symbol, builds a registry from them (which fails on any type name
 * it cannot resolve) and reads each method's request and response messages.
 */
export async function describeByReflection(
  address: string,
  channel?: ChannelCredentials,
): Promise<Record<string, Record<string, DescribedMethod>>> {
  const { create, createFileRegistry, fromBinary } = await import('@bufbuild/protobuf');
  const { FileDescriptorProtoSchema, FileDescriptorSetSchema } = await import('@bufbuild/protobuf/wkt');
  return withReflection(address, async (ask) => {
    const listed = await ask({ list_services: '' });
    const names = (listed.list_services_response?.service ?? []).map((s) => s.name);
    const described: Record<string, Record<string, DescribedMethod>> = {};
    for (const name of names) {
      const response = await ask({ file_containing_symbol: name });
      if (response.error_response) throw new Error(`reflection has no file for ${name}: ${response.error_response.error_message}`);
      const files = (response.file_descriptor_response?.file_descriptor_proto ?? []).map((bytes) =>
        fromBinary(FileDescriptorProtoSchema, bytes),
      );
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files }));
      const service = registry.getService(name);
      if (!service) throw new Error(`the file reflection sent for ${name} does not define it`);
      described[name] = Object.fromEntries(
        service.methods.map((method) => [
          method.name,
          {
            input: method.input.typeName,
            output: method.output.typeName,
            inputFields: method.input.fields.map((field) => field.name),
            outputFields: method.output.fields.map((field) => field.name),
            clientStreaming: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
            serverStreaming: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
          },
        ]),
      );
    }
    return described;
  }, channel);
}
