// createExecutor: validated options, then the backend of the kind asked for under the one
// TaskExecutor. Only this module knows every backend, so none of them imports another.
import type { BackendOptions, WorkerBackend } from './backend';
import { createInlineBackend } from './inline-backend';
import { resolveExecutorOptions } from './options';
import { createProcessBackend } from './process-backend';
import { TaskExecutor } from './task-executor';
import { createThreadBackend } from './thread-backend';
import type { Executor, ExecutorKind, ExecutorOptions, TaskModule } from './types';

const BACKENDS: Record<ExecutorKind, (options: BackendOptions) => WorkerBackend> = {
  inline: createInlineBackend,
  threads: createThreadBackend,
  processes: createProcessBackend,
};

/** `createExecutor<typeof import('./tasks')>(...)` types `run` from the task module. */
export function createExecutor<M extends object = TaskModule>(options: ExecutorOptions): Executor<M> {
  const resolved = resolveExecutorOptions(options);
  return new TaskExecutor<M>(resolved, BACKENDS[resolved.kind](resolved));
}
