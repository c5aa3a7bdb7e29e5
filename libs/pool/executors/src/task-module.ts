// Where a task module is and how it is loaded: a .js file in a bundle, a .ts file from
// source. The main process already runs TypeScript through its runner (tsx, Jest); a
// worker gets tsx's hook from worker-entries.ts before it loads a .ts module.
import { existsSync } from 'node:fs';
import type { TaskModule } from './types';

/**
 * The path of a task module next to the caller: `<dir>/<name>.js` in an esbuild bundle
 * (tools/scripts/bundle-service.mjs emits it), `<dir>/<name>.ts` when run from source.
 */
export function resolveTaskModule(dir: string, name: string): string {
  const bundled = `${dir}/${name}.js`;
  return existsSync(bundled) ? bundled : `${dir}/${name}.ts`;
}

export function loadTaskModule(path: string): TaskModule {
  return require(path) as TaskModule;
}
