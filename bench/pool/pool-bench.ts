// Benchmark (a script that prints figures, not a test) for libs/pool, side by side in one run:
//  A. CPU-bound throughput of @grpc-ts/executors: inline vs threads (piscina) vs processes
//     (workerpool), with RecordRoute-sized and large arguments.
//  B. Unary QPS and server CPU per call: a bare grpc-js server vs the kit's ServiceServer with
//     the limiter, and with limiter + call metrics (h2load, server on core 0, load on core 1).
// Rounds are interleaved and medians reported, because these machines are shared and noisy.
// Usage: tsx bench/pool/pool-bench.ts [--rounds 5] [--seconds 5] [--tasks 24] [--no-executors] [--no-limiter]
import { Client, credentials } from '@grpc/grpc-js';
import { buildSync } from 'esbuild';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createExecutor, type ExecutorKind } from '@grpc-ts/executors';
import * as CpuTasks from './cpu-tasks';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

const rounds = flag('rounds', 5);
const seconds = flag('seconds', 5);
const taskCount = flag('tasks', 24);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

// A. Executors --------------------------------------------------------------------------

function makeRoute(points: number): Int32Array {
  const route = new Int32Array(points * 2);
  for (let i = 0; i < points; i++) {
    route[2 * i] = 400_000_000 + ((i * 7919) % 20_000_000);
    route[2 * i + 1] = -750_000_000 + ((i * 104_729) % 20_000_000);
  }
  return route;
}

async function executorThroughput(kind: ExecutorKind, route: Int32Array, repeat: number): Promise<number> {
  const executor = createExecutor<typeof CpuTasks>({
    kind,
    taskModule: join(__dirname, 'cpu-tasks.ts'),
    size: availableParallelism(),
    maxQueue: taskCount,
  });
  try {
    await Promise.all(Array.from({ length: availableParallelism() }, () => executor.run('routeLengthMeters', [route, 1])));
    const started = process.hrtime.bigint();
    const lengths = await Promise.all(
      Array.from({ length: taskCount }, () => executor.run('routeLengthMeters', [route, repeat])),
    );
    const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
    if (new Set(lengths.map((l) => l.toFixed(3))).size !== 1) throw new Error(`${kind}: tasks disagree`);
    return taskCount / elapsed;
  } finally {
    await executor.close();
  }
}

// Points per task: route-guide's RecordRoute chunk (32 KB of coordinates, little to copy),
// and a 100k-point route (800 KB per task) where copying the argument to the worker costs
// a visible share of the task: the pool's gain depends on both.
const PAYLOADS = [4_096, 100_000];

async function benchExecutors(): Promise<void> {
  for (const points of PAYLOADS) await benchExecutorsWith(points);
}

/**
 * Passes over `route` that take ~25 ms of CPU on this machine (timed after the JIT has
 * warmed up; the fastest of 5 probes, since a busy host only ever makes a probe slower).
 */
function repeatFor25ms(route: Int32Array): number {
  for (let i = 0; i < 5; i++) CpuTasks.routeLengthMeters(route, 1);
  let perPassMs = Infinity;
  for (let probe = 0; probe < 5; probe++) {
    const probeStart = process.hrtime.bigint();
    CpuTasks.routeLengthMeters(route, 10);
    perPassMs = Math.min(perPassMs, Number(process.hrtime.bigint() - probeStart) / 1e6 / 10);
  }
  return Math.max(1, Math.round(25 / perPassMs));
}

async function benchExecutorsWith(points: number): Promise<void> {
  const route = makeRoute(points);
  const repeat = repeatFor25ms(route);
  console.log(`\nA. CPU-bound tasks: ${taskCount} tasks of ${repeat} x ${fmt(points)}-point route lengths (~25 ms each, ` +
    `${fmt((points * 8) / 1024)} KB argument), pool size ${availableParallelism()}, ${rounds} interleaved rounds`);
  const kinds: ExecutorKind[] = ['inline', 'threads', 'processes'];
  const results: Record<ExecutorKind, number[]> = { inline: [], threads: [], processes: [] };
  for (let round = 0; round < rounds; round++) {
    const order = kinds.map((_, i) => kinds[(i + round) % kinds.length]!);
    for (const kind of order) results[kind].push(await executorThroughput(kind, route, repeat));
  }
  const base = median(results.inline);
  console.log('| executor | tasks/s (median) | rounds | vs inline |');
  console.log('|---|---:|---|---:|');
  for (const kind of kinds) {
    const m = median(results[kind]);
    console.log(`| ${kind} | ${fmt(m)} | ${results[kind].map(fmt).join(', ')} | ${(m / base).toFixed(2)}x |`);
  }
}

// B. Limiter overhead ---------------------------------------------------------------------

/** CPU seconds (user + system) a process has used, from /proc: less noisy than QPS alone. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
}

const taskset = (core: number, command: string[]) =>
  spawnSync('taskset', ['--version']).status === 0 ? ['taskset', '-c', String(core), ...command] : command;

type LabMode = 'plain' | 'limiter' | 'full';
const LAB_MODES: LabMode[] = ['plain', 'limiter', 'full'];
const LAB_LABELS: Record<LabMode, string> = { plain: 'bare grpc-js', limiter: 'ServiceServer + limiter', full: 'ServiceServer + limiter + call metrics' };

// The lab server runs as the services do: an esbuild bundle on plain node. (Under tsx every
// closure is wrapped to keep its name, which alone costs a few % per call and would be
// charged to the limiter.)
let labBundle: string | undefined;
function bundleLabServer(): string {
  if (!labBundle) {
    labBundle = join(mkdtempSync(join(tmpdir(), 'pool-bench-lab-')), 'lab-server.js');
    buildSync({ entryPoints: [join(__dirname, 'lab-server-main.ts')], outfile: labBundle, bundle: true, platform: 'node', target: 'node20', logLevel: 'error' });
  }
  return labBundle;
}

async function startLabServer(mode: LabMode): Promise<{ port: number; child: ChildProcess }> {
  const [command = '', ...args] = taskset(0, [process.execPath, bundleLabServer(), mode]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code: number | null) => reject(new Error(`lab server exited with ${code}`)));
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line)));
  });
  return { port, child };
}

async function verifyReply(port: number): Promise<void> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    const reply = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/lab.Lab/Call', (b: Buffer) => b, (b: Buffer) => b, Buffer.alloc(0), (e, r) =>
        e ? reject(e) : resolve(r as Buffer),
      ),
    );
    if (!reply.equals(Buffer.from([0x08, 0x2a]))) throw new Error(`unexpected reply ${reply.toString('hex')}`);
  } finally {
    client.close();
  }
}

function h2load(port: number, bodyFile: string): { qps: number; done: number; failed: number } {
  const command = taskset(1, [
    'h2load', '-D', String(seconds), '--warm-up-time', '1', '-c', '8', '-m', '32',
    '-H', 'content-type: application/grpc', '-H', 'te: trailers', '-d', bodyFile,
    `http://127.0.0.1:${port}/lab.Lab/Call`,
  ]);
  const run = spawnSync(command[0] ?? 'h2load', command.slice(1), { encoding: 'utf8' });
  const out = run.stdout ?? '';
  const qps = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const requests = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(out);
  if (!qps || !requests) throw new Error(`cannot parse h2load output:\n${out}\n${run.stderr}`);
  return { qps: Number(qps[1]), done: Number(requests[2]), failed: Number(requests[4]) + Number(requests[5]) };
}

async function benchLimiter(): Promise<void> {
  if (spawnSync('h2load', ['--version']).status !== 0) {
    console.log('\nB. skipped: h2load not found (apt-get install nghttp2-client)');
    return;
  }
  const bodyFile = join(mkdtempSync(join(tmpdir(), 'pool-bench-')), 'empty.grpc');
  writeFileSync(bodyFile, Buffer.alloc(5)); // one gRPC frame holding an empty message
  console.log(`\nB. Unary QPS with the limiter (and call metrics) vs none: h2load -c 8 -m 32, ${seconds} s per run, ` +
    `${rounds} interleaved rounds, server on core 0, load on core 1`);
  const results: Record<LabMode, number[]> = { plain: [], limiter: [], full: [] };
  const cpuPerCall: Record<LabMode, number[]> = { plain: [], limiter: [], full: [] };
  for (let round = 0; round < rounds; round++) {
    const order = LAB_MODES.map((_, i) => LAB_MODES[(i + round) % LAB_MODES.length]!);
    for (const mode of order) {
      const { port, child } = await startLabServer(mode);
      try {
        await verifyReply(port);
        const cpuBefore = cpuSeconds(child.pid!);
        const { qps, failed, done } = h2load(port, bodyFile);
        const cpuUsed = cpuSeconds(child.pid!) - cpuBefore;
        if (failed > 0) throw new Error(`${mode}: ${failed} failed requests`);
        await verifyReply(port);
        results[mode].push(qps);
        cpuPerCall[mode].push((cpuUsed / done) * 1e6);
      } finally {
        child.kill('SIGKILL');
      }
    }
  }
  const base = median(results.plain);
  const baseCpu = median(cpuPerCall.plain);
  console.log('| server | QPS (median) | rounds | QPS vs none | server CPU µs/call (median) | CPU vs none |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const mode of LAB_MODES) {
    const m = median(results[mode]);
    const cpu = median(cpuPerCall[mode]);
    console.log(
      `| ${LAB_LABELS[mode]} | ${fmt(m)} | ${results[mode].map(fmt).join(', ')} | ${(m / base).toFixed(3)} | ` +
        `${cpu.toFixed(1)} | ${(cpu / baseCpu).toFixed(3)} |`,
    );
  }
  console.log(`limiter / none (QPS): ${(median(results.limiter) / base).toFixed(3)} (target >= 0.95)`);
}

async function main(): Promise<void> {
  console.log(`pool benchmark: ${cpus()[0]?.model ?? 'cpu'} x ${availableParallelism()}, node ${process.version}`);
  if (!process.argv.includes('--no-executors')) await benchExecutors();
  if (!process.argv.includes('--no-limiter')) await benchLimiter();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
