// One helper for tests: a real server on 127.0.0.1, port 0, stopped after the test.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import type { Logger } from './logger';
import type { ServiceServer } from './service-server';

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
async function withReflection<T>(address: string, use: (ask: (request: object) => Promise<ReflectionResponse>) => Promise<T>): Promise<T> {
  const grpc = await import('@grpc/grpc-js');
  const { loadSync } = await import('@grpc/proto-loader');
  const protoDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto');
  const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [protoDir], keepCase: true });
  const loaded = grpc.loadPackageDefinition(definition) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
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
export async function listServicesByReflection(address: string): Promise<string[]> {
  return withReflection(address, async (ask) => {
    const response = await ask({ list_services: '' });
    return (response.list_services_response?.service ?? []).map((s) => s.name).sort();
  });
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
export async function describeByReflection(address: string): Promise<Record<string, Record<string, DescribedMethod>>> {
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
  });
}

// tsx's ESM loader, for `node --import`. Launching through the tsx CLI instead puts a relay
// process in front of the service: it SIGKILLs a child that does not acknowledge a relayed
// signal within 30 ms (twice), so a busy service "exits" 143 instead of shutting down.
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

/** The command that runs a TypeScript entry from source in ONE process (signals reach it directly). */
export function tsMain(file: string): [command: string, args: string[]] {
  return [process.execPath, ['--import', TSX_LOADER, file]];
}

export interface ServiceProcess {
  /** The spawned process's pid (with tsMain, the service itself: no launcher in between). */
  pid: number;
  port: number;
  address: string;
  /** Every JSON log line the process printed so far. */
  logs: Record<string, unknown>[];
  /** Port of its /metrics endpoint, once logged. */
  readonly metricsPort: number | undefined;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnServiceOptions {
  cwd?: string;
  /**
   * Run it in a process group of its own and signal the whole group on stop: for launchers
   * (npx nx ... :serve, tsx watch) whose service is a grandchild.
   */
  processGroup?: boolean;
  /** The environment the test's env is laid over (default process.env). */
  baseEnv?: NodeJS.ProcessEnv;
}

/**
 * Starts a real service process (PORT=0 unless given) and resolves once it logs
 * "listening" with its bound port. Rejects with its output if it exits first.
 */
export async function spawnService(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
  { cwd, processGroup = false, baseEnv = process.env }: SpawnServiceOptions = {},
): Promise<ServiceProcess> {
  const child = spawn(command, args, {
    cwd,
    detached: processGroup,
    env: { ...baseEnv, HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const signal = (name: NodeJS.Signals) => {
    if (processGroup && child.pid !== undefined) process.kill(-child.pid, name);
    else child.kill(name);
  };
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal('SIGKILL');
      reject(new Error(`${command} did not start in ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening') {
          clearTimeout(timer);
          resolve(entry.port as number);
        }
      } catch {
        stderr += `${line}\n`;
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before listening:\n${stderr}`));
    });
  });
  return {
    pid: child.pid!,
    port,
    address: `127.0.0.1:${port}`,
    logs,
    get metricsPort() {
      return logs.find((entry) => entry.msg === 'metrics listening')?.port as number | undefined;
    },
    stop: (name = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) signal(name);
      return exited;
    },
  };
}

/** Runs a command to completion and returns its exit code and output (for start-up failures). */
export async function runToExit(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

/**
 * Bundles a service entry with tools/scripts/bundle-service.mjs into a fresh temp dir with
 * no node_modules anywhere above it, and returns the path of main.js to run with plain node.
 */
export async function bundleToTempDir(entry: string): Promise<string> {
  const root = resolve(__dirname, '../../..');
  const outdir = mkdtempSync(join(tmpdir(), 'bundle-'));
  const { code, stderr } = await runToExit(process.execPath, [join(root, 'tools/scripts/bundle-service.mjs'), entry, outdir]);
  if (code !== 0) throw new Error(`bundling ${entry} failed:\n${stderr}`);
  return join(outdir, 'main.js');
}

/** GETs a service's Prometheus /metrics page. */
export async function scrapeMetrics(port: number, host = '127.0.0.1'): Promise<string> {
  const response = await fetch(`http://${host}:${port}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
}

/** Sums the samples of one metric in Prometheus text whose labels include `labels`. */
export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[3] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) sum += Number(match[4]);
  }
  return sum;
}

/**
 * The Python that interop tests drive: Debian's python3 (a pyenv python3 on PATH cannot see
 * Debian's python3-grpcio), or INTEROP_PYTHON. `missing` says why it cannot run grpc, and the
 * reason is printed once so a skipped interop suite is never silent.
 */
export function interopPython(suite: string): { python: string; missing: boolean } {
  const python = process.env.INTEROP_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import grpc, grpc_tools'], { encoding: 'utf8' });
  const missing = probe.status !== 0;
  if (missing) {
    console.warn(
      `SKIPPED ${suite}: ${python} cannot import grpc/grpc_tools ` +
        `(apt-get install python3-grpcio python3-grpc-tools). ${probe.error?.message ?? probe.stderr.trim()}`,
    );
  }
  return { python, missing };
}
