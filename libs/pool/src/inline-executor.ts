// The `inline` executor: tasks run on the event loop, in this process. Right for IO-bound
// work (Node overlaps it without threads); a CPU-bound task blocks every other call while
// it runs, which is what the pool benchmark shows.
import { ExecutorClosedError, TaskCancelledError, TaskFailedError } from './errors';
import type { Executor, ExecutorStats, RunOptions, TaskModule } from './executor';
import type { ServerMetrics } from '@grpc-ts/runtime';
import { loadTaskModule } from './task-loader';

export class InlineExecutor<M extends TaskModule> implements Executor<M> {
  readonly kind = 'inline' as const;
  private readonly tasks: M;
  private running = 0;
  private completed = 0;
  private failed = 0;
  private state: 'open' | 'closing' | 'destroyed' = 'open';
  private idle?: () => void;

  constructor(
    taskModule: string,
    private readonly name: string,
    private readonly metrics?: ServerMetrics,
  ) {
    this.tasks = loadTaskModule(taskModule) as M;
    metrics?.executorWorkers.set({ executor: name }, 0);
  }

  async run<K extends keyof M & string>(
    task: K,
    args: Parameters<M[K]>,
    options: RunOptions = {},
  ): Promise<Awaited<ReturnType<M[K]>>> {
    if (this.state !== 'open') throw new ExecutorClosedError(this.state);
    if (options.signal?.aborted) throw new TaskCancelledError();
    const fn = this.tasks[task];
    if (typeof fn !== 'function') throw new TaskFailedError(`no task named ${JSON.stringify(task)}`);
    this.running++;
    this.metrics?.executorRunning.set({ executor: this.name }, this.running);
    try {
      const value = (await (fn(...args) as Promise<unknown>)) as Awaited<ReturnType<M[K]>>;
      this.completed++;
      this.metrics?.executorTasksTotal.inc({ executor: this.name, outcome: 'ok' });
      return value;
    } catch (error) {
      this.failed++;
      this.metrics?.executorTasksTotal.inc({ executor: this.name, outcome: 'failed' });
      throw new TaskFailedError((error as Error)?.message ?? String(error));
    } finally {
      this.running--;
      this.metrics?.executorRunning.set({ executor: this.name }, this.running);
      if (this.running === 0) this.idle?.();
    }
  }

  async close(): Promise<void> {
    if (this.state === 'open') this.state = 'closing';
    if (this.running > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }

  async destroy(): Promise<void> {
    this.state = 'destroyed';
  }

  stats(): ExecutorStats {
    return { kind: 'inline', workers: 0, running: this.running, queued: 0, completed: this.completed, failed: this.failed };
  }
}
