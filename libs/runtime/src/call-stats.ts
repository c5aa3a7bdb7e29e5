// Per-method call counts (by status code) and latency buckets, kept in plain numbers on the
// call path and turned into Prometheus series only when /metrics is scraped. prom-client's
// own Counter/Histogram hash their label objects on every increment, which cost ~10% of
// unary QPS here (libs/pool/bench); this keeps the per-call cost to a few array writes.
import { statusName } from './status-codes';
import type { Registry } from 'prom-client';

export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class MethodStats {
  readonly byCode = new Map<number, number>();
  // One count per bucket upper bound, plus +Inf.
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  record(code: number, seconds: number): void {
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    this.buckets[bucket]!++;
    this.sum += seconds;
    this.count++;
  }
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A metric object in the shape prom-client's Registry reads (name, help, type, get). */
interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: Sample[] }>;
  reset(): void;
}

export class CallStats {
  private readonly methods = new Map<string, MethodStats>();

  constructor(registry: Registry) {
    registry.registerMetric(this.handledTotal() as never);
    registry.registerMetric(this.handlingSeconds() as never);
  }

  /** The per-call entry point for one method: (status code, seconds since arrival). */
  recorderFor(path: string): (code: number, seconds: number) => void {
    let stats = this.methods.get(path);
    if (!stats) {
      stats = new MethodStats();
      this.methods.set(path, stats);
    }
    const target = stats;
    return (code, seconds) => target.record(code, seconds);
  }

  private metric(name: string, help: string, type: CollectedMetric['type'], values: () => Sample[]): CollectedMetric {
    return {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
      reset: () => this.methods.clear(),
    };
  }

  private handledTotal(): CollectedMetric {
    return this.metric('grpc_server_handled_total', 'RPCs completed, by method and status code', 'counter', () => {
      const samples: Sample[] = [];
      for (const [path, stats] of this.methods) {
        for (const [code, value] of stats.byCode) {
          samples.push({ value, labels: { grpc_method: path, grpc_code: statusName(code) } });
        }
      }
      return samples;
    });
  }

  private handlingSeconds(): CollectedMetric {
    const name = 'grpc_server_handling_seconds';
    return this.metric(name, 'Time from call arrival to status, including any wait for a slot', 'histogram', () => {
      const samples: Sample[] = [];
      for (const [path, stats] of this.methods) {
        let cumulative = 0;
        for (let i = 0; i <= LATENCY_BUCKETS.length; i++) {
          cumulative += stats.buckets[i]!;
          const le = i < LATENCY_BUCKETS.length ? LATENCY_BUCKETS[i]! : '+Inf';
          samples.push({ value: cumulative, labels: { grpc_method: path, le }, metricName: `${name}_bucket` });
        }
        samples.push({ value: stats.sum, labels: { grpc_method: path }, metricName: `${name}_sum` });
        samples.push({ value: stats.count, labels: { grpc_method: path }, metricName: `${name}_count` });
      }
      return samples;
    });
  }
}
