// Real processes for tests and benchmarks: a service started from source (one process, no
// launcher in between) or from a bundle, awaited by its "listening" log line.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { LISTENING, METRICS_LISTENING } from '@grpc-ts/runtime';

// tsx's ESM loader, for `node --import`. Launching through the tsx CLI instead puts a relay
// process in front of the service: it SIGKILLs a child that does not acknowledge a relayed
// signal within 30 ms (twice), so a busy service "exits" 143 instead of shutting down.
const TSX_LOADER = pathToFileURL(require.resolve('tsx')).href;

/** The command that runs a TypeScript entry from source in ONE process (signals reach it directly). */
export function tsMain(file: string): [command: string, args: string[]] {
  return [process.execPath, ['--import', TSX_LOADER, file]];
}

/**
 * What a service process gets unless a test says otherwise: loopback, free ports, and the
 * explicit local-development switches (plaintext, policies not enforced). Tests of TLS and
 * auth set their own.
 */
export const LOCAL_SERVICE_ENV: Readonly<Record<string, string>> = {
  HOST: '127.0.0.1',
  PORT: '0',
  METRICS_PORT: '0',
  PLAINTEXT: 'true',
  AUTH: 'off',
};

export interface ServiceProcess {
  /** The spawned process's pid (with tsMain, the service itself: no launcher in between). */
  pid: number;
  port: number;
  address: string;
  /** Every JSON log line the process printed so far. */
  logs: Record<string, unknown>[];
  /** Port of its /metrics endpoint, once logged. */
  readonly metricsPort: number | undefined;
  /**
   * Sends a signal and resolves with the exit code; rejects, with the last log lines, if the
   * process has not exited within `timeoutMs` (then it is SIGKILLed, so no test leaves it behind).
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

// Longer than any test's SHUTDOWN_GRACE_MS plus a loaded machine's exit, shorter than the
// test timeouts: a process that hangs on stop fails with its logs, not a bare jest timeout.
const STOP_TIMEOUT_MS = 30_000;

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
 * LISTENING with its bound port. Rejects with its output if it exits first.
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
    env: { ...baseEnv, ...LOCAL_SERVICE_ENV, LOG_LEVEL: 'info', ...env },
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
        if (entry.msg === LISTENING) {
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
      return logs.find((entry) => entry.msg === METRICS_LISTENING)?.port as number | undefined;
    },
    stop: async (name = 'SIGTERM', timeoutMs = STOP_TIMEOUT_MS) => {
      if (child.exitCode === null && child.signalCode === null) signal(name);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          signal('SIGKILL');
          const tail = logs.slice(-8).map((entry) => JSON.stringify(entry)).join('\n');
          reject(new Error(`${command} did not exit within ${timeoutMs} ms of ${name}; its last log lines:\n${tail}\n${stderr}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, late]);
      } finally {
        clearTimeout(timer);
      }
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

