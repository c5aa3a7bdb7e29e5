// The executor RecordRoute's distance sums run on, from config: worker threads by default
// (CPU-bound trigonometry, kept off the event loop), or child processes, or inline.
import { createExecutor, resolveTaskModule, type ExecutorKind } from '@grpc-ts/executors';
import type { ServerMetrics } from '@grpc-ts/runtime';
import { join } from 'node:path';
import type { RouteExecutor } from './route-length';
import type * as RouteTasks from './tasks/route-tasks';

// tasks/route-tasks.ts from source; tasks/route-tasks.js beside main.js in a bundle.
const taskModule = () => resolveTaskModule(join(__dirname, 'tasks'), 'route-tasks');

export interface RouteExecutorConfig {
  kind: ExecutorKind;
  size: number;
  maxQueue: number;
  metrics?: ServerMetrics;
}

export function createRouteExecutor({ kind, size, maxQueue, metrics }: RouteExecutorConfig): RouteExecutor {
  const executor = createExecutor<typeof RouteTasks>({ kind, size, maxQueue, taskModule: taskModule(), name: 'route-length' });
  metrics?.observeExecutor(executor);
  return executor;
}

export function inlineRouteExecutor(): RouteExecutor {
  return createExecutor<typeof RouteTasks>({ kind: 'inline', taskModule: taskModule(), name: 'route-length' });
}
