// `inline`: tasks run on the event loop, in this process. Right for IO-bound or cheap work
// (Node overlaps IO without threads, and a hop to a worker costs more than small work); a
// CPU-bound task blocks every other call while it runs, as the pool benchmark shows.
import type { BackendOptions, WorkerBackend } from './backend';
import { taskRunner } from './run-task';
import { loadTaskModule } from './task-module';

export function createInlineBackend({ taskModule }: BackendOptions): WorkerBackend {
  const run = taskRunner(() => loadTaskModule(taskModule));
  return {
    capacity: Infinity,
    // Running work cannot be stopped here; an abort only settles the task (task-executor.ts).
    run: ({ task, args }) => run(task, args),
    workers: () => 0,
    stop: async () => undefined,
  };
}
