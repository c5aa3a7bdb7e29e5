// Entry of a `threads` executor worker.
import { parentPort, workerData } from 'node:worker_threads';
import { serveTasks } from '../worker-runtime';

serveTasks(
  (workerData as { taskModule: string }).taskModule,
  (handler) => parentPort!.on('message', handler),
  (message) => parentPort!.postMessage(message),
);
