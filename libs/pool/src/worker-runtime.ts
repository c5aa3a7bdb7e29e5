// What runs inside a worker thread or child process: load the task module once, then run
// each requested task and reply. Task errors are replies; only a crash kills the worker.
import { loadTaskModule } from './task-loader';
import type { TaskReply, TaskRequest } from './worker-protocol';

export function serveTasks(
  taskModule: string,
  onRequest: (handler: (request: TaskRequest) => void) => void,
  reply: (message: TaskReply | { ready: true }) => void,
): void {
  const tasks = loadTaskModule(taskModule, true);
  onRequest(async ({ id, task, args }) => {
    const fn = tasks[task];
    if (typeof fn !== 'function') {
      reply({ id, ok: false, message: `no task named ${JSON.stringify(task)}` });
      return;
    }
    try {
      reply({ id, ok: true, value: await fn(...args) });
    } catch (error) {
      reply({ id, ok: false, message: (error as Error)?.message ?? String(error) });
    }
  });
  reply({ ready: true });
}
