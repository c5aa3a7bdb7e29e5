// `threads`: tasks run on a piscina pool of worker_threads, for CPU-bound work in the same
// process. Arguments are structured-cloned (a typed array is one memcpy, never JSON).
// piscina starts, replaces and kills the threads: an abort terminates the thread at once
// and starts another; a thread that exits or throws fails its task and is replaced.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Piscina } from 'piscina';
import { WorkerLostError, type BackendOptions, type WorkerBackend } from './backend';
import type { TaskOutcome, TaskRequest } from './task-protocol';
import { workerEntry } from './worker-entries';

export function createThreadBackend({ taskModule, size }: BackendOptions): WorkerBackend {
  const entry = workerEntry('thread-worker', taskModule);
  // piscina starts each thread from worker.js beside its own code: in a bundle, beside main.js.
  if (entry.bundled && !existsSync(join(__dirname, 'worker.js'))) {
    throw new Error(`piscina's worker.js is missing beside ${__dirname} (bundle with tools/scripts/bundle-service.mjs)`);
  }
  const pool = new Piscina<TaskRequest, TaskOutcome>({
    filename: entry.file,
    minThreads: size,
    maxThreads: size,
    // The executor bounds its own queue and hands over at most `size` tasks; piscina only
    // holds one while a replacement thread starts.
    maxQueue: Infinity,
    workerData: { taskModule },
    // Without tsx to add, threads inherit this process's options, as node does by default.
    execArgv: entry.execArgv.length > 0 ? entry.execArgv : undefined,
    recordTiming: false,
  });
  // piscina emits 'error' when a thread dies with no task on it (it is replaced); nobody
  // waits for that, and an unheard 'error' event would crash this process.
  pool.on('error', () => undefined);
  let stopped: Promise<void> | undefined;
  return {
    capacity: size,
    run: (request, signal) => pool.run(request, { signal }).catch((error: unknown) => Promise.reject(new WorkerLostError(threadLoss(error)))),
    workers: () => pool.threads.length,
    stop: () => (stopped ??= pool.destroy()),
  };
}

/** piscina's reasons, shortened: "worker exited with code: 3" -> "exit code 3". */
function threadLoss(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const exit = /exited with code: (-?\d+)/.exec(message);
  if (exit) return `exit code ${exit[1]}`;
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  return `error: ${message}`;
}
