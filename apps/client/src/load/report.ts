// Turns a load run into the figures people and scripts read (the --json shape).
import { statusName } from '../cli-error';
import type { LoadResult } from './driver';

export interface LoadReport {
  rpc: string;
  method: string;
  target: string;
  concurrency: number;
  channels: number;
  /** Calls finished, any status. */
  calls: number;
  ok: number;
  errors: number;
  elapsedSeconds: number;
  /** Finished calls per second. */
  qps: number;
  latencyMs: { min: number; mean: number; p50: number; p90: number; p99: number; max: number };
  /** Finished calls by status name; only statuses that occurred. */
  statuses: Record<string, number>;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));
const ms = (ns: number) => round(ns / 1e6, 3);

export function buildReport(
  result: LoadResult,
  run: { rpc: string; method: string; target: string; concurrency: number; channels: number },
): LoadReport {
  const statuses: Record<string, number> = {};
  result.statusCounts.forEach((count, code) => {
    if (count > 0) statuses[statusName(code)] = count;
  });
  const ok = result.statusCounts[0] ?? 0;
  const seconds = result.elapsedNs / 1e9;
  const { latency } = result;
  return {
    ...run,
    calls: result.completed,
    ok,
    errors: result.completed - ok,
    elapsedSeconds: round(seconds, 3),
    qps: seconds > 0 ? round(result.completed / seconds, 1) : 0,
    latencyMs: {
      min: ms(latency.min),
      mean: ms(latency.mean),
      p50: ms(latency.percentile(0.5)),
      p90: ms(latency.percentile(0.9)),
      p99: ms(latency.percentile(0.99)),
      max: ms(latency.max),
    },
    statuses,
  };
}
