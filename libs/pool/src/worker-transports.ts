// How a pool starts and talks to one worker: a worker thread or a child process. The pool
// logic is the same for both; only this part differs.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TaskReply, TaskRequest, WorkerReady } from './worker-protocol';

export interface WorkerHandle {
  send(request: TaskRequest): void;
  /** Kills the worker; onExit still fires. */
  kill(): void;
  onMessage(listener: (message: TaskReply | WorkerReady) => void): void;
  /** Settles once the worker is gone, with a description of why. */
  readonly exited: Promise<string>;
}

export type WorkerTransport = (taskModule: string) => WorkerHandle;

/** The worker entry: bundled .js beside the bundle (see bundle-service.mjs), else the .ts source. */
function entry(name: string): string {
  const bundled = join(__dirname, 'workers', `${name}.js`);
  return existsSync(bundled) ? bundled : join(__dirname, 'workers', `${name}.ts`);
}

// A TypeScript entry needs tsx's hook before it loads; a bundled one runs as is.
const THREAD_BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) require(workerData.tsxApi).register();
require(workerData.entry);
`;

export const threadTransport: WorkerTransport = (taskModule) => {
  const file = entry('thread-entry');
  const worker = new Worker(THREAD_BOOT, {
    eval: true,
    workerData: { entry: file, taskModule, tsxApi: file.endsWith('.ts') ? require.resolve('tsx/cjs/api') : '' },
  });
  let detail = 'exited';
  worker.on('error', (error) => (detail = `error: ${error.message}`));
  return {
    send: (request) => worker.postMessage(request),
    kill: () => void worker.terminate(),
    onMessage: (listener) => worker.on('message', listener),
    exited: new Promise((resolve) => worker.once('exit', (code) => resolve(`${detail}, exit code ${code}`))),
  };
};

export const processTransport: WorkerTransport = (taskModule) => {
  const file = entry('process-entry');
  const child = fork(file, [], {
    env: { ...process.env, POOL_TASK_MODULE: taskModule },
    execArgv: file.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let detail = 'exited';
  child.on('error', (error) => (detail = `error: ${error.message}`));
  return {
    // A send racing the child's death must not throw; the exit fails the task instead.
    send: (request) => void child.send(request, (error) => error && child.kill('SIGKILL')),
    kill: () => void child.kill('SIGKILL'),
    onMessage: (listener) => child.on('message', listener as (message: unknown) => void),
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(`${detail}, ${signal ? `signal ${signal}` : `exit code ${code}`}`)),
    ),
  };
};
