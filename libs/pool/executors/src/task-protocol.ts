// What crosses between the executor and a worker, the same for threads and processes.
// A task's own failure travels as a value, so a rejected run always means the worker
// itself was lost (crash, kill) and the two are never confused.

export interface TaskRequest {
  task: string;
  args: unknown[];
}

/** A task's error, flattened: an Error's class and extra fields do not survive the trip. */
export interface TaskErrorInfo {
  name: string;
  message: string;
  stack?: string;
}

export type TaskOutcome = { ok: true; value: unknown } | { ok: false; error: TaskErrorInfo };
