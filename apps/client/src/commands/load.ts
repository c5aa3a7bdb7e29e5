// `load`: drives one RPC at a fixed concurrency over several channels, for a duration or a
// number of calls, then prints throughput, latency percentiles and counts by status code.
import type { routeguide } from '@grpc-ts/protos';
import { Option, type Command } from 'commander';
import { intArg, pointArg, secondsArg, targetArg } from '../arg-parsers';
import { CliContext } from '../context';
import { formatLoadReport } from '../format';
import { startLoad } from '../load/driver';
import { showProgress } from '../load/progress';
import { LOAD_RPCS, LOAD_RPC_NAMES, type LoadRpcName } from '../load/rpcs';
import { buildReport } from '../load/report';

interface LoadOptions {
  rpc: LoadRpcName;
  concurrency: number;
  channels: number;
  duration?: number;
  count?: number;
  target?: string;
  prodId: number;
  point: routeguide.Point;
  lo: routeguide.Point;
  hi: routeguide.Point;
  streamSize: number;
}

const DEFAULT_DURATION_MS = 10_000;

export function registerLoadCommand(program: Command): void {
  program
    .command('load')
    .description('drive one RPC under load and report calls/s, p50/p90/p99 latency and status codes')
    .addOption(new Option('--rpc <name>', 'the RPC to drive').choices(LOAD_RPC_NAMES).default('prod-get'))
    .addOption(new Option('-c, --concurrency <n>', 'calls in flight at once').default(16).argParser(intArg(1, 100_000)))
    .addOption(
      new Option('--channels <n>', 'channels, each with its own connection (spreads over WORKERS=N)').default(4).argParser(intArg(1, 1000)),
    )
    .addOption(new Option('-d, --duration <seconds>', `how long to run (default ${DEFAULT_DURATION_MS / 1000})`).argParser(secondsArg))
    .addOption(new Option('-n, --count <calls>', 'run this many calls instead').argParser(intArg(1)).conflicts('duration'))
    .addOption(new Option('--target <target>', "address (default: the RPC's service address)").argParser(targetArg))
    .addOption(new Option('--prod-id <id>', 'prod-get: the product id').default(1).argParser(intArg(-(2 ** 31), 2 ** 31 - 1)))
    .addOption(
      new Option('--point <lat,lng>', 'route-feature / record / chat: the point')
        .default({ latitude: 409146138, longitude: -746188906 }, '409146138,-746188906')
        .argParser(pointArg),
    )
    .addOption(
      new Option('--lo <lat,lng>', 'route-list: one corner').default({ latitude: 400000000, longitude: -750000000 }, '400000000,-750000000').argParser(pointArg),
    )
    .addOption(
      new Option('--hi <lat,lng>', 'route-list: the other corner').default({ latitude: 420000000, longitude: -730000000 }, '420000000,-730000000').argParser(pointArg),
    )
    .addOption(new Option('--stream-size <n>', 'route-record / chat: messages per call').default(10).argParser(intArg(1, 100_000)))
    .action(async (options: LoadOptions, command: Command) => {
      const context = CliContext.of(command);
      const rpc = LOAD_RPCS[options.rpc];
      const target = options.target ?? (rpc.service === 'prod' ? context.options.prodAddr : context.options.routeAddr);
      // More channels than calls in flight would leave connections idle.
      const channels = Math.min(options.channels, options.concurrency);
      const durationMs = options.count === undefined ? (options.duration ?? DEFAULT_DURATION_MS) : undefined;

      // Ctrl-C ends the run early but still reports what was measured.
      const interrupted = new AbortController();
      const onSigint = () => interrupted.abort();
      process.once('SIGINT', onSigint);
      try {
        const run = await startLoad({
          target,
          rpc,
          params: { prodId: options.prodId, point: options.point, rectangle: { lo: options.lo, hi: options.hi }, streamSize: options.streamSize },
          concurrency: options.concurrency,
          channels,
          durationMs,
          count: options.count,
          timeoutMs: context.options.timeout,
          connectTimeoutMs: context.options.timeout,
          retry: context.channelSettings(),
          tls: context.security.tls,
          token: context.security.token,
          explain: (error) => context.explain(error),
          signal: interrupted.signal,
        });
        const progress = context.json ? { stop: () => undefined } : showProgress(run.progress, { count: options.count, durationMs });
        const result = await run.result.finally(() => progress.stop());
        const report = buildReport(result, { rpc: options.rpc, method: rpc.method, target, concurrency: options.concurrency, channels });
        if (context.json) context.printJson(report);
        else context.print(formatLoadReport(report));
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    });
}
