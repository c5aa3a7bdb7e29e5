import { status } from '@grpc/grpc-js';
import { join } from 'node:path';
import {
  ExecutorClosedError,
  PoolOptionsError,
  QueueFullError,
  TaskCancelledError,
  TaskFailedError,
  WorkerCrashedError,
  createExecutor,
  type Executor,
  type ExecutorKind,
} from '../src';
import type * as Tasks from './fixtures/tasks';

const taskModule = join(__dirname, 'fixtures/tasks.ts');
type T = typeof Tasks;

describe('executor options are validated at construction', () => {
  it.each([
    [{ kind: 'fibers' }, 'invalid option kind: must be one of inline, threads, processes'],
    [{ taskModule: 'fixtures/tasks.ts' }, 'invalid option taskModule'],
    [{ taskModule: '/no/such/tasks.ts' }, 'invalid option taskModule'],
    [{ size: 0 }, 'invalid option size: must be an integer from 1 to 256, got 0'],
    [{ size: 1.5 }, 'invalid option size'],
    [{ maxQueue: -1 }, 'invalid option maxQueue: must be an integer >= 0, got -1'],
  ])('%j', (override, message) => {
    const options = { kind: 'threads' as ExecutorKind, taskModule, size: 1, ...override } as Parameters<typeof createExecutor>[0];
    expect(() => createExecutor(options)).toThrow(PoolOptionsError);
    expect(() => createExecutor(options)).toThrow(message);
  });
});

describe('inline executor', () => {
  const executor = createExecutor<T>({ kind: 'inline', taskModule });

  it('runs tasks on this thread', async () => {
    await expect(executor.run('add', [2, 3])).resolves.toBe(5);
    await expect(executor.run('whereAmI', [])).resolves.toEqual({ pid: process.pid, threadId: 0 });
  });

  it('reports task errors and unknown tasks as TaskFailedError', async () => {
    await expect(executor.run('fail', ['boom'])).rejects.toThrow(new TaskFailedError('boom'));
    await expect(executor.run('nope' as 'add', [1, 2])).rejects.toThrow('no task named "nope"');
  });

  it('refuses a task whose signal is already aborted, and all tasks after close', async () => {
    await expect(executor.run('add', [1, 1], { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(TaskCancelledError);
    const pending = executor.run('sleep', [50]);
    const closed = executor.close();
    await expect(executor.run('add', [1, 1])).rejects.toBeInstanceOf(ExecutorClosedError);
    await expect(pending).resolves.toBe(50);
    await closed;
  });
});

describe.each(['threads', 'processes'] as const)('%s executor', (kind) => {
  const open: Executor<T>[] = [];
  const make = (size: number, maxQueue = 16) => {
    const executor = createExecutor<T>({ kind, taskModule, size, maxQueue });
    open.push(executor);
    return executor;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((executor) => executor.destroy()));
  });

  it('runs tasks in separate workers and returns their values', async () => {
    const executor = make(2);
    await expect(executor.run('add', [20, 22])).resolves.toBe(42);
    const places = await Promise.all([executor.run('spin', [100]), executor.run('spin', [100])]).then(() =>
      Promise.all([executor.run('whereAmI', []), executor.run('whereAmI', [])]),
    );
    for (const place of places) {
      if (kind === 'threads') expect(place).toMatchObject({ pid: process.pid, threadId: expect.any(Number) });
      else expect(place.pid).not.toBe(process.pid);
      expect(place.threadId === 0 && place.pid === process.pid).toBe(false);
    }
    expect(executor.stats()).toMatchObject({ kind, workers: 2, running: 0, queued: 0 });
  });

  it('maps a failing task to TaskFailedError and keeps the worker', async () => {
    const executor = make(1);
    await expect(executor.run('fail', ['bad input'])).rejects.toThrow(new TaskFailedError('bad input'));
    await expect(executor.run('add', [1, 2])).resolves.toBe(3);
  });

  it('refuses a task with QueueFullError (RESOURCE_EXHAUSTED) when the queue is full', async () => {
    const executor = make(1, 1);
    const running = executor.run('spin', [300]);
    const queued = executor.run('add', [1, 1]);
    const refused = executor.run('add', [2, 2]).catch((e: unknown) => e);
    expect(await refused).toBeInstanceOf(QueueFullError);
    expect(await refused).toMatchObject({ grpcCode: status.RESOURCE_EXHAUSTED });
    await expect(running).resolves.toBe(300);
    await expect(queued).resolves.toBe(2);
  });

  it('cancels a queued task without touching the running one', async () => {
    const executor = make(1);
    const running = executor.run('spin', [200]);
    const controller = new AbortController();
    const queued = executor.run('add', [1, 1], { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(TaskCancelledError);
    await expect(running).resolves.toBe(200);
    expect(executor.stats().queued).toBe(0);
  });

  it('cancels a running task at once by replacing its worker', async () => {
    const executor = make(1);
    await executor.run('add', [0, 0]); // worker up
    const controller = new AbortController();
    const started = Date.now();
    const long = executor.run('spin', [10_000], { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(long).rejects.toBeInstanceOf(TaskCancelledError);
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(executor.run('add', [2, 2])).resolves.toBe(4); // the replacement works
    expect(executor.stats().workers).toBe(1);
  });

  it('fails the task of a crashed worker with WorkerCrashedError and replaces the worker', async () => {
    const executor = make(1);
    const error = await executor.run('crash', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error).toMatchObject({ grpcCode: status.UNAVAILABLE });
    expect((error as Error).message).toContain('exit code 3');
    await expect(executor.run('add', [5, 5])).resolves.toBe(10);
    expect(executor.stats()).toMatchObject({ workers: 1, failed: 1 });
  });

  it('close() finishes running and queued tasks, then refuses new ones', async () => {
    const executor = make(1);
    const first = executor.run('spin', [100]);
    const second = executor.run('add', [1, 2]);
    const closing = executor.close();
    await expect(executor.run('add', [1, 1])).rejects.toThrow(new ExecutorClosedError('closing'));
    await expect(first).resolves.toBe(100);
    await expect(second).resolves.toBe(3);
    await closing;
    expect(executor.stats().workers).toBe(0);
  });

  it('destroy() fails running and queued tasks at once and kills the workers', async () => {
    const executor = make(1);
    await executor.run('add', [0, 0]);
    const running = executor.run('spin', [10_000]).catch((e: unknown) => e);
    const queued = executor.run('add', [1, 2]).catch((e: unknown) => e);
    const started = Date.now();
    await executor.destroy();
    expect(await running).toBeInstanceOf(ExecutorClosedError);
    expect(await queued).toBeInstanceOf(ExecutorClosedError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(executor.stats().workers).toBe(0);
    await expect(executor.run('add', [1, 1])).rejects.toThrow('executor was destroyed');
  });
});
