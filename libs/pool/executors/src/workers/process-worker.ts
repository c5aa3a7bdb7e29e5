// Entry of a `processes` executor worker: a child process forked by workerpool, with the
// task module's path as its argument. workerpool exits it when the parent goes away.
import { worker } from 'workerpool';
import { taskRunner } from '../run-task';
import { loadTaskModule } from '../task-module';
import type { TaskOutcome } from '../task-protocol';

const taskModule = process.argv[2];
if (!taskModule || !process.send) {
  console.error('process-worker must be forked by the executor, with the task module as argument');
  process.exit(2);
}
const run = taskRunner(() => loadTaskModule(taskModule));

worker({ runTask: (task: string, args: unknown[]): Promise<TaskOutcome> => run(task, args) });
