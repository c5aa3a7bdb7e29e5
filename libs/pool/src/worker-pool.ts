// A fixed-size pool of workers (threads or processes) with a bounded FIFO queue. Every task
// settles exactly once: with its value, its error, QueueFullError, TaskCancelledError,
// WorkerCrashedError or ExecutorClosedError. Never a hang: a worker that dies fails its
// task and is replaced; a cancelled running task has its worker killed and replaced, since
// synchronous CPU work cannot be interrupted any other way.
import {
  ExecutorClosedError,
  QueueFullError,
  TaskCancelledError,
  TaskFailedError,
  WorkerCrashedError,
  type PoolError,
} from './errors';
import type { Executor, ExecutorKind, ExecutorStats, RunOptions, TaskModule } from './executor';
import type { ServerMetrics } from '@grpc-ts/runtime';
import type { TaskReply, WorkerReady } from './worker-protocol';
import type { WorkerHandle, WorkerTransport } from './worker-transports';

interface Task {
  id: number;
  task: string;
  args: unknown[];
  resolve(value: unknown): void;
  reject(error: Error): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

interface Slot {
  handle: WorkerHandle;
  task?: Task;
  /** The worker has loaded its task module (a child process drops IPC sent before that). */
  ready: boolean;
  /** Set when we kill the worker on purpose (cancel, close, destroy), so its exit is no crash. */
  retiring: boolean;
}

export interface WorkerPoolOptions {
  kind: Exclude<ExecutorKind, 'inline'>;
  taskModule: string;
  size: number;
  maxQueue: number;
  name: string;
  transport: WorkerTransport;
  metrics?: ServerMetrics;
}

export class WorkerPool<M extends TaskModule> implements Executor<M> {
  readonly kind: Exclude<ExecutorKind, 'inline'>;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];
  private nextId = 1;
  private completed = 0;
  private failed = 0;
  private state: 'open' | 'closing' | 'destroyed' = 'open';
  private drained?: () => void;

  constructor(private readonly options: WorkerPoolOptions) {
    this.kind = options.kind;
    for (let i = 0; i < options.size; i++) this.spawn();
  }

  run<K extends keyof M & string>(task: K, args: Parameters<M[K]>, options: RunOptions = {}): Promise<Awaited<ReturnType<M[K]>>> {
    if (this.state !== 'open') return Promise.reject(new ExecutorClosedError(this.state));
    if (options.signal?.aborted) return Promise.reject(new TaskCancelledError());
    const idle = this.idleSlot();
    if (!idle && this.queue.length >= this.options.maxQueue) {
      return Promise.reject(new QueueFullError(`${this.options.name} executor queue`, this.options.maxQueue));
    }
    return new Promise((resolve, reject) => {
      const entry: Task = { id: this.nextId++, task, args, resolve: resolve as (v: unknown) => void, reject, signal: options.signal };
      if (options.signal) {
        entry.onAbort = () => this.cancel(entry);
        options.signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      if (idle) this.dispatch(idle, entry);
      else this.queue.push(entry);
      this.publish();
    });
  }

  async close(): Promise<void> {
    if (this.state === 'open') this.state = 'closing';
    if (this.busyCount() > 0 || this.queue.length > 0) {
      await new Promise<void>((resolve) => (this.drained = resolve));
    }
    await this.retireAll();
  }

  async destroy(): Promise<void> {
    this.state = 'destroyed';
    const error = new ExecutorClosedError('destroyed');
    for (const task of this.queue.splice(0)) this.settle(task, error);
    for (const slot of this.slots) if (slot.task) this.settle(slot.task, error);
    await this.retireAll();
  }

  stats(): ExecutorStats {
    return {
      kind: this.kind,
      workers: this.slots.size,
      running: this.busyCount(),
      queued: this.queue.length,
      completed: this.completed,
      failed: this.failed,
    };
  }

  private spawn(): void {
    const handle = this.options.transport(this.options.taskModule);
    const slot: Slot = { handle, ready: false, retiring: false };
    this.slots.add(slot);
    handle.onMessage((message) => this.onReply(slot, message));
    void handle.exited.then((detail) => this.onExit(slot, detail));
  }

  private onReply(slot: Slot, message: TaskReply | WorkerReady): void {
    if ('ready' in message) {
      slot.ready = true;
      if (slot.task) this.send(slot, slot.task);
      else if (!slot.retiring) this.next(slot);
      return;
    }
    const task = slot.task;
    if (!task || task.id !== message.id) return; // a reply for a task already cancelled
    slot.task = undefined;
    if (message.ok) this.settle(task, undefined, message.value);
    else this.settle(task, new TaskFailedError(message.message));
    this.next(slot);
  }

  private onExit(slot: Slot, detail: string): void {
    this.slots.delete(slot);
    const task = slot.task;
    slot.task = undefined;
    if (task) this.settle(task, new WorkerCrashedError(detail));
    if (this.state === 'destroyed' || (slot.retiring && this.state !== 'open')) {
      this.publish();
      this.checkDrained();
      return;
    }
    // Replace the worker (crashed, or killed to cancel its task); it takes queued work once ready.
    this.spawn();
    this.publish();
  }

  /** Assigns the task to the slot; it is sent once the worker is ready. */
  private dispatch(slot: Slot, task: Task): void {
    slot.task = task;
    if (slot.ready) this.send(slot, task);
  }

  private send(slot: Slot, task: Task): void {
    slot.handle.send({ id: task.id, task: task.task, args: task.args });
  }

  private next(slot: Slot): void {
    const task = this.queue.shift();
    if (task) this.dispatch(slot, task);
    this.publish();
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.state === 'closing' && this.queue.length === 0 && this.busyCount() === 0) this.drained?.();
  }

  private cancel(task: Task): void {
    const queued = this.queue.indexOf(task);
    if (queued !== -1) {
      this.queue.splice(queued, 1);
      this.settle(task, new TaskCancelledError());
      this.publish();
      this.checkDrained();
      return;
    }
    for (const slot of this.slots) {
      if (slot.task === task) {
        slot.task = undefined;
        slot.retiring = true;
        this.settle(task, new TaskCancelledError());
        slot.handle.kill(); // onExit spawns the replacement
        this.checkDrained();
        return;
      }
    }
  }

  private settle(task: Task, error?: PoolError | Error, value?: unknown): void {
    if (task.onAbort) task.signal?.removeEventListener('abort', task.onAbort);
    task.onAbort = undefined;
    if (error) {
      this.failed++;
      this.options.metrics?.executorTasksTotal.inc({ executor: this.options.name, outcome: error.name });
      task.reject(error);
    } else {
      this.completed++;
      this.options.metrics?.executorTasksTotal.inc({ executor: this.options.name, outcome: 'ok' });
      task.resolve(value);
    }
  }

  private async retireAll(): Promise<void> {
    const exits = [...this.slots].map((slot) => {
      slot.retiring = true;
      slot.handle.kill();
      return slot.handle.exited;
    });
    await Promise.all(exits);
    this.publish();
  }

  private idleSlot(): Slot | undefined {
    for (const slot of this.slots) if (!slot.task && !slot.retiring) return slot;
    return undefined;
  }

  private busyCount(): number {
    let busy = 0;
    for (const slot of this.slots) if (slot.task) busy++;
    return busy;
  }

  private publish(): void {
    const metrics = this.options.metrics;
    if (!metrics) return;
    const labels = { executor: this.options.name };
    const running = this.busyCount();
    metrics.executorQueueDepth.set(labels, this.queue.length);
    metrics.executorRunning.set(labels, running);
    metrics.executorWorkers.set(labels, this.slots.size);
    metrics.executorUtilization.set(labels, this.slots.size ? running / this.slots.size : 0);
  }
}
