// Messages between a pool and its workers (threads or processes alike).
export interface TaskRequest {
  id: number;
  task: string;
  args: unknown[];
}

export type TaskReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

/** Sent once by a worker when its task module has loaded. */
export interface WorkerReady {
  ready: true;
}
