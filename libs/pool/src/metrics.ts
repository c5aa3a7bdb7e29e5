// The Prometheus metrics a pooled server exports. One instance per server (its own
// Registry), so several servers in one process (tests) never collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface ServerMetricsOptions {
  /** Constant labels on every series, e.g. { service: 'prod-service' }. */
  labels?: Record<string, string>;
  /** Process metrics (CPU, memory, event-loop lag). */
  processMetrics?: boolean;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly activeRpcs: Gauge;
  readonly maxConcurrentRpcs: Gauge;
  readonly queuedRpcs: Gauge;
  readonly rejectedTotal: Counter<'grpc_method' | 'reason'>;
  readonly handledTotal: Counter<'grpc_method' | 'grpc_code'>;
  readonly handlingSeconds: Histogram<'grpc_method'>;
  readonly connectionsActive: Gauge;
  readonly connectionsMax: Gauge;
  readonly connectionsRejectedTotal: Counter;
  readonly executorQueueDepth: Gauge<'executor'>;
  readonly executorRunning: Gauge<'executor'>;
  readonly executorWorkers: Gauge<'executor'>;
  readonly executorUtilization: Gauge<'executor'>;
  readonly executorTasksTotal: Counter<'executor' | 'outcome'>;

  constructor(options: ServerMetricsOptions = {}) {
    if (options.labels) this.registry.setDefaultLabels(options.labels);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.activeRpcs = new Gauge({ name: 'grpc_server_active_rpcs', help: 'RPCs holding a concurrency slot now', registers });
    this.maxConcurrentRpcs = new Gauge({
      name: 'grpc_server_max_concurrent_rpcs',
      help: 'Server-wide limit on active RPCs (0 = unlimited)',
      registers,
    });
    this.queuedRpcs = new Gauge({ name: 'grpc_server_queued_rpcs', help: 'RPCs waiting for a concurrency slot', registers });
    this.rejectedTotal = new Counter({
      name: 'grpc_server_rejected_total',
      help: 'RPCs rejected with RESOURCE_EXHAUSTED by the concurrency limiter',
      labelNames: ['grpc_method', 'reason'],
      registers,
    });
    this.handledTotal = new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed, by method and status code',
      labelNames: ['grpc_method', 'grpc_code'],
      registers,
    });
    this.handlingSeconds = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from call arrival to status, including any wait for a slot',
      labelNames: ['grpc_method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.connectionsActive = new Gauge({ name: 'grpc_server_connections_active', help: 'Open client connections', registers });
    this.connectionsMax = new Gauge({ name: 'grpc_server_connections_max', help: 'Connection limit (0 = unlimited)', registers });
    this.connectionsRejectedTotal = new Counter({
      name: 'grpc_server_connections_rejected_total',
      help: 'Connections refused because the connection limit was reached',
      registers,
    });
    this.executorQueueDepth = new Gauge({
      name: 'executor_queue_depth',
      help: 'Tasks waiting for a worker',
      labelNames: ['executor'],
      registers,
    });
    this.executorRunning = new Gauge({ name: 'executor_running', help: 'Tasks running now', labelNames: ['executor'], registers });
    this.executorWorkers = new Gauge({ name: 'executor_workers', help: 'Workers in the pool', labelNames: ['executor'], registers });
    this.executorUtilization = new Gauge({
      name: 'executor_utilization',
      help: 'Running tasks / workers (0..1)',
      labelNames: ['executor'],
      registers,
    });
    this.executorTasksTotal = new Counter({
      name: 'executor_tasks_total',
      help: 'Tasks finished, by outcome',
      labelNames: ['executor', 'outcome'],
      registers,
    });
  }
}
