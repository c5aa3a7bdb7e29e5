// Server CPU time from the server process's own counters: utime + stime in /proc/<pid>/stat
// (clock ticks, for every thread of the process, live or ended: libuv's pool and worker
// threads in Node, grpcio's thread pool in Python). Read at the start and the end of a
// measured window, the difference divided by the calls (or messages) served in it is the
// server's CPU cost per call: a figure that moves much less with other work on the machine
// than calls/s does, because time the server spends waiting for a core is not counted.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R running, S sleeping, T stopped, ... */
  state: string;
  ppid: number;
  /** Clock ticks in user mode, all threads. */
  utime: number;
  /** Clock ticks in kernel mode, all threads. */
  stime: number;
}

/**
 * Parses one /proc/<pid>/stat line. The command name (field 2) is in parentheses and may
 * itself hold spaces and parentheses, so fields are counted from the LAST ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf('(')).trim());
  // After ')': state(3) ppid(4) pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15)
  const fields = close < 0 ? [] : text.slice(close + 1).trim().split(/\s+/);
  const ppid = Number(fields[1]);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isInteger(utime) || !Number.isInteger(stime)) {
    throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 200))}`);
  }
  return { pid, state: fields[0]!, ppid, utime, stime };
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime (100 on every Linux seen; asked of getconf once). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    const parsed = Number(answer.stdout?.trim());
    ticksPerSecond = answer.status === 0 && parsed > 0 ? parsed : 100;
  }
  return ticksPerSecond;
}

export function readProcStat(pid: number): ProcStat {
  return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** True when `pid` is `ancestor` or runs under it (its parent chain reaches it). */
export function isSameOrDescendant(pid: number, ancestor: number, read: (pid: number) => ProcStat = readProcStat): boolean {
  for (let current = pid, hops = 0; current > 1 && hops < 64; hops++) {
    if (current === ancestor) return true;
    current = read(current).ppid;
  }
  return false;
}

/** One reading: CPU seconds used so far by the processes, and when (performance.now(), ms). */
export interface CpuSample {
  cpuSeconds: number;
  atMs: number;
  /** Steal time of the server's core so far (/proc/stat), when the core is known. */
  stealSeconds?: number;
}

/**
 * Steal ticks of one core from /proc/stat ("cpuN user nice system idle iowait irq softirq steal ..."):
 * time the hypervisor ran something else while this VM's core wanted to run. Undefined when absent.
 */
export function parseCoreSteal(procStat: string, core: number): number | undefined {
  const line = procStat.split('\n').find((l) => l.startsWith(`cpu${core} `));
  const steal = Number(line?.trim().split(/\s+/)[8]);
  return Number.isInteger(steal) ? steal : undefined;
}

/** utime + stime of every pid, summed, in seconds. Throws when a process is gone. */
export function sampleCpu(pids: readonly number[], core?: number, hz = clockTicksPerSecond()): CpuSample {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readProcStat(pid);
    ticks += stat.utime + stat.stime;
  }
  const steal = core === undefined ? undefined : parseCoreSteal(readFileSync('/proc/stat', 'utf8'), core);
  return { cpuSeconds: ticks / hz, atMs: performance.now(), ...(steal === undefined ? {} : { stealSeconds: steal / hz }) };
}

/** The server's CPU over one measured window. */
export interface ServerCpu {
  /** CPU seconds the server used in the window. */
  cpuSeconds: number;
  /** The window's wall-clock length. */
  wallSeconds: number;
  /** cpuSeconds / wallSeconds: 1 = the server kept its whole core busy. */
  utilization: number;
  /** Calls (unary) or messages (streaming) served in the window. */
  count: number;
  /** Server CPU microseconds per call or per message. */
  microsPerUnit: number;
  /**
   * Share of the window the hypervisor stole from the server's core (absent when unknown). Well
   * above 0 means the host was busy with other guests: the same work then also takes more CPU time.
   */
  stealShare?: number;
}

export function serverCpuBetween(before: CpuSample, after: CpuSample, count: number): ServerCpu {
  const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
  const wallSeconds = (after.atMs - before.atMs) / 1000;
  if (!(cpuSeconds >= 0) || !(wallSeconds > 0)) {
    throw new Error(`server CPU went from ${before.cpuSeconds} s to ${after.cpuSeconds} s over ${wallSeconds} s: not one live process`);
  }
  return {
    cpuSeconds,
    wallSeconds,
    utilization: cpuSeconds / wallSeconds,
    count,
    microsPerUnit: count > 0 ? (cpuSeconds * 1e6) / count : Number.NaN,
    ...(before.stealSeconds !== undefined && after.stealSeconds !== undefined
      ? { stealShare: Math.max(0, after.stealSeconds - before.stealSeconds) / wallSeconds }
      : {}),
  };
}

/** What makes a CPU figure untrustworthy, [] when nothing: no work counted, or no CPU used (the wrong process). */
export function checkServerCpu(cpu: ServerCpu): string[] {
  if (!(cpu.count > 0)) return ['server CPU: nothing was served in the window'];
  if (!(cpu.cpuSeconds > 0)) return ['server CPU: the server process used no CPU in the window (wrong pid?)'];
  return [];
}

/** 41.234 -> "41.2"; "-" for a missing figure. */
export function formatMicros(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}
