// The Prometheus metrics a pooled server exports. One instance per server (its own
// Registry), so several servers in one process (tests) never collide.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CallStats } from './call-stats';

/** Records one finished call of a method: its status code and seconds from arrival. */
export type CallRecorder = (code: number, seconds: number) => void;

export interface ServerMetricsOptions {
  /** Constant labels on every series, e.g. { service: 'prod-service' }. */
  labels?: Record<string, string>;
  /** Process metrics (CPU, memory, event-loop lag). */
  processMetrics?: boolean;
}

interface LimiterReadings {
  readonly active: number;
  readonly queued: number;
  readonly maxConcurrentRpcs: number;
}

interface ConnectionReadings {
  readonly connections: number;
  readonly maxConnections: number;
  readonly rejected: number;
  readonly handshakeTimeouts: number;
  readonly tlsFailures?: number;
}

interface ExecutorReadings {
  readonly name: string;
  readonly queued: number;
  readonly running: number;
  readonly workers: number;
  readonly utilization: number;
  readonly completed: number;
  /** Failed tasks by kind of error. */
  readonly failures: object;
}

/** What the metrics read of an executor (structurally @grpc-ts/executors' Executor). */
export interface ObservedExecutor {
  readonly name: string;
  stats(): ExecutorReadings;
}

/** A counter whose value is read from its source when /metrics is scraped. */
function readCounter(registry: Registry, name: string, help: string, read: () => number | undefined): void {
  const metric = {
    name,
    help,
    type: 'counter',
    aggregator: 'sum',
    get: async () => {
      const value = read();
      return { name, help, type: 'counter', aggregator: 'sum', values: value === undefined ? [] : [{ value, labels: {} }] };
    },
    reset: () => undefined,
  };
  registry.registerMetric(metric as never);
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly observed: { limiter?: LimiterReadings; connections?: ConnectionReadings } = {};
  readonly activeRpcs: Gauge;
  readonly maxConcurrentRpcs: Gauge;
  readonly queuedRpcs: Gauge;
  readonly rejectedTotal: Counter<'grpc_method' | 'reason'>;
  /** Calls refused by authentication or authorization, by method and reason. */
  readonly authRejectedTotal: Counter<'grpc_method' | 'reason'>;
  /** grpc_server_handled_total and grpc_server_handling_seconds. */
  readonly calls: CallStats;
  readonly connectionsActive: Gauge;
  readonly connectionsMax: Gauge;
  readonly executorQueueDepth: Gauge<'executor'>;
  readonly executorRunning: Gauge<'executor'>;
  readonly executorWorkers: Gauge<'executor'>;
  readonly executorUtilization: Gauge<'executor'>;
  private readonly executors: ObservedExecutor[] = [];

  constructor(options: ServerMetricsOptions = {}) {
    if (options.labels) this.registry.setDefaultLabels(options.labels);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    // Read from the limiter at scrape time: the per-call path never touches prom-client.
    const limiterReading = (read: (limiter: LimiterReadings) => number) =>
      function (this: Gauge) {
        if (metricsOf.limiter) this.set(read(metricsOf.limiter));
      };
    const metricsOf = this.observed;
    this.activeRpcs = new Gauge({
      name: 'grpc_server_active_rpcs',
      help: 'RPCs holding a concurrency slot now',
      registers,
      collect: limiterReading((limiter) => limiter.active),
    });
    this.maxConcurrentRpcs = new Gauge({
      name: 'grpc_server_max_concurrent_rpcs',
      help: 'Server-wide limit on active RPCs (0 = unlimited)',
      registers,
    });
    this.queuedRpcs = new Gauge({
      name: 'grpc_server_queued_rpcs',
      help: 'RPCs waiting for a concurrency slot',
      registers,
      collect: limiterReading((limiter) => limiter.queued),
    });
    this.rejectedTotal = new Counter({
      name: 'grpc_server_rejected_total',
      help: 'RPCs rejected with RESOURCE_EXHAUSTED by the concurrency limiter',
      labelNames: ['grpc_method', 'reason'],
      registers,
    });
    this.authRejectedTotal = new Counter({
      name: 'grpc_server_auth_rejected_total',
      help: 'RPCs refused with UNAUTHENTICATED or PERMISSION_DENIED, by reason (missing_token, expired, missing_scope, ...)',
      labelNames: ['grpc_method', 'reason'],
      registers,
    });
    this.calls = new CallStats(this.registry);
    const connectionReading = (read: (connections: ConnectionReadings) => number) =>
      function (this: Gauge) {
        if (metricsOf.connections) this.set(read(metricsOf.connections));
      };
    this.connectionsActive = new Gauge({
      name: 'grpc_server_connections_active',
      help: 'Open client connections',
      registers,
      collect: connectionReading((connections) => connections.connections),
    });
    this.connectionsMax = new Gauge({
      name: 'grpc_server_connections_max',
      help: 'Connection limit (0 = unlimited)',
      registers,
      collect: connectionReading((connections) => connections.maxConnections),
    });
    readCounter(
      this.registry,
      'grpc_server_connections_rejected_total',
      'Connections refused because the connection limit was reached',
      () => metricsOf.connections?.rejected,
    );
    readCounter(
      this.registry,
      'grpc_server_connections_handshake_timeouts_total',
      'Connections dropped because they did not complete the HTTP/2 handshake in time',
      () => metricsOf.connections?.handshakeTimeouts,
    );
    readCounter(
      this.registry,
      'grpc_server_tls_handshake_failures_total',
      'TLS handshakes that failed (no or bad client certificate, unknown CA, protocol mismatch)',
      () => metricsOf.connections?.tlsFailures,
    );
    // Executors keep their own counts; they are read here when /metrics is scraped.
    const executors = this.executors;
    const executorGauge = (name: string, help: string, read: (stats: ExecutorReadings) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['executor'],
        registers,
        collect(this: Gauge<'executor'>) {
          for (const executor of executors) this.set({ executor: executor.name }, read(executor.stats()));
        },
      });
    this.executorQueueDepth = executorGauge('executor_queue_depth', 'Tasks waiting for a worker', (s) => s.queued);
    this.executorRunning = executorGauge('executor_running', 'Tasks running now', (s) => s.running);
    this.executorWorkers = executorGauge('executor_workers', 'Workers in the pool', (s) => s.workers);
    this.executorUtilization = executorGauge('executor_utilization', 'Running tasks / workers (0..1)', (s) => s.utilization);
    const tasksTotal = {
      name: 'executor_tasks_total',
      help: 'Tasks finished, by outcome (ok, or the kind of error)',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name: 'executor_tasks_total',
        help: 'Tasks finished, by outcome (ok, or the kind of error)',
        type: 'counter',
        aggregator: 'sum',
        values: executors.flatMap((executor) => {
          const stats = executor.stats();
          return [
            { value: stats.completed, labels: { executor: stats.name, outcome: 'ok' } },
            ...Object.entries(stats.failures as Record<string, number>).map(([outcome, value]) => ({ value, labels: { executor: stats.name, outcome } })),
          ];
        }),
      }),
      reset: () => undefined,
    };
    this.registry.registerMetric(tasksTotal as never);
  }

  /** Exports an executor's queue, workers and task counts, read at scrape time. */
  observeExecutor(executor: ObservedExecutor): void {
    this.executors.push(executor);
  }

  /** Exports this limiter's active and queued calls and its limit. */
  observeLimiter(limiter: LimiterReadings): void {
    this.observed.limiter = limiter;
    this.maxConcurrentRpcs.set(limiter.maxConcurrentRpcs);
  }

  /** Exports this listener's open, refused and timed-out connections, read at scrape time. */
  observeConnections(connections: ConnectionReadings): void {
    this.observed.connections = connections;
  }

  /** The per-call recorder of one method (status code, seconds). */
  recorderFor(path: string): CallRecorder {
    return this.calls.recorderFor(path);
  }
}
