// A program using every executor kind, which bundle.test.ts bundles with
// tools/scripts/bundle-service.mjs and runs with plain node from a directory with no
// node_modules: it prints one JSON report.
import { join } from 'node:path';
import { EXECUTOR_KINDS, createExecutor, resolveTaskModule, type WorkerCrashedError } from '../../src';
import type * as Tasks from './tasks/bundle-tasks';

async function main(): Promise<void> {
  const taskModule = resolveTaskModule(join(__dirname, 'tasks'), 'bundle-tasks');
  const report: Record<string, unknown> = { taskModule };
  for (const kind of EXECUTOR_KINDS) {
    const executor = createExecutor<typeof Tasks>({ kind, taskModule, size: 2, name: `bundled-${kind}` });
    const route = await executor.run('describeRoute', [Int32Array.from([1, 2, 3, 4])]);
    const place = await executor.run('whereAmI', []);
    const crash =
      kind === 'inline' ? null : await executor.run('exit', [3]).catch((error: WorkerCrashedError) => ({ kind: error.kind, detail: error.detail }));
    const after = await executor.run('describeRoute', [Int32Array.from([5])]);
    await executor.close();
    report[kind] = { route, sameProcess: place.pid === process.pid, mainThread: place.threadId === 0, crash, after, stats: executor.stats() };
  }
  console.log(JSON.stringify(report));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
