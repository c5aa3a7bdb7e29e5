// The executors on real threads and processes, from TypeScript source. Steps are ordered by
// events (a task connects once it runs: support/start-signal.ts), never by sleeps.
import { join } from 'node:path';
import {
  ExecutorClosedError,
  ExecutorOptionsError,
  QueueFullError,
  TaskCancelledError,
  TaskFailedError,
  WorkerCrashedError,
  createExecutor,
  isExecutorError,
  type Executor,
  type ExecutorKind,
  type ExecutorOptions,
} from '../src';
import type * as Tasks from './fixtures/tasks';
import { startSignal, type StartSignal } from './support/start-signal';

const taskModule = join(__dirname, 'fixtures/tasks.ts');
type T = typeof Tasks;

const open: Executor<T>[] = [];
function make(options: Partial<ExecutorOptions> & { kind: ExecutorKind }): Executor<T> {
  const executor = createExecutor<T>({ taskModule, size: 1, maxQueue: 16, ...options });
  open.push(executor);
  return executor;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((executor) => executor.destroy()));
});

let signal: StartSignal;
beforeEach(async () => {
  signal = await startSignal();
});
afterEach(() => signal.close());

describe('options are validated when the executor is made', () => {
  it.each([
    [{ kind: 'fibers' }, 'kind', 'invalid option kind: must be one of inline, threads, processes'],
    [{ taskModule: 'fixtures/tasks.ts' }, 'taskModule', 'invalid option taskModule'],
    [{ taskModule: '/no/such/tasks.ts' }, 'taskModule', 'invalid option taskModule'],
    [{ size: 0 }, 'size', 'invalid option size: must be an integer from 1 to 256, got 0'],
    [{ size: 1.5 }, 'size', 'invalid option size'],
    [{ size: 257 }, 'size', 'invalid option size'],
    [{ maxQueue: -1 }, 'maxQueue', 'invalid option maxQueue: must be an integer >= 0, got -1'],
    [{ name: '' }, 'name', 'invalid option name'],
  ])('%j', (override, option, message) => {
    const options = { kind: 'threads', taskModule, size: 1, ...override } as ExecutorOptions;
    expect(() => createExecutor(options)).toThrow(ExecutorOptionsError);
    expect(() => createExecutor(options)).toThrow(message);
    expect(() => createExecutor(options)).toThrow(expect.objectContaining({ option }));
  });
});

describe('inline executor', () => {
  it('runs tasks on this thread, and a failing or unknown task is a TaskFailedError', async () => {
    const executor = make({ kind: 'inline' });
    await expect(executor.run('add', [2, 3])).resolves.toBe(5);
    await expect(executor.run('whereAmI', [])).resolves.toEqual({ pid: process.pid, threadId: 0 });
    await expect(executor.run('fail', ['boom'])).rejects.toThrow('task failed: boom');
    await expect(executor.run('nope' as 'add', [1, 2])).rejects.toThrow('no task named "nope"');
    await expect(executor.run('toString' as 'add', [1, 2])).rejects.toThrow('no task named "toString"');
    expect(executor.stats()).toMatchObject({ kind: 'inline', workers: 0, completed: 2, failed: 3, utilization: 0 });
  });

  it('refuses an aborted signal, settles at once on abort, and close() waits for running tasks', async () => {
    const executor = make({ kind: 'inline' });
    await expect(executor.run('add', [1, 1], { signal: AbortSignal.abort('gone') })).rejects.toMatchObject({
      kind: 'cancelled',
      cause: 'gone',
    });
    const controller = new AbortController();
    const forever = executor.run('never', [], { signal: controller.signal });
    controller.abort();
    await expect(forever).rejects.toBeInstanceOf(TaskCancelledError);
    const pending = executor.run('sleep', [20]);
    const closed = executor.close();
    await expect(executor.run('add', [1, 1])).rejects.toThrow(new ExecutorClosedError('closing'));
    await expect(pending).resolves.toBe(20);
    await closed;
  });

  it('destroy() fails running tasks at once', async () => {
    const executor = make({ kind: 'inline' });
    const forever = executor.run('never', []);
    await executor.destroy();
    await expect(forever).rejects.toThrow(new ExecutorClosedError('destroyed'));
    expect(executor.stats()).toMatchObject({ running: 0, failures: { closed: 1 } });
  });
});

describe.each(['threads', 'processes'] as const)('%s executor', (kind) => {
  it('runs tasks in separate workers and returns their values', async () => {
    const executor = make({ kind, size: 2, name: 'test' });
    await expect(executor.run('add', [20, 22])).resolves.toBe(42);
    const both = [executor.run('signalThenHold', [signal.port]), executor.run('signalThenHold', [signal.port])];
    await signal.started(2); // both are running at once, so on two workers
    expect(executor.stats()).toMatchObject({ kind, name: 'test', workers: 2, running: 2, queued: 0, utilization: 1 });
    signal.release();
    await expect(Promise.all(both)).resolves.toEqual(['released', 'released']);
    const places = await Promise.all([executor.run('whereAmI', []), executor.run('whereAmI', [])]);
    for (const place of places) {
      if (kind === 'threads') expect(place).toEqual({ pid: process.pid, threadId: expect.any(Number) });
      else expect(place.pid).not.toBe(process.pid);
      expect(place.threadId === 0 && place.pid === process.pid).toBe(false);
    }
    expect(executor.stats()).toMatchObject({ workers: 2, running: 0, queued: 0, completed: 5, failed: 0, utilization: 0 });
  });

  it('passes typed arrays as typed arrays, both ways', async () => {
    const executor = make({ kind });
    const route = Int32Array.from({ length: 8192 }, (_, i) => i - 4000);
    const result = await executor.run('describeArray', [route.subarray(0, 4096)]);
    expect(result).toMatchObject({ type: 'Int32Array', length: 4096, sum: (4095 * 4096) / 2 - 4000 * 4096 });
    expect(Object.prototype.toString.call(result.doubled)).toBe('[object Float64Array]'); // Jest's realm has its own Float64Array
    expect(result.doubled[4095]).toBe(2 * 95);
  });

  it('fails a throwing task with TaskFailedError (cause kept, no transport code) and keeps the worker', async () => {
    const executor = make({ kind });
    const before = await executor.run('whereAmI', []);
    const error = await executor.run('fail', ['bad input']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ kind: 'task-failed', message: 'task failed: bad input', cause: { name: 'RangeError', message: 'bad input' } });
    expect(error).not.toHaveProperty('grpcCode');
    expect(isExecutorError(error)).toBe(true);
    await expect(executor.run('nope' as 'add', [1, 2])).rejects.toThrow('no task named "nope"');
    await expect(executor.run('whereAmI', [])).resolves.toEqual(before);
  });

  it('refuses a task with QueueFullError when every worker is busy and the queue is full', async () => {
    const executor = make({ kind, maxQueue: 1 });
    const running = executor.run('signalThenSpin', [signal.port, 50]);
    const queued = executor.run('add', [1, 1]);
    const refused = executor.run('add', [2, 2]).catch((e: unknown) => e);
    expect(await refused).toBeInstanceOf(QueueFullError);
    expect(await refused).toMatchObject({ kind: 'queue-full', limit: 1 });
    expect(executor.stats()).toMatchObject({ running: 1, queued: 1 });
    await expect(running).resolves.toBe(50);
    await expect(queued).resolves.toBe(2);
  });

  it('with maxQueue 0 refuses any task that finds no free worker', async () => {
    const executor = make({ kind, maxQueue: 0 });
    const running = executor.run('add', [1, 1]);
    await expect(executor.run('add', [2, 2])).rejects.toBeInstanceOf(QueueFullError);
    await expect(running).resolves.toBe(2);
  });

  it('cancels a queued task without touching the running one', async () => {
    const executor = make({ kind });
    const running = executor.run('signalThenHold', [signal.port]);
    const controller = new AbortController();
    const queued = executor.run('add', [1, 1], { signal: controller.signal });
    expect(executor.stats().queued).toBe(1);
    await signal.started();
    controller.abort();
    await expect(queued).rejects.toBeInstanceOf(TaskCancelledError);
    expect(executor.stats()).toMatchObject({ queued: 0, running: 1 });
    signal.release();
    await expect(running).resolves.toBe('released');
  });

  it('cancels a running task at once and replaces its worker', async () => {
    const executor = make({ kind });
    const before = await executor.run('whereAmI', []);
    const controller = new AbortController();
    const long = executor.run('signalThenSpin', [signal.port, 60_000], { signal: controller.signal });
    const next = executor.run('whereAmI', []); // queued behind it, runs on the replacement
    await signal.started();
    controller.abort(new Error('client went away'));
    await expect(long).rejects.toMatchObject({ kind: 'cancelled', cause: new Error('client went away') });
    const after = await next;
    expect(after).not.toEqual(before);
    expect(executor.stats()).toMatchObject({ workers: 1, running: 0, failures: { cancelled: 1 } });
  });

  it('fails the task of a worker that exits with WorkerCrashedError and replaces the worker', async () => {
    const executor = make({ kind });
    const error = await executor.run('exit', [3]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerCrashedError);
    expect(error).toMatchObject({ kind: 'worker-crashed', detail: 'exit code 3' });
    await expect(executor.run('add', [5, 5])).resolves.toBe(10);
    expect(executor.stats()).toMatchObject({ workers: 1, completed: 1, failed: 1, failures: { 'worker-crashed': 1 } });
  });

  if (kind === 'processes') {
    it.each(['SIGKILL', 'SIGSEGV'] as const)('fails the task of a process killed by %s and replaces it', async (name) => {
      const executor = make({ kind });
      await expect(executor.run('killSelf', [name])).rejects.toMatchObject({ kind: 'worker-crashed', detail: `signal ${name}` });
      await expect(executor.run('add', [1, 1])).resolves.toBe(2);
    });
  } else {
    it('fails the task of a thread killed by an uncaught error and replaces it', async () => {
      const executor = make({ kind });
      await expect(executor.run('throwUncaught', ['kaboom'])).rejects.toMatchObject({ kind: 'worker-crashed', detail: expect.stringMatching(/^error: .*kaboom/) });
      await expect(executor.run('add', [1, 1])).resolves.toBe(2);
    });
  }

  it('fails every task of a module that does not load, without killing workers', async () => {
    const executor = createExecutor<T>({ kind, size: 1, taskModule: join(__dirname, 'fixtures/broken-tasks.ts') });
    open.push(executor);
    await expect(executor.run('add', [1, 1])).rejects.toThrow('task failed: cannot load the task module: broken on purpose');
    await expect(executor.run('add', [1, 1])).rejects.toBeInstanceOf(TaskFailedError);
    expect(executor.stats()).toMatchObject({ workers: 1, failures: { 'task-failed': 2, 'worker-crashed': 0 } });
  });

  it('close() finishes running and queued tasks, refuses new ones, then stops the workers', async () => {
    const executor = make({ kind });
    const first = executor.run('signalThenSpin', [signal.port, 100]);
    const second = executor.run('add', [1, 2]);
    const closing = executor.close();
    await expect(executor.run('add', [1, 1])).rejects.toThrow(new ExecutorClosedError('closing'));
    await expect(first).resolves.toBe(100);
    await expect(second).resolves.toBe(3);
    await closing;
    expect(executor.stats()).toMatchObject({ workers: 0, completed: 2 });
  });

  it('destroy() fails running and queued tasks at once and kills the workers', async () => {
    const executor = make({ kind });
    const running = executor.run('signalThenSpin', [signal.port, 60_000]).catch((e: unknown) => e);
    const queued = executor.run('add', [1, 2]).catch((e: unknown) => e);
    await signal.started();
    const closing = executor.close(); // a graceful close in progress is cut short too
    await executor.destroy();
    expect(await running).toMatchObject({ kind: 'closed', how: 'destroyed' });
    expect(await queued).toBeInstanceOf(ExecutorClosedError);
    await closing;
    expect(executor.stats()).toMatchObject({ workers: 0, running: 0, queued: 0, failures: { closed: 2 } });
    await expect(executor.run('add', [1, 1])).rejects.toThrow('executor was destroyed');
  });
});
