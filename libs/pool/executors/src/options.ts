// createExecutor's options, checked before anything starts: a bad one throws
// ExecutorOptionsError naming it, and the defaults are filled in here only.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { ExecutorOptionsError } from './errors';
import { EXECUTOR_KINDS, type ExecutorKind, type ExecutorOptions } from './types';

export const MAX_SIZE = 256;
export const DEFAULT_MAX_QUEUE = 1024;

export type ResolvedExecutorOptions = Required<ExecutorOptions>;

export function resolveExecutorOptions(options: ExecutorOptions): ResolvedExecutorOptions {
  const { kind, taskModule } = options;
  if (!(EXECUTOR_KINDS as readonly string[]).includes(kind)) {
    throw new ExecutorOptionsError('kind', `must be one of ${EXECUTOR_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  }
  if (typeof taskModule !== 'string' || !isAbsolute(taskModule) || !existsSync(taskModule)) {
    throw new ExecutorOptionsError('taskModule', `must be the absolute path of an existing module, got ${JSON.stringify(taskModule)}`);
  }
  const size = options.size ?? availableParallelism();
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE) {
    throw new ExecutorOptionsError('size', `must be an integer from 1 to ${MAX_SIZE}, got ${size}`);
  }
  const maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
  if (!Number.isInteger(maxQueue) || maxQueue < 0) {
    throw new ExecutorOptionsError('maxQueue', `must be an integer >= 0, got ${maxQueue}`);
  }
  const name = options.name ?? (kind as ExecutorKind);
  if (typeof name !== 'string' || name === '') {
    throw new ExecutorOptionsError('name', `must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  return { kind, taskModule, size, maxQueue, name };
}
