// WORKERS=N: N server processes sharing one port through Node's cluster module (the
// notes' "several processes with one thread each"). The primary only supervises: it
// forks, replaces a worker that dies unexpectedly, forwards SIGTERM/SIGINT, and serves
// the workers' metrics aggregated. Caveat: gRPC balances per CONNECTION, not per call,
// so one client channel lands on one worker; clients spread load by opening several
// channels (each with 'grpc.use_local_subchannel_pool': 1).
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Registry } from 'prom-client';
import { distributeConnections } from './cluster-connections';
import { METRICS_LISTENING } from './log-events';
import { startMetricsServer } from './metrics-server';

export interface ClusterLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ClusterOptions {
  workers: number;
  logger: ClusterLogger;
  /** Where the primary accepts client connections for the workers (cluster-connections.ts). */
  listen: { host: string; port: number };
  /** Where the primary serves aggregated /metrics; undefined = no metrics endpoint. */
  metrics?: { host: string; port: number };
  /** Runs the server in this process (a worker, or the only process when workers <= 1). */
  startWorker: () => Promise<void>;
}

const CRASH_WINDOW_MS = 10_000;

export const isClusterWorker = () => cluster.isWorker;

/** 1..N in a cluster worker, undefined elsewhere; a metrics label that keeps workers apart. */
export const clusterWorkerId = () => (cluster.isWorker ? cluster.worker?.id : undefined);

/** In a worker: lets the primary collect this registry for its aggregated /metrics. */
export function shareMetricsWithPrimary(registry: Registry): void {
  if (!cluster.isWorker) return;
  AggregatorRegistry.setRegistries([registry]);
  // prom-client starts answering the primary's requests only once an AggregatorRegistry
  // has been constructed in this process.
  new AggregatorRegistry();
}

// Node removes a worker from cluster.workers only once it has both exited and closed its IPC
// channel; when 'exit' comes before 'disconnect' (it does under load) the dead worker is
// still listed. Counting the listed ones left the primary waiting forever after the last
// worker had gone.
const liveWorkers = () => Object.values(cluster.workers ?? {}).filter((worker) => worker && !worker.isDead());

export async function runClustered(options: ClusterOptions): Promise<void> {
  if (options.workers <= 1 || cluster.isWorker) {
    await options.startWorker();
    return;
  }
  const { logger } = options;
  let stopping = false;
  const deaths: number[] = [];
  const fork = () => cluster.fork();
  let stopAccepting = (): void => undefined; // until the primary listens
  // Before any worker exists: a signal with no listener would kill the primary outright.
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    stopAccepting();
    const workers = liveWorkers();
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const connections = await distributeConnections(options.listen.host, options.listen.port);
  stopAccepting = connections.close;
  for (let i = 0; i < options.workers; i++) fork();
  logger.info({ workers: options.workers, port: connections.port }, 'cluster primary started');

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (liveWorkers().length === 0) {
        logger.info({}, 'all workers stopped');
        process.exit(process.exitCode ?? 0);
      }
      return;
    }
    // A worker that cannot start (port taken, bad data) would die again at once: give up
    // after a burst of deaths instead of forking forever.
    const now = Date.now();
    deaths.push(now);
    while ((deaths[0] ?? now) < now - CRASH_WINDOW_MS) deaths.shift();
    if (deaths.length > options.workers * 2) {
      logger.error({ deaths: deaths.length, windowMs: CRASH_WINDOW_MS }, 'workers keep dying; stopping');
      stopping = true;
      stopAccepting();
      const others = liveWorkers();
      for (const other of others) other?.process.kill('SIGTERM');
      process.exitCode = 1;
      if (others.length === 0) process.exit(1);
      return;
    }
    logger.error({ workerPid: worker.process.pid, code, signal }, 'worker died; starting a replacement');
    setTimeout(fork, 200);
  });

  if (options.metrics) {
    const aggregator = new AggregatorRegistry();
    const server = await startMetricsServer(options.metrics.host, options.metrics.port, {
      contentType: aggregator.contentType,
      collect: () => aggregator.clusterMetrics(),
    });
    logger.info({ port: server.port }, METRICS_LISTENING);
  }

}
