// Command-line options of `npm run bench`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseLoadShapes, type LoadShape } from './h2load';
import { REPO_ROOT } from './payloads';
import type { BaseTargetId } from './servers';
import { ALL_VARIANTS, SETTING_VARIANT_IDS, TRANSPORT_VARIANT_IDS, VARIANTS, variantEnvText, type VariantId } from './variants';

export const ALL_TARGETS: readonly BaseTargetId[] = ['prod-service', 'route-guide', 'bare-grpc-js', 'bare-grpc-js-2', 'raw-http2', 'python-grpcio', 'edge'];

export interface BenchOptions {
  rounds: number;
  durationMs: number;
  warmupMs: number;
  shapes: LoadShape[];
  streamConcurrency: number;
  pythonWorkers: number;
  targets: BaseTargetId[];
  /** Settings changed one at a time, and transports (tls, mtls), on each project service in `targets`; [] = none. */
  variants: VariantId[];
  out: string;
  quick: boolean;
}

const positiveNumber = (value: string) => {
  const parsed = Number(value);
  if (!(parsed > 0)) throw new InvalidArgumentError('must be a positive number');
  return parsed;
};
const nonNegativeNumber = (value: string) => {
  const parsed = Number(value);
  if (!(parsed >= 0)) throw new InvalidArgumentError('must be a number >= 0');
  return parsed;
};
const positiveInt = (value: string) => {
  const parsed = positiveNumber(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError('must be a whole number');
  return parsed;
};
const targetList = (value: string): BaseTargetId[] =>
  value.split(',').map((name) => {
    if (!(ALL_TARGETS as readonly string[]).includes(name.trim())) {
      throw new InvalidArgumentError(`unknown target "${name}" (known: ${ALL_TARGETS.join(', ')})`);
    }
    return name.trim() as BaseTargetId;
  });
// "all" is every setting variant (the one-setting-at-a-time table); the transports are named, and
// "all" may be combined with them: "all,tls".
const variantList = (value: string): VariantId[] => {
  const names = value.split(',').flatMap((name) => (name.trim() === 'all' ? SETTING_VARIANT_IDS : [name.trim()]));
  const known = names.map((name) => {
    if (!(name in VARIANTS)) throw new InvalidArgumentError(`unknown variant "${name}" (known: all, ${ALL_VARIANTS.join(', ')})`);
    return name as VariantId;
  });
  return [...new Set(known)];
};
const shapeList = (value: string) => {
  try {
    return parseLoadShapes(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

// What --quick changes when the option is not given explicitly: a smoke run in well under a minute.
const QUICK = { rounds: 1, duration: 1, warmup: 0.5, load: '1x16' };

export function parseOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench')
    .description(
      'Unary (h2load) and streaming capacity of the project services vs a bare grpc-js server, a raw node:http2 ' +
        'server and Python grpcio; server on core 0, load on core 1, interleaved rounds, medians.',
    )
    .option('--rounds <n>', 'interleaved rounds (every target once per round)', positiveInt, 3)
    .option('--duration <seconds>', 'measured time per measurement', positiveNumber, 5)
    .option('--warmup <seconds>', 'unmeasured load before each measurement', nonNegativeNumber, 1)
    .option('--load <shapes>', 'unary load shapes, CONNECTIONSxSTREAMS in flight, comma-separated', '1x1,1x16,4x16')
    .option('--stream-concurrency <n>', 'ListFeatures calls kept open at once by the streaming client', positiveInt, 4)
    .option('--python-workers <n>', 'ThreadPoolExecutor size of the Python server', positiveInt, 10)
    .addOption(
      new Option('--targets <list>', `comma-separated subset of ${ALL_TARGETS.join(',')}`).argParser(targetList).default([...ALL_TARGETS], 'all'),
    )
    .addOption(
      new Option(
        '--variants <list>',
        'also measure each project service with one setting changed, comma-separated: "all" (every setting below) or some of ' +
          SETTING_VARIANT_IDS.map((v) => `${v} (${variantEnvText(v)})`).join(', ') +
          '; and/or with another transport: ' +
          TRANSPORT_VARIANT_IDS.map((v) => `${v} (${variantEnvText(v)})`).join(', ') +
          ', with certificates the bench makes at start-up (mtls: streaming only, h2load cannot present a client certificate)',
      )
        .argParser(variantList)
        .default([], 'none'),
    )
    .option('--out <file>', 'markdown report (default bench/results/latest.md; with --quick a temp file)')
    .option('--quick', `smoke run: ${QUICK.rounds} round, ${QUICK.duration} s, ${QUICK.warmup} s warm-up, load ${QUICK.load}`, false)
    .exitOverride() // throw instead of exiting: main decides, tests can assert
    .parse(argv, { from: 'user' });
  const opts = program.opts<{
    rounds: number;
    duration: number;
    warmup: number;
    load: string;
    streamConcurrency: number;
    pythonWorkers: number;
    targets: BaseTargetId[];
    variants: VariantId[];
    out?: string;
    quick: boolean;
  }>();
  const given = (name: string) => program.getOptionValueSource(name) === 'cli';
  const quick = opts.quick;
  const pick = <T>(name: string, value: T, quickValue: T): T => (quick && !given(name) ? quickValue : value);
  return {
    rounds: pick('rounds', opts.rounds, QUICK.rounds),
    durationMs: pick('duration', opts.duration, QUICK.duration) * 1000,
    warmupMs: pick('warmup', opts.warmup, QUICK.warmup) * 1000,
    shapes: shapeList(pick('load', opts.load, QUICK.load)),
    streamConcurrency: opts.streamConcurrency,
    pythonWorkers: opts.pythonWorkers,
    targets: opts.targets,
    variants: opts.variants,
    out: opts.out ?? (quick ? join(tmpdir(), 'bench-quick.md') : join(REPO_ROOT, 'bench/results/latest.md')),
    quick,
  };
}
