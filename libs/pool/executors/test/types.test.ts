// The types a task module gives `run` (checked by the typecheck target; the run is trivial).
import { join } from 'node:path';
import { createExecutor, type TaskName } from '../src';
import type * as Tasks from './fixtures/tasks';

type Names = TaskName<typeof Tasks>;

it('takes task names, argument and result types from the task module', async () => {
  const executor = createExecutor<typeof Tasks>({ kind: 'inline', taskModule: join(__dirname, 'fixtures/tasks.ts') });
  const sum: number = await executor.run('add', [1, 2]);
  const place: { pid: number; threadId: number } = await executor.run('whereAmI', []);
  const described = await executor.run('describeArray', [new Int32Array(2)]);
  const doubled: Float64Array = described.doubled;
  const slept: number = await executor.run('sleep', [1]); // a Promise<number> task gives number
  // @ts-expect-error -- not a function, so not a task
  const notATask: Names = 'VERSION';
  // Never called: these only have to fail to compile.
  const misuses = () => [
    // @ts-expect-error -- no such task
    executor.run('nope', []),
    // @ts-expect-error -- wrong argument type
    executor.run('add', ['1', 2]),
    // @ts-expect-error -- missing argument
    executor.run('add', [1]),
  ];
  // @ts-expect-error -- the result is a number
  const wrong: string = await executor.run('add', [1, 2]);
  expect([sum, place.pid, doubled.length, slept, notATask, wrong, typeof misuses]).toEqual([3, process.pid, 2, 1, 'VERSION', 3, 'function']);
  await executor.close();
});
