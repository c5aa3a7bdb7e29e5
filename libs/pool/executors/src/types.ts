// The executor interface, apart from its implementations (inline-executor.ts,
// worker-executor.ts), so they import it and never each other.
export const EXECUTOR_KINDS = ['inline', 'threads', 'processes'] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** A loaded task module: its exported functions are the tasks. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskModule = Record<string, (...args: any[]) => unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** The names of a module's exported functions (other exports are not tasks). */
export type TaskName<M> = { [K in keyof M]: M[K] extends AnyFunction ? K : never }[keyof M] & string;
export type TaskArgs<M, K extends TaskName<M>> = M[K] extends (...args: infer A) => unknown ? A : never;
export type TaskResult<M, K extends TaskName<M>> = M[K] extends (...args: never[]) => infer R ? Awaited<R> : never;

export interface ExecutorOptions {
  kind: ExecutorKind;
  /** Absolute path of the module whose exported functions are the tasks (.ts from source, .js bundled). */
  taskModule: string;
  /** Workers for threads/processes (default: the machine's cores); inline runs every task at once. */
  size?: number;
  /** Tasks that may wait for a free worker (default 1024); one more is refused with QueueFullError. */
  maxQueue?: number;
  /** Names the executor in errors, and for whoever reads its stats. */
  name?: string;
}

export interface RunOptions {
  /** Aborting settles the task at once with TaskCancelledError: dropped if queued, its worker replaced if running. */
  signal?: AbortSignal;
}

/** Counts of the tasks that failed, by the kind of ExecutorError they failed with. */
export interface FailureCounts {
  'task-failed': number;
  cancelled: number;
  'worker-crashed': number;
  closed: number;
}

/** A snapshot, computed when asked: a metrics layer reads it at scrape time. */
export interface ExecutorStats {
  kind: ExecutorKind;
  name: string;
  /** Live workers (0 inline, and after close/destroy). */
  workers: number;
  /** Tasks started and not yet settled. */
  running: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks that returned a value. */
  completed: number;
  /** Tasks accepted that settled with an error (refused tasks are not counted). */
  failed: number;
  failures: FailureCounts;
  /** running / workers now, from 0 to 1 (0 without workers). */
  utilization: number;
}

export interface Executor<M extends object = TaskModule> {
  readonly kind: ExecutorKind;
  readonly name: string;
  run<K extends TaskName<M>>(task: K, args: TaskArgs<M, K>, options?: RunOptions): Promise<TaskResult<M, K>>;
  /** Graceful: refuses new tasks, finishes queued and running ones, then stops the workers. */
  close(): Promise<void>;
  /** Immediate: fails queued and running tasks with ExecutorClosedError and kills the workers. */
  destroy(): Promise<void>;
  stats(): ExecutorStats;
}
