// The measured layout: server on one core, load generator on the other, with taskset.
import { spawnSync } from 'node:child_process';

export const SERVER_CPU = 0;
export const LOAD_CPU = 1;

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** `taskset -c <cpu>` in front of a command; the command alone when cpu is undefined or taskset is missing. */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined || !hasCommand('taskset')) return [command, args];
  return ['taskset', ['-c', String(cpu), command, ...args]];
}

let pinnedCore: number | undefined | null = null;
/** The core the servers run on, or undefined when they are not pinned (no taskset). */
export function serverCore(): number | undefined {
  if (pinnedCore === null) pinnedCore = hasCommand('taskset') ? SERVER_CPU : undefined;
  return pinnedCore;
}
