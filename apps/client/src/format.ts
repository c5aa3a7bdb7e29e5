// Human-readable output. Pure functions returning strings; commands decide where they go.
import type { routeguide } from '@grpc-ts/protos';
import type { LoadReport } from './load/report';
import { E7 } from './points';

/** "40.9146138,-74.6188906" (degrees; what maps and people read). */
export function formatPoint(point: routeguide.Point | undefined): string {
  const { latitude = 0, longitude = 0 } = point ?? {};
  return `${(latitude / E7).toFixed(7)},${(longitude / E7).toFixed(7)}`;
}

export function formatFeature(feature: routeguide.Feature): string {
  return feature.name ? `"${feature.name}" at ${formatPoint(feature.location)}` : `no feature at ${formatPoint(feature.location)}`;
}

export function formatSummary(summary: routeguide.RouteSummary): string {
  return (
    `${summary.pointCount} points, ${summary.featureCount} features passed, ` +
    `${summary.distance} m, ${summary.elapsedTime} s`
  );
}

export function formatNote(note: routeguide.RouteNote): string {
  return `note at ${formatPoint(note.location)}: ${note.message}`;
}

export function formatMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}

/** Lines of two columns, the first padded to the widest. */
export function columns(rows: [string, string][], indent = '  '): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`).join('\n');
}

export function formatLoadReport(report: LoadReport): string {
  const { latencyMs: l } = report;
  const statuses = Object.entries(report.statuses)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]): [string, string] => [name, String(count)]);
  return [
    `${report.rpc} (${report.method}) -> ${report.target}`,
    `${report.concurrency} concurrent calls over ${report.channels} channel(s)`,
    columns([
      ['calls', `${report.calls} in ${report.elapsedSeconds.toFixed(2)} s (${report.ok} ok, ${report.errors} failed)`],
      ['throughput', `${report.qps.toFixed(1)} calls/s`],
      ['latency', `p50 ${formatMs(l.p50)}  p90 ${formatMs(l.p90)}  p99 ${formatMs(l.p99)}`],
      ['', `min ${formatMs(l.min)}  mean ${formatMs(l.mean)}  max ${formatMs(l.max)}`],
    ]),
    'status codes:',
    statuses.length > 0 ? columns(statuses) : '  (no calls finished)',
  ].join('\n');
}
