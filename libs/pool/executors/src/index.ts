// @grpc-ts/executors: run CPU-bound (or any) work inline, on worker threads or on child
// processes behind one interface. No transport in it: a server maps the errors itself.
export { createExecutor } from './create-executor';
export {
  ExecutorClosedError,
  ExecutorError,
  ExecutorOptionsError,
  QueueFullError,
  TaskCancelledError,
  TaskFailedError,
  WorkerCrashedError,
  isExecutorError,
  type ExecutorErrorKind,
} from './errors';
export { resolveTaskModule } from './task-module';
export {
  EXECUTOR_KINDS,
  type Executor,
  type ExecutorKind,
  type ExecutorOptions,
  type ExecutorStats,
  type FailureCounts,
  type RunOptions,
  type TaskArgs,
  type TaskModule,
  type TaskName,
  type TaskResult,
} from './types';
