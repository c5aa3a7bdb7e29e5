// Executors carry handler work off (or on) the event loop, the notes' thread pool vs
// process pool for Node: `inline` runs on the event loop (right for IO-bound work, which
// Node already overlaps), `threads` on worker_threads and `processes` on child processes
// (both for CPU-bound work). One interface, so a service switches with EXECUTOR=...
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { PoolOptionsError } from './errors';
import { InlineExecutor } from './inline-executor';
import type { ServerMetrics } from '@grpc-ts/runtime';
import { WorkerPool } from './worker-pool';
import { processTransport, threadTransport } from './worker-transports';

export const EXECUTOR_KINDS = ['inline', 'threads', 'processes'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskModule = Record<string, (...args: any[]) => unknown>;

export interface ExecutorOptions {
  kind: ExecutorKind;
  /** Absolute path of the module whose exported functions are the tasks (.ts or .js). */
  taskModule: string;
  /** Workers for threads/processes (default: the machine's cores); tasks run at once inline. */
  size?: number;
  /** Tasks that may wait for a free worker; one more is refused with QueueFullError. */
  maxQueue?: number;
  /** Label for metrics and logs. */
  name?: string;
  metrics?: ServerMetrics;
}

export interface RunOptions {
  /** Aborting cancels the task: dropped if queued, its worker replaced if running. */
  signal?: AbortSignal;
}

export interface ExecutorStats {
  kind: ExecutorKind;
  workers: number;
  running: number;
  queued: number;
  completed: number;
  failed: number;
}

export interface Executor<M extends TaskModule = TaskModule> {
  readonly kind: ExecutorKind;
  run<K extends keyof M & string>(task: K, args: Parameters<M[K]>, options?: RunOptions): Promise<Awaited<ReturnType<M[K]>>>;
  /** Graceful: refuses new tasks, finishes queued and running ones, then stops workers. */
  close(): Promise<void>;
  /** Immediate: fails queued and running tasks with ExecutorClosedError and kills workers. */
  destroy(): Promise<void>;
  stats(): ExecutorStats;
}

export function createExecutor<M extends TaskModule = TaskModule>(options: ExecutorOptions): Executor<M> {
  const { kind, taskModule } = options;
  if (!(EXECUTOR_KINDS as readonly string[]).includes(kind)) {
    throw new PoolOptionsError('kind', `must be one of ${EXECUTOR_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  if (typeof taskModule !== 'string' || !isAbsolute(taskModule) || !existsSync(taskModule)) {
    throw new PoolOptionsError('taskModule', `must be the absolute path of an existing module, got ${JSON.stringify(taskModule)}`);
  }
  const size = options.size ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1 || size > 256) {
    throw new PoolOptionsError('size', `must be an integer from 1 to 256, got ${size}`);
  }
  const maxQueue = options.maxQueue ?? 1024;
  if (!Number.isInteger(maxQueue) || maxQueue < 0) {
    throw new PoolOptionsError('maxQueue', `must be an integer >= 0, got ${maxQueue}`);
  }
  const name = options.name ?? kind;
  if (kind === 'inline') return new InlineExecutor<M>(taskModule, name, options.metrics);
  const transport = kind === 'threads' ? threadTransport : processTransport;
  return new WorkerPool<M>({ kind, taskModule, size, maxQueue, name, transport, metrics: options.metrics });
}

/**
 * The path of a task module next to the caller: `<dir>/<name>.js` in an esbuild bundle
 * (tools/scripts/bundle-service.mjs emits it), `<dir>/<name>.ts` when run from source.
 */
export function resolveTaskModule(dir: string, name: string): string {
  const bundled = `${dir}/${name}.js`;
  return existsSync(bundled) ? bundled : `${dir}/${name}.ts`;
}
