// Entry of a `processes` executor worker (a child process started with fork).
import { serveTasks } from '../worker-runtime';

const taskModule = process.env.POOL_TASK_MODULE;
if (!taskModule || !process.send) {
  console.error('process-entry must be started by the pool (fork with POOL_TASK_MODULE set)');
  process.exit(2);
}
// The parent going away must not leave an orphan burning CPU.
process.on('disconnect', () => process.exit(0));
serveTasks(
  taskModule,
  (handler) => process.on('message', handler),
  (message) => process.send!(message),
);
