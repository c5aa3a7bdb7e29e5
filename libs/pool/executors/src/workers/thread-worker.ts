// Entry of a `threads` executor worker, loaded by piscina's own worker (its `filename`):
// piscina calls the default export with each request.
import { workerData } from 'node:worker_threads';
import { taskRunner } from '../run-task';
import { loadTaskModule } from '../task-module';
import type { TaskOutcome, TaskRequest } from '../task-protocol';

const run = taskRunner(() => loadTaskModule((workerData as { taskModule: string }).taskModule));

export default function runRequest({ task, args }: TaskRequest): Promise<TaskOutcome> {
  return run(task, args);
}
