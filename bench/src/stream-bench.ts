// Runs the streaming client (stream-client.ts, bundled) pinned to the load core and reads its result.
import { spawn } from 'node:child_process';
import { pinned } from './pinning';
import type { StreamClientResult } from './stream-client';

export interface StreamRun {
  /** The bundled stream-client main.js. */
  clientFile: string;
  address: string;
  /** TLS: the CA file to trust and, for mutual TLS, the client certificate and key files. */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  /** Messages each ListFeatures call must deliver. */
  expectPerCall: number;
  durationMs: number;
  warmupMs: number;
  concurrency: number;
  /** Another method taking the same request and streaming the same messages (the edge's ExploreArea). */
  path?: string;
  /** The server's processes: the client reads their CPU at the edges of its window. */
  serverPids?: readonly number[];
  /** The server's core, for the steal time over the window. */
  serverCore?: number;
}

export interface StreamResult extends StreamClientResult {
  messagesPerSec: number;
}

export function parseStreamClientOutput(output: string): StreamResult {
  const line = output.trim().split('\n').pop() ?? '';
  let parsed: StreamClientResult;
  try {
    parsed = JSON.parse(line) as StreamClientResult;
  } catch {
    throw new Error(`stream client printed no result line:\n${output.slice(-2000)}`);
  }
  if (typeof parsed.messages !== 'number' || !(parsed.seconds > 0)) throw new Error(`stream client result is incomplete: ${line}`);
  return { ...parsed, messagesPerSec: parsed.messages / parsed.seconds };
}

export async function runStreamBench(run: StreamRun, cpu: number | undefined): Promise<StreamResult> {
  const [command, args] = pinned(cpu, process.execPath, [
    run.clientFile,
    '--address', run.address,
    ...(run.tls ? ['--ca', run.tls.caFile] : []),
    ...(run.tls?.certFile ? ['--cert', run.tls.certFile] : []),
    ...(run.tls?.keyFile ? ['--key', run.tls.keyFile] : []),
    '--expect', String(run.expectPerCall),
    '--duration-ms', String(Math.round(run.durationMs)),
    '--warmup-ms', String(Math.round(run.warmupMs)),
    '--concurrency', String(run.concurrency),
    ...(run.path ? ['--path', run.path] : []),
    ...(run.serverPids ? ['--server-pids', run.serverPids.join(',')] : []),
    ...(run.serverCore === undefined ? [] : ['--server-core', String(run.serverCore)]),
  ]);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const guard = setTimeout(() => child.kill('SIGKILL'), run.durationMs + run.warmupMs + 30_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  }).finally(() => clearTimeout(guard));
  if (code !== 0) throw new Error(`stream client exited with ${code}:\n${stderr.slice(-2000)}`);
  return parseStreamClientOutput(stdout);
}
