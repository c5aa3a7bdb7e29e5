// Runs one task of a loaded module and reports how it went, never throwing: shared by the
// inline executor and both worker entries so all three treat a task alike.
import type { TaskErrorInfo, TaskOutcome } from './task-protocol';
import type { TaskModule } from './types';

export function describeError(error: unknown): TaskErrorInfo {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

/** Loads lazily, so a module that fails to load fails each task instead of killing workers in a loop. */
export function taskRunner(load: () => TaskModule): (task: string, args: unknown[]) => Promise<TaskOutcome> {
  let tasks: TaskModule | undefined;
  return async (task, args) => {
    try {
      tasks ??= load();
    } catch (error) {
      const { name, message, stack } = describeError(error);
      return { ok: false, error: { name, message: `cannot load the task module: ${message}`, stack } };
    }
    const fn = Object.hasOwn(tasks, task) ? tasks[task] : undefined;
    if (typeof fn !== 'function') return { ok: false, error: { name: 'Error', message: `no task named ${JSON.stringify(task)}` } };
    try {
      return { ok: true, value: await fn(...args) };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  };
}
