// One executor over any backend (inline, threads, processes): a bounded FIFO queue in front
// of the backend's capacity, cancellation, close vs destroy, and counts read when asked.
// Every task settles exactly once, with the first of: its value, its error, a cancel, a lost
// worker or a destroy; whatever arrives later for it is ignored.
import { WorkerLostError, type WorkerBackend } from './backend';
import {
  ExecutorClosedError,
  QueueFullError,
  TaskCancelledError,
  TaskFailedError,
  WorkerCrashedError,
} from './errors';
import type { ResolvedExecutorOptions } from './options';
import { TaskQueue } from './task-queue';
import type { TaskErrorInfo, TaskOutcome, TaskRequest } from './task-protocol';
import type { Executor, ExecutorKind, ExecutorStats, FailureCounts, RunOptions, TaskArgs, TaskName, TaskResult } from './types';

/** What a task that was accepted can fail with (a full queue refuses it before). */
type SettleError = TaskCancelledError | TaskFailedError | WorkerCrashedError | ExecutorClosedError;

interface Entry {
  request: TaskRequest;
  state: 'queued' | 'running' | 'settled';
  /** Settled while still queued: the queue skips it. */
  readonly dropped: boolean;
  resolve(value: unknown): void;
  reject(error: SettleError): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class TaskExecutor<M extends object> implements Executor<M> {
  readonly kind: ExecutorKind;
  readonly name: string;
  private readonly maxQueue: number;
  private readonly queue = new TaskQueue<Entry>();
  private readonly running = new Set<Entry>();
  private completed = 0;
  private readonly failures: FailureCounts = { 'task-failed': 0, cancelled: 0, 'worker-crashed': 0, closed: 0 };
  private state: 'open' | 'closing' | 'destroyed' = 'open';
  private drained?: () => void;
  private closed?: Promise<void>;

  constructor(
    options: ResolvedExecutorOptions,
    private readonly backend: WorkerBackend,
  ) {
    this.kind = options.kind;
    this.name = options.name;
    this.maxQueue = options.maxQueue;
  }

  run<K extends TaskName<M>>(task: K, args: TaskArgs<M, K>, options: RunOptions = {}): Promise<TaskResult<M, K>> {
    if (this.state !== 'open') return Promise.reject(new ExecutorClosedError(this.state));
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(new TaskCancelledError(signal.reason));
    const free = this.running.size < this.backend.capacity;
    if (!free && this.queue.size >= this.maxQueue) return Promise.reject(new QueueFullError(this.name, this.maxQueue));
    return new Promise<TaskResult<M, K>>((resolve, reject) => {
      const entry: Entry = {
        request: { task, args },
        state: 'queued',
        get dropped() {
          return this.state === 'settled';
        },
        resolve: resolve as (value: unknown) => void,
        reject,
        signal,
      };
      if (signal) {
        entry.onAbort = () => this.settle(entry, new TaskCancelledError(signal.reason));
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      if (free) this.start(entry);
      else this.queue.push(entry);
    });
  }

  close(): Promise<void> {
    if (this.state === 'open') this.state = 'closing';
    return (this.closed ??= this.drain().then(() => this.backend.stop()));
  }

  async destroy(): Promise<void> {
    this.state = 'destroyed';
    const error = new ExecutorClosedError('destroyed');
    for (const entry of [...this.queue.values(), ...this.running]) this.settle(entry, error);
    await this.backend.stop();
  }

  stats(): ExecutorStats {
    const workers = this.backend.workers();
    const failed = Object.values(this.failures).reduce((sum, n) => sum + n, 0);
    return {
      kind: this.kind,
      name: this.name,
      workers,
      running: this.running.size,
      queued: this.queue.size,
      completed: this.completed,
      failed,
      failures: { ...this.failures },
      utilization: workers > 0 ? Math.min(1, this.running.size / workers) : 0,
    };
  }

  private start(entry: Entry): void {
    entry.state = 'running';
    this.running.add(entry);
    let result: Promise<TaskOutcome>;
    try {
      result = this.backend.run(entry.request, entry.signal);
    } catch (error) {
      result = Promise.reject(error); // a backend that throws instead of rejecting must not strand the task
    }
    result.then(
      (outcome) => (outcome.ok ? this.settle(entry, undefined, outcome.value) : this.settle(entry, taskFailed(outcome.error))),
      (error: unknown) => this.settle(entry, new WorkerCrashedError(error instanceof WorkerLostError ? error.detail : String(error))),
    );
  }

  private settle(entry: Entry, error?: SettleError, value?: unknown): void {
    if (entry.state === 'settled') return;
    const wasQueued = entry.state === 'queued';
    entry.state = 'settled';
    if (wasQueued) this.queue.dropped();
    else this.running.delete(entry);
    if (entry.onAbort) entry.signal?.removeEventListener('abort', entry.onAbort);
    if (error) {
      this.failures[error.kind]++;
      entry.reject(error);
    } else {
      this.completed++;
      entry.resolve(value);
    }
    this.next();
  }

  /** Starts queued tasks while there is room; tells a waiting close() when all is done. */
  private next(): void {
    while (this.state !== 'destroyed' && this.running.size < this.backend.capacity && this.queue.size > 0) {
      this.start(this.queue.shift()!);
    }
    if (this.running.size === 0 && this.queue.size === 0) this.drained?.();
  }

  private drain(): Promise<void> {
    if (this.running.size === 0 && this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }
}

function taskFailed({ name, message, stack }: TaskErrorInfo): TaskFailedError {
  const cause = Object.assign(new Error(message), { name, stack });
  return new TaskFailedError(message, { cause });
}
