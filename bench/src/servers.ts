// Builds and starts each benchmark target as its own process pinned to the server core, and
// waits for its JSON 'listening' line. Node targets are bundled with the project's own
// bundler and run with plain node, exactly as the services ship.
import { LISTENING } from '@grpc-ts/runtime';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pinned } from './pinning';
import { isSameOrDescendant } from './server-cpu';
import type { BenchTls, PemFile } from './tls';
import { TRANSPORT_VARIANTS, VARIANTS, isTransportVariant, variantEnvText, type VariantId } from './variants';
import { FEATURES_FILE, PROTO_DIR, REPO_ROOT, STOCK_FILE, grpcFrame, type BenchPayloads } from './payloads';

export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

export type ServiceId = 'prod-service' | 'route-guide';
/**
 * 'bare-grpc-js-2' is a second bare grpc-js process, measured like the others: identical
 * servers differ by 10-30% in CPU per call on this machine (V8's young generation settles
 * differently per process), so its ratio to bare grpc-js is the floor under every other ratio.
 */
export type BaseTargetId = ServiceId | 'bare-grpc-js' | 'bare-grpc-js-2' | 'raw-http2' | 'python-grpcio' | 'edge';
/** A base target, or a project service with one setting changed ("route-guide:no-connection-limit"). */
export type TargetId = BaseTargetId | `${ServiceId}:${VariantId}`;

export const SERVICES: readonly ServiceId[] = ['prod-service', 'route-guide'];
export const isService = (id: TargetId): id is ServiceId => (SERVICES as readonly string[]).includes(id);
export const baseOf = (id: TargetId): BaseTargetId => id.split(':')[0] as BaseTargetId;
export const variantOf = (id: TargetId): VariantId | undefined => (id.includes(':') ? (id.split(':')[1] as VariantId) : undefined);
export const variantTarget = (service: ServiceId, variant: VariantId): TargetId => `${service}:${variant}`;
/** A project service at its defaults or with a variant: has /metrics and logs its limits. */
export const isProjectService = (id: TargetId) => isService(baseOf(id));

/** What a client needs to reach a TLS target: the CA to trust and, for mutual TLS, its own certificate. */
export interface TargetTls {
  ca: PemFile;
  client?: { cert: PemFile; key: PemFile };
}

/** Where a target listens and how to talk to it (absent tls: plaintext). */
export interface Endpoint {
  address: string;
  tls?: TargetTls;
}

export interface TargetSpec {
  id: TargetId;
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Set for a TLS target: what its clients trust and present. */
  tls?: TargetTls;
}

export interface RunningTarget {
  id: TargetId;
  /** The server process (taskset execs it, so this is the server itself): its CPU is read from /proc. */
  pid: number;
  port: number;
  address: string;
  /** The address and, for a TLS target, what a client trusts and presents. */
  endpoint: Endpoint;
  /** Every JSON line the process printed on stdout (for the project services: their start-up logs). */
  logs: Record<string, unknown>[];
  /** The process spawned (taskset execs the server, so it is the server itself). */
  spawnedPid: number;
  /**
   * The processes serving: the pid of every 'listening' line (one process, unless a service runs
   * cluster workers), each checked to be the spawned process or to run under it. Server CPU is
   * read from these.
   */
  serverPids(): number[];
  /**
   * SIGSTOP / SIGCONT to the target's processes. While another target is measured the idle
   * ones are paused: an idle project service still wakes ~100 times a second (prom-client's
   * event-loop delay monitor) and uses ~0.7% of the server core, which with --variants is a
   * dozen processes sharing the core with the one being measured.
   */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

export function pythonGrpcProblem(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools; print(grpc.__version__)'], { encoding: 'utf8' });
  if (probe.status === 0) return undefined;
  return `${PYTHON} cannot import grpc/grpc_tools (apt-get install python3-grpcio python3-grpc-tools): ${probe.error?.message ?? probe.stderr.trim()}`;
}

export interface Bundles {
  /** id -> bundled main.js */
  files: Record<string, string>;
  /** id -> why it did not bundle (the others still run) */
  failures: Record<string, string>;
  dir: string;
}

/** Bundles entry points into a temp dir with tools/scripts/bundle-service.mjs. */
export function bundle(entries: Record<string, string>): Bundles {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bundles-'));
  const bundles: Bundles = { files: {}, failures: {}, dir };
  for (const [id, entry] of Object.entries(entries)) {
    const outdir = join(dir, id);
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'tools/scripts/bundle-service.mjs'), entry, outdir], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    if (result.status === 0) bundles.files[id] = join(outdir, 'main.js');
    else bundles.failures[id] = `bundling ${entry} failed:\n${result.stderr.slice(-4000)}`;
  }
  return bundles;
}

/** The bundle a target runs (the second bare grpc-js runs the first one's). */
export const bundleOf = (id: TargetId): string => (baseOf(id) === 'bare-grpc-js-2' ? 'bare-grpc-js' : baseOf(id));

export const BUNDLE_ENTRIES = {
  'prod-service': 'apps/prod-service/src/main.ts',
  'route-guide': 'apps/route-guide/src/main.ts',
  'bare-grpc-js': 'bench/src/targets/bare-grpc-js.ts',
  'raw-http2': 'bench/src/targets/raw-http2.ts',
  'stream-client': 'bench/src/stream-client.ts',
  edge: 'apps/edge/src/main.ts',
} as const;

// The project services get only what the issue allows: where to listen. Limits, metrics and
// log level stay at their defaults, which is the point of the comparison.
// The services' own defaults are TLS and enforced auth; the capacity figures are for the plaintext path (--variants tls,mtls
// measures the TLS path beside it, see variants.ts).
const SERVICE_ENV = { HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', PLAINTEXT: 'true', AUTH: 'off' };

/** The environment of a transport variant: TLS on, AUTH off, and the files it needs. */
function transportEnv(id: TargetId, variant: VariantId, tls: BenchTls | undefined): { env: Record<string, string>; tls?: TargetTls } {
  if (!isTransportVariant(variant)) return { env: VARIANTS[variant].env };
  if (!tls) throw new Error(`${id} needs the bench's TLS files (createBenchTls)`);
  const files: Record<string, string> = { TLS_CERT_FILE: tls.server.cert.file, TLS_KEY_FILE: tls.server.key.file, TLS_CLIENT_CA_FILE: tls.ca.file };
  const { env, files: wanted } = TRANSPORT_VARIANTS[variant];
  const mutual = (wanted as readonly string[]).includes('TLS_CLIENT_CA_FILE');
  return {
    env: { ...env, ...Object.fromEntries(wanted.map((key) => [key, files[key]!])) },
    tls: { ca: tls.ca, ...(mutual ? { client: tls.client } : {}) },
  };
}

export function targetSpec(
  id: TargetId,
  bundles: Record<string, string>,
  payloads: BenchPayloads,
  pythonWorkers = 10,
  tls?: BenchTls,
): TargetSpec {
  const node = process.execPath;
  const bundled = (name: string) => {
    const file = bundles[name];
    if (!file) throw new Error(`${name} was not bundled`);
    return file;
  };
  const base = baseOf(id);
  const variant = variantOf(id);
  if (variant) {
    if (!isService(base) || !(variant in VARIANTS)) throw new Error(`unknown target ${id}`);
    const transport = transportEnv(id, variant, tls);
    return { id, command: node, args: [bundled(base)], env: { ...SERVICE_ENV, ...transport.env }, ...(transport.tls ? { tls: transport.tls } : {}) };
  }
  switch (base) {
    case 'prod-service':
    case 'route-guide':
      return { id, command: node, args: [bundled(id)], env: SERVICE_ENV };
    case 'edge':
      // Its backends' targets are added by edge-bench.ts, which starts them.
      return { id, command: node, args: [bundled(id)], env: SERVICE_ENV };
    case 'bare-grpc-js':
    case 'bare-grpc-js-2':
      return { id, command: node, args: [bundled(bundleOf(id)), STOCK_FILE, FEATURES_FILE], env: { PORT: '0' } };
    case 'raw-http2': {
      const answers = Object.fromEntries(
        Object.values(payloads.unary).map((call) => [call.path, grpcFrame(call.response).toString('base64')]),
      );
      return { id, command: node, args: [bundled(id)], env: { PORT: '0', RAW_ANSWERS: JSON.stringify(answers) } };
    }
    case 'python-grpcio':
      return {
        id,
        command: PYTHON,
        args: [
          join(REPO_ROOT, 'bench/python/bench_server.py'),
          '--proto-dir', PROTO_DIR,
          '--stock', STOCK_FILE,
          '--features', FEATURES_FILE,
          '--port', '0',
          '--workers', String(pythonWorkers),
        ],
        env: { PYTHONDONTWRITEBYTECODE: '1' },
      };
  }
}

/** Starts the target pinned to `cpu` and resolves once it prints its 'listening' JSON line. */
export async function startTarget(spec: TargetSpec, cpu: number | undefined, timeoutMs = 30_000): Promise<RunningTarget> {
  const [command, args] = pinned(cpu, spec.command, spec.args);
  // cwd is a temp dir so nothing can lean on the repo's node_modules at run time.
  const cwd = mkdtempSync(join(tmpdir(), `bench-${spec.id}-`));
  const child = spawn(command, args, { cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const cleanup = () => rmSync(cwd, { recursive: true, force: true });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${spec.id} did not print 'listening' within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        output = (output + line + '\n').slice(-8000);
        return;
      }
      logs.push(entry);
      if (entry.msg === LISTENING && typeof entry.port === 'number') {
        clearTimeout(timer);
        resolve(entry.port);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${spec.id} exited with ${code} before listening:\n${output}`));
    });
  }).catch((error: unknown) => {
    cleanup();
    throw error;
  });
  const signalAll = (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    for (const pid of new Set([child.pid!, ...listeningPids(spec.id, logs, child.pid!)])) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone already: stop() and the answer checks report a dead target
      }
    }
  };
  return {
    id: spec.id,
    pid: child.pid!,
    port,
    address: `127.0.0.1:${port}`,
    endpoint: { address: `127.0.0.1:${port}`, ...(spec.tls ? { tls: spec.tls } : {}) },
    logs,
    spawnedPid: child.pid!,
    serverPids: () => listeningPids(spec.id, logs, child.pid!),
    pause: () => signalAll('SIGSTOP'),
    resume: () => signalAll('SIGCONT'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        signalAll('SIGCONT'); // a stopped process would not act on SIGTERM
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
}

/** The pids of the 'listening' lines; throws when there is none or one is not the spawned process's own. */
export function listeningPids(id: string, logs: readonly Record<string, unknown>[], spawnedPid: number): number[] {
  const pids = [...new Set(logs.filter((entry) => entry.msg === LISTENING).map((entry) => entry.pid))];
  if (pids.length === 0 || !pids.every((pid): pid is number => typeof pid === 'number' && Number.isInteger(pid))) {
    throw new Error(`${id}: its 'listening' lines carry no pid (${JSON.stringify(pids)}), so its CPU cannot be read`);
  }
  for (const pid of pids) {
    if (!isSameOrDescendant(pid, spawnedPid)) throw new Error(`${id}: pid ${pid} logged 'listening' but is not process ${spawnedPid} or under it`);
  }
  return pids;
}

/** One line for the report: how the target ran (for the project services, from their own start-up logs). */
export function describeTarget(target: RunningTarget, pythonWorkers: number): string {
  const base = baseOf(target.id);
  const variant = variantOf(target.id);
  switch (base) {
    case 'prod-service':
    case 'route-guide': {
      const listening = target.logs.find((entry) => entry.msg === LISTENING);
      const metricsPort = target.logs.find((entry) => entry.msg === 'metrics listening')?.port;
      const settings = variant ? `default settings except ${variantEnvText(variant)} (${VARIANTS[variant].what})` : 'default settings';
      return (
        `bundled apps/${base}/src/main.ts, plain node, ${settings}; limits ${JSON.stringify(listening?.limits ?? 'none logged')}; ` +
        (metricsPort === undefined ? 'NO metrics endpoint logged' : `metrics on :${metricsPort}`)
      );
    }
    case 'bare-grpc-js':
      return 'bench/src/targets/bare-grpc-js.ts: @grpc/grpc-js Server + the same generated definitions, nothing else';
    case 'bare-grpc-js-2':
      return 'the same bare grpc-js server in a second process: its ratio to the first is the noise floor of every ratio';
    case 'raw-http2':
      return 'bench/src/targets/raw-http2.ts: node:http2 answering the same gRPC frames + grpc-status 0 trailers';
    case 'python-grpcio':
      return `bench/python/bench_server.py: grpcio, ThreadPoolExecutor(max_workers=${pythonWorkers}), code generated at start`;
    case 'edge':
      return 'bundled apps/edge/src/main.ts (connect-node), plain node, default settings; its own route-guide and prod-service on the load core';
  }
}
