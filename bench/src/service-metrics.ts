// Reads a project service's Prometheus /metrics after the run: proof that metrics were on
// under load, and an independent count of calls by gRPC status and of limiter rejections.
import { METRICS_LISTENING } from '@grpc-ts/runtime';
import { PROJECT_METHODS } from './plan';
import { baseOf, type RunningTarget, type TargetId } from './servers';
import { formatCount } from './stats';

export interface CallCounts {
  /** grpc_server_handled_total by grpc_code (OK, CANCELLED, ...). */
  byCode: Record<string, number>;
  /** Codes other than OK and CANCELLED (a load generator hanging up at the end cancels calls in flight). */
  unexpected: Record<string, number>;
  /** grpc_server_rejected_total: calls the concurrency limiter turned away. */
  rejected: number;
}

const EXPECTED_CODES = new Set(['OK', 'CANCELLED']);

export function parseCallCounts(text: string, method: string): CallCounts {
  const counts: CallCounts = { byCode: {}, unexpected: {}, rejected: 0 };
  for (const line of text.split('\n')) {
    const sample = /^(grpc_server_handled_total|grpc_server_rejected_total)\{([^}]*)\} (\S+)$/.exec(line);
    if (!sample || !sample[2]!.includes(`grpc_method="${method}"`)) continue;
    const value = Number(sample[3]);
    if (sample[1] === 'grpc_server_rejected_total') {
      counts.rejected += value;
      continue;
    }
    const code = /grpc_code="([^"]*)"/.exec(sample[2]!)?.[1] ?? 'unknown';
    counts.byCode[code] = (counts.byCode[code] ?? 0) + value;
    if (!EXPECTED_CODES.has(code)) counts.unexpected[code] = counts.byCode[code];
  }
  return counts;
}

export async function scrapeCallCounts(metricsPort: number, method: string): Promise<CallCounts> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  if (!response.ok) throw new Error(`/metrics answered HTTP ${response.status}`);
  return parseCallCounts(await response.text(), method);
}

/** Each running project service's counts after the run: check lines, and problem lines when a count is off. */
export async function checkServiceMetrics(running: ReadonlyMap<TargetId, RunningTarget>): Promise<{ checks: string[]; problems: string[] }> {
  const checks: string[] = [];
  const problems: string[] = [];
  for (const [id, target] of running) {
    const methods = PROJECT_METHODS.find(([service]) => service === baseOf(id))?.[1];
    if (!methods) continue;
    const metricsPort = target.logs.find((entry) => entry.msg === METRICS_LISTENING)?.port;
    if (typeof metricsPort !== 'number') {
      problems.push(`${id}: no 'metrics listening' log, so metrics were not on`);
      continue;
    }
    for (const method of methods) {
      try {
        const counts = await scrapeCallCounts(metricsPort, method);
        const line =
          `${id} /metrics ${method}: ${formatCount(counts.byCode.OK ?? 0)} OK, ` +
          `${formatCount(counts.byCode.CANCELLED ?? 0)} CANCELLED (calls in flight when h2load stops), ` +
          `other codes ${JSON.stringify(counts.unexpected)}, ${counts.rejected} rejected by the limiter`;
        if (Object.keys(counts.unexpected).length > 0 || counts.rejected > 0 || !counts.byCode.OK) problems.push(line);
        else checks.push(line);
      } catch (error) {
        problems.push(`${id} /metrics: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  return { checks, problems };
}
