// The files a worker thread or child process starts from. In a bundle they are .js files
// that tools/scripts/bundle-service.mjs emits beside main.js (src/workers/<name>.ts ->
// workers/<name>.js); from source they are the .ts files, run with tsx's require hook.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type WorkerEntryName = 'thread-worker' | 'process-worker';

export interface WorkerEntry {
  file: string;
  /** True in a bundle: the entry is a .js file beside it. */
  bundled: boolean;
  /** Node options the worker needs to load `file` and the task module (tsx for TypeScript). */
  execArgv: string[];
}

export function workerEntry(name: WorkerEntryName, taskModule: string): WorkerEntry {
  const bundledFile = join(__dirname, 'workers', `${name}.js`);
  const sourceFile = join(__dirname, 'workers', `${name}.ts`);
  const bundled = existsSync(bundledFile);
  // A worker that cannot load its entry dies before it is ready, and pools give up
  // replacing such workers: say so now instead of leaving tasks waiting.
  if (!bundled && !existsSync(sourceFile)) {
    throw new Error(`executor worker entry missing: neither ${bundledFile} nor ${sourceFile} exists (bundle with tools/scripts/bundle-service.mjs)`);
  }
  const file = bundled ? bundledFile : sourceFile;
  const typescript = file.endsWith('.ts') || taskModule.endsWith('.ts');
  return { file, bundled, execArgv: typescript ? ['--require', require.resolve('tsx/cjs')] : [] };
}
