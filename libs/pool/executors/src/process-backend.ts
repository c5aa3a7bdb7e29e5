// `processes`: tasks run on a workerpool pool of child processes, for CPU-bound work that
// must be isolated (native crashes, memory limits). IPC uses Node's advanced serialisation,
// so typed arrays arrive as typed arrays. workerpool forks, replaces and kills the
// processes: a process that exits or is killed fails its task and is replaced; a cancelled
// task's process is killed once it has not answered within WORKER_TERMINATE_TIMEOUT_MS.
import { pool as createPool } from 'workerpool';
import { WorkerLostError, type BackendOptions, type WorkerBackend } from './backend';
import type { TaskOutcome } from './task-protocol';
import { workerEntry } from './worker-entries';

/** How long a cancelled (or stopping) process gets to exit by itself before SIGTERM (workerpool waits this twice on a cancel). */
export const WORKER_TERMINATE_TIMEOUT_MS = 100;

export function createProcessBackend({ taskModule, size }: BackendOptions): WorkerBackend {
  const entry = workerEntry('process-worker', taskModule);
  const pool = createPool(entry.file, {
    workerType: 'process',
    minWorkers: size,
    maxWorkers: size,
    forkArgs: [taskModule],
    forkOpts: { execArgv: entry.execArgv, serialization: 'advanced' },
    workerTerminateTimeout: WORKER_TERMINATE_TIMEOUT_MS,
  });
  let stopped: Promise<void> | undefined;
  return {
    capacity: size,
    run({ task, args }, signal) {
      const running = pool.exec('runTask', [task, args]);
      const cancel = () => void running.cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      // Adopted into a native promise: workerpool's own Promise class stays in here.
      return Promise.resolve(running as PromiseLike<TaskOutcome>).then(
        (outcome) => {
          signal?.removeEventListener('abort', cancel);
          return outcome;
        },
        (error: unknown) => {
          signal?.removeEventListener('abort', cancel);
          throw new WorkerLostError(processLoss(error));
        },
      );
    },
    workers: () => pool.stats().totalWorkers,
    stop: () => (stopped ??= Promise.resolve(pool.terminate(true)).then(() => undefined)),
  };
}

/** workerpool's reasons, shortened: "...exitCode: `3`\n signalCode: `null`..." -> "exit code 3". */
function processLoss(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const signal = /signalCode: `(\w+)`/.exec(message)?.[1];
  if (signal && signal !== 'null') return `signal ${signal}`;
  const exit = /exitCode: `(-?\d+)`/.exec(message)?.[1];
  if (exit) return `exit code ${exit}`;
  if (error instanceof Error && error.name === 'CancellationError') return 'cancelled';
  return `error: ${message.split('\n')[0]}`;
}
