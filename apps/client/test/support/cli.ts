// Runs the real CLI (src/main.ts under tsx's loader) as a process, optionally feeding stdin.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tsMain } from '@grpc-ts/test-support';

export const root = join(__dirname, '../../../..');
export const main = join(root, 'apps/client/src/main.ts');
const [node, nodeArgs] = tsMain(main);
/** The CLI from source, as one process: argv words before the CLI's own arguments. */
export const cliFromSource: [string, ...string[]] = [node, ...nodeArgs];

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  env?: Record<string, string>;
  input?: string;
  /** Run something other than the source entry (e.g. a bundle with node). */
  command?: [string, ...string[]];
}

/** Starts the CLI; `result` resolves when it has exited and its output is complete. */
export function spawnCli(args: string[], options: CliRunOptions = {}): { child: ChildProcess; result: Promise<CliRun> } {
  const [command, ...prefix] = options.command ?? cliFromSource;
  // Addresses and client settings only from what the test passes, never from the developer's shell.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !['PROD_SERVICE_ADDR', 'ROUTE_GUIDE_ADDR'].includes(key) && !key.startsWith('CLIENT_')),
  );
  const child = spawn(command, [...prefix, ...args], {
    env: { ...inherited, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdin!.end(options.input ?? '');
  const result = new Promise<CliRun>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  return { child, result };
}

export function runCli(args: string[], options: CliRunOptions = {}): Promise<CliRun> {
  return spawnCli(args, options).result;
}

/** The last non-empty stdout line parsed as JSON. */
export function jsonOut<T = Record<string, unknown>>(run: CliRun): T {
  const lines = run.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]!) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}
