// The bundled program's task module (bundled to tasks/bundle-tasks.js beside main.js).
import { threadId } from 'node:worker_threads';

export function describeRoute(points: Int32Array): { type: string; sum: number } {
  return { type: Object.prototype.toString.call(points), sum: points.reduce((a, b) => a + b, 0) };
}

export function whereAmI(): { pid: number; threadId: number } {
  return { pid: process.pid, threadId };
}

export function exit(code: number): never {
  process.exit(code);
}
