// Loads a task module by path: a .js file from a bundle, or a .ts source file. In the main
// process TS is already compiled by the runner (tsx, Jest); a fresh worker thread or child
// process is not, so workers register tsx's CommonJS hook first.
import type { TaskModule } from './executor';

export function loadTaskModule(path: string, inWorker = false): TaskModule {
  if (inWorker && path.endsWith('.ts')) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('tsx/cjs/api').register();
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path) as TaskModule;
}
