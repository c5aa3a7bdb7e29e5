// Turns the suite's figures into the markdown report (bench/results/latest.md) and the ratio
// lines printed at the end. Medians over rounds; ratios taken within each round, then the median.
import { shapeLabel, type LoadShape } from './h2load';
import type { UnaryRpc } from './payloads';
import { baseOf, variantOf, variantTarget, type BaseTargetId, type ServiceId, type TargetId } from './servers';
import { VARIANTS, isSettingVariant, isTransportVariant, measuresUnary, variantEnvText, type TransportVariantId } from './variants';
import { formatCount as fmt, median, medianDifference, medianRatio, spread } from './stats';
import { PROJECT_TARGET, STREAM_TARGETS, UNARY_RPCS, UNARY_TARGETS, streamTargets, unaryTargets } from './plan';
import type { SuiteResults } from './results';
import type { EdgeCase, EdgeMeasurement } from './edge-bench';
import { formatMicros, type ServerCpu } from './server-cpu';

/** The goals for the project services. */
export const GOALS = {
  projectVsBare: 0.95,
  projectVsPythonUnary: 1.7,
  streamVsPython: 4,
} as const;

const BASE_LABEL: Record<BaseTargetId, string> = {
  'prod-service': 'prod-service',
  'route-guide': 'route-guide',
  'bare-grpc-js': 'bare grpc-js',
  'bare-grpc-js-2': 'bare grpc-js #2',
  'raw-http2': 'raw node:http2',
  'python-grpcio': 'Python grpcio',
  edge: 'edge',
};

/** "bare grpc-js"; a variant as "route-guide [no-connection-limit]". */
function label(id: TargetId): string {
  const variant = variantOf(id);
  return variant ? `${BASE_LABEL[baseOf(id)]} [${variant}]` : BASE_LABEL[baseOf(id)];
}

/** The same server in a second process against the first: how far apart two identical targets come out. */
const NOISE_FLOOR = 'bare grpc-js #2 / bare grpc-js (the same server, another process: the noise floor)';

export interface RatioLine {
  what: string;
  ratio: number;
  goal?: number;
}

/** What a figure is: throughput, or the server's CPU per call / per streamed message. */
type Figure = 'rate' | 'cpu';

/** Figures by round (index round-1); measurements with problems are left out. */
function unaryByRound(results: SuiteResults, target: TargetId, rpc: UnaryRpc, shape: LoadShape, figure: Figure = 'rate'): (number | undefined)[] {
  const values: (number | undefined)[] = new Array(results.options.rounds).fill(undefined);
  for (const m of results.unary) {
    if (m.target === target && m.rpc === rpc && sameShape(m.shape, shape) && m.problems.length === 0) {
      values[m.round - 1] = figure === 'rate' ? m.callsPerSec : m.serverCpu?.microsPerUnit;
    }
  }
  return values;
}

function streamByRound(results: SuiteResults, target: TargetId, figure: Figure = 'rate'): (number | undefined)[] {
  const values: (number | undefined)[] = new Array(results.options.rounds).fill(undefined);
  for (const m of results.stream) {
    if (m.target === target && m.problems.length === 0) values[m.round - 1] = figure === 'rate' ? m.messagesPerSec : m.serverCpu?.microsPerUnit;
  }
  return values;
}

const sameShape = (a: LoadShape, b: LoadShape) => a.connections === b.connections && a.streams === b.streams;
const present = (values: (number | undefined)[]) => values.filter((v): v is number => v !== undefined);

function cell(values: (number | undefined)[], format: (value: number) => string = fmt): string {
  const got = present(values);
  if (got.length === 0) return '-';
  return got.length > 1 ? `${format(median(got))} ±${Math.round((spread(got) * 100) / 2)}%` : format(got[0]!);
}

const cpuCell = (values: (number | undefined)[]) => cell(values, formatMicros);

/** Median share of a core the server used over its measured windows ("-" when not read). */
function utilization(measurements: readonly { serverCpu?: ServerCpu; problems: string[] }[]): string {
  const used = measurements.filter((m) => m.problems.length === 0 && m.serverCpu).map((m) => m.serverCpu!.utilization);
  return used.length ? `${Math.round(median(used) * 100)}%` : '-';
}

export function formatRatio(ratio: number, goal?: number): string {
  if (!Number.isFinite(ratio)) return '-';
  const shown = `${ratio.toFixed(2)}x`;
  if (goal === undefined) return shown;
  return ratio >= goal ? `${shown} (meets >= ${goal}x)` : `**${shown} (BELOW ${goal}x)**`;
}

/** Every ratio the issue asks for, plus the informative ones (no goal). */
export function ratioLines(results: SuiteResults): RatioLine[] {
  const lines: RatioLine[] = [];
  for (const rpc of UNARY_RPCS) {
    const project = PROJECT_TARGET[rpc];
    for (const shape of results.options.shapes) {
      const at = `${rpc}, ${shapeLabel(shape)} in flight`;
      const of = (target: TargetId) => unaryByRound(results, target, rpc, shape);
      lines.push({ what: `${project} / bare grpc-js, ${at}`, ratio: medianRatio(of(project), of('bare-grpc-js')), goal: GOALS.projectVsBare });
      lines.push({ what: `${NOISE_FLOOR}, ${at}`, ratio: medianRatio(of('bare-grpc-js-2'), of('bare-grpc-js')) });
      lines.push({ what: `${project} / Python grpcio, ${at}`, ratio: medianRatio(of(project), of('python-grpcio')), goal: GOALS.projectVsPythonUnary });
      lines.push({ what: `bare grpc-js / raw node:http2 (ceiling), ${at}`, ratio: medianRatio(of('bare-grpc-js'), of('raw-http2')) });
      const cpu = (target: TargetId) => unaryByRound(results, target, rpc, shape, 'cpu');
      lines.push({ what: `${project} / bare grpc-js, server CPU per call, ${at}`, ratio: medianRatio(cpu(project), cpu('bare-grpc-js')) });
      lines.push({ what: `${NOISE_FLOOR}, server CPU per call, ${at}`, ratio: medianRatio(cpu('bare-grpc-js-2'), cpu('bare-grpc-js')) });
    }
  }
  const stream = (target: TargetId) => streamByRound(results, target);
  lines.push({
    what: 'route-guide / Python grpcio, ListFeatures messages/s',
    ratio: medianRatio(stream('route-guide'), stream('python-grpcio')),
    goal: GOALS.streamVsPython,
  });
  lines.push({ what: 'route-guide / bare grpc-js, ListFeatures messages/s', ratio: medianRatio(stream('route-guide'), stream('bare-grpc-js')) });
  lines.push({ what: `${NOISE_FLOOR}, ListFeatures messages/s`, ratio: medianRatio(stream('bare-grpc-js-2'), stream('bare-grpc-js')) });
  const streamCpu = (target: TargetId) => streamByRound(results, target, 'cpu');
  lines.push({
    what: 'route-guide / bare grpc-js, ListFeatures server CPU per message',
    ratio: medianRatio(streamCpu('route-guide'), streamCpu('bare-grpc-js')),
  });
  lines.push({ what: `${NOISE_FLOOR}, ListFeatures server CPU per message`, ratio: medianRatio(streamCpu('bare-grpc-js-2'), streamCpu('bare-grpc-js')) });
  // What TLS costs: each transport variant against the same service in plaintext, same round.
  for (const variant of results.options.variants.filter(isTransportVariant)) {
    for (const rpc of measuresUnary(variant) ? UNARY_RPCS : []) {
      const project = PROJECT_TARGET[rpc];
      const other = variantTarget(project, variant);
      for (const shape of results.options.shapes) {
        const at = `${rpc}, ${shapeLabel(shape)} in flight`;
        lines.push({ what: `${label(other)} / ${project}, calls/s, ${at}`, ratio: medianRatio(unaryByRound(results, other, rpc, shape), unaryByRound(results, project, rpc, shape)) });
        lines.push({
          what: `${label(other)} / ${project}, server CPU per call, ${at}`,
          ratio: medianRatio(unaryByRound(results, other, rpc, shape, 'cpu'), unaryByRound(results, project, rpc, shape, 'cpu')),
        });
      }
    }
    const other = variantTarget('route-guide', variant);
    lines.push({ what: `${label(other)} / route-guide, ListFeatures messages/s`, ratio: medianRatio(stream(other), stream('route-guide')) });
    lines.push({ what: `${label(other)} / route-guide, ListFeatures server CPU per message`, ratio: medianRatio(streamCpu(other), streamCpu('route-guide')) });
  }
  return lines.filter((line) => Number.isFinite(line.ratio));
}

const EDGE_CASES: readonly [EdgeCase, string][] = [
  ['edge PlanTrip', 'calls/s'],
  ['route-guide GetFeature', 'calls/s'],
  ['edge ExploreArea', 'messages/s'],
  ['route-guide ListFeatures', 'messages/s'],
];

function edgeByRound(results: SuiteResults, kind: EdgeCase, pick: (m: EdgeMeasurement) => number): (number | undefined)[] {
  const values: (number | undefined)[] = new Array(results.options.rounds).fill(undefined);
  for (const m of results.edge) if (m.case === kind && m.problems.length === 0) values[m.round - 1] = pick(m);
  return values;
}

/** What a front service on Connect costs: the edge beside the same kind of call straight to route-guide. */
export function edgeRatios(results: SuiteResults): { unary: number; stream: number; cpuUnary: number; cpuStream: number } {
  const rate = (kind: EdgeCase) => edgeByRound(results, kind, (m) => m.perSec);
  const cpu = (kind: EdgeCase) => edgeByRound(results, kind, (m) => m.cpuMicros);
  return {
    unary: medianRatio(rate('edge PlanTrip'), rate('route-guide GetFeature')),
    stream: medianRatio(rate('edge ExploreArea'), rate('route-guide ListFeatures')),
    cpuUnary: medianRatio(cpu('edge PlanTrip'), cpu('route-guide GetFeature')),
    cpuStream: medianRatio(cpu('edge ExploreArea'), cpu('route-guide ListFeatures')),
  };
}

function edgeSection(results: SuiteResults): string[] {
  const { options } = results;
  const shape = options.shapes[options.shapes.length - 1]!;
  const rows = EDGE_CASES.map(([kind, unit]) => {
    const cpu = present(edgeByRound(results, kind, (m) => m.cpuMicros));
    return [kind, `${cell(edgeByRound(results, kind, (m) => m.perSec))} ${unit}`, cpu.length ? `${median(cpu).toFixed(1)} µs` : '-'];
  });
  const ratios = edgeRatios(results);
  return [
    `## Through the edge (connect-node), median of ${options.rounds}`,
    '',
    `The edge alone on core 0 with its own route-guide and prod-service on core 1 (with the load generators); the direct rows are ` +
      `route-guide on core 0. PlanTrip (1 waypoint, 1 product: RecordRoute + GetFeature + GetProdStock behind it) in gRPC framing ` +
      `over h2c by h2load at ${shapeLabel(shape)} in flight, next to a direct GetFeature; ExploreArea of the whole world ` +
      `(${options.streamConcurrency} streams) next to a direct ListFeatures. Server CPU per call (or per message) is the server process's ` +
      'CPU time over the window, from /proc, divided by the calls (messages) it answered.',
    '',
    ...table(['call', 'rate', 'server CPU per call / message'], rows),
    '',
    `Edge / direct: PlanTrip ${formatRatio(ratios.unary)} the calls/s of a direct GetFeature at ${formatRatio(ratios.cpuUnary)} its CPU per call; ` +
      `ExploreArea ${formatRatio(ratios.stream)} the messages/s of a direct ListFeatures at ${formatRatio(ratios.cpuStream)} its CPU per message.`,
  ];
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)];
}

function duration(results: SuiteResults): string {
  const seconds = Math.round((Date.parse(results.finishedAt) - Date.parse(results.startedAt)) / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** How much the hypervisor took from the server core during the measured windows; undefined when unknown. */
function stealLine(results: SuiteResults): string | undefined {
  const shares = [...results.unary, ...results.stream].map((m) => m.serverCpu?.stealShare).filter((v): v is number => v !== undefined);
  if (shares.length === 0) return undefined;
  const max = Math.max(...shares);
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  return (
    `Steal time on the server core (\`/proc/stat\`: the host running other guests while this VM's core wanted to run) over the ` +
    `${shares.length} measured windows: median ${pct(median(shares))}, max ${pct(max)}` +
    (max > 0.05
      ? ' (**the host was busy: the same work then takes more CPU time too, so CPU figures are less reliable**).'
      : '; a low share does not prove a quiet host (only part of the interference shows up as steal).')
  );
}

function cpuByRound(measurements: readonly { round: number; serverCpu?: ServerCpu; problems: string[] }[], rounds: number): string[] {
  return Array.from({ length: rounds }, (_, i) => {
    const cpu = measurements.find((x) => x.round === i + 1);
    if (!cpu?.serverCpu) return '-';
    const steal = cpu.serverCpu.stealShare ?? 0;
    const stolen = steal >= 0.01 ? `, steal ${Math.round(steal * 100)}%` : '';
    return `${formatMicros(cpu.serverCpu.microsPerUnit)} (${Math.round(cpu.serverCpu.utilization * 100)}%${stolen})${cpu.problems.length ? ' (!)' : ''}`;
  });
}

/**
 * --variants: each project service with one setting changed, next to its defaults and bare
 * grpc-js. Each cell is the server's CPU per call, the ratio to bare grpc-js and the µs saved
 * against the service's defaults, each taken within a round, then the median.
 */
function variantSection(results: SuiteResults): string[] {
  const options = { ...results.options, variants: results.options.variants.filter(isSettingVariant) };
  const out: string[] = [
    `## One setting at a time: server CPU per call, µs (median of ${options.rounds})`,
    '',
    'Each project service also ran with one setting changed (`--variants`; same bundle, one environment variable more), ' +
      'measured in the same rounds. A cell is `µs per call (ratio to bare grpc-js, Δ)`, where Δ is this target\'s µs minus the ' +
      'service defaults\' µs (negative: the setting it turns off cost that much per call); ratio and Δ are taken within each round, ' +
      'then the median. Calls/s ratios to bare grpc-js are in the second table.',
    '',
  ];
  const rowsFor = (
    project: 'prod-service' | 'route-guide',
    columns: string[],
    figures: (target: TargetId, column: number, figure: Figure) => (number | undefined)[],
  ) => {
    const targets: TargetId[] = [project, ...options.variants.map((variant) => variantTarget(project, variant)), 'bare-grpc-js'];
    const cpuRows = targets.map((target) => {
      const variant = variantOf(target);
      const what = target === project ? 'defaults' : variant ? VARIANTS[variant].what : 'the baseline';
      return [
        label(target),
        variant ? `\`${variantEnvText(variant)}\`` : '-',
        what,
        ...columns.map((_, column) => {
          const cpu = figures(target, column, 'cpu');
          const got = present(cpu);
          if (got.length === 0) return '-';
          const ratio = medianRatio(cpu, figures('bare-grpc-js', column, 'cpu'));
          const delta = target === project || target === 'bare-grpc-js' ? Number.NaN : medianDifference(cpu, figures(project, column, 'cpu'));
          const shown = Number.isFinite(delta) ? `, Δ ${delta < 0 ? '−' : '+'}${formatMicros(Math.abs(delta))}` : '';
          return `${formatMicros(median(got))} (${formatRatio(ratio)}${shown})`;
        }),
      ];
    });
    const rateRows = targets.map((target) => [
      label(target),
      ...columns.map((_, column) => formatRatio(medianRatio(figures(target, column, 'rate'), figures('bare-grpc-js', column, 'rate')))),
    ]);
    return { cpuRows, rateRows };
  };
  for (const rpc of UNARY_RPCS) {
    const project = PROJECT_TARGET[rpc];
    const columns = options.shapes.map(shapeLabel);
    const { cpuRows, rateRows } = rowsFor(project, columns, (target, column, figure) =>
      unaryByRound(results, target, rpc, options.shapes[column]!, figure),
    );
    out.push(`### ${rpc} (${project}), µs per call at each in-flight count`, '');
    out.push(...table(['target', 'changed', 'what', ...columns], cpuRows), '');
    out.push(`calls/s / bare grpc-js, ${rpc}:`, '');
    out.push(...table(['target', ...columns], rateRows), '');
  }
  if (results.stream.length > 0) {
    const { cpuRows, rateRows } = rowsFor('route-guide', ['µs per message'], (target, _column, figure) => streamByRound(results, target, figure));
    out.push('### ListFeatures (route-guide), µs per streamed message', '');
    out.push(...table(['target', 'changed', 'what', 'µs per message'], cpuRows), '');
    out.push('messages/s / bare grpc-js, ListFeatures:', '');
    out.push(...table(['target', 'messages/s ratio'], rateRows), '');
  }
  return out;
}

const TRANSPORT_LABEL: Record<TransportVariantId, string> = { tls: 'TLS', mtls: 'mTLS' };

/** "1.23x, Δ +4.5": a ratio and a difference taken within each round, then the median. */
function againstPlaintext(values: (number | undefined)[], plaintext: (number | undefined)[], withDelta: boolean): string {
  const ratio = formatRatio(medianRatio(values, plaintext));
  if (!withDelta) return ratio;
  const delta = medianDifference(values, plaintext);
  return Number.isFinite(delta) ? `${ratio}, Δ ${delta < 0 ? '−' : '+'}${formatMicros(Math.abs(delta))}` : ratio;
}

/**
 * --variants tls,mtls: each project service over TLS (and mutual TLS) against itself in plaintext,
 * measured in the same rounds. Ratios (and the µs added) are taken within each round, then the median.
 */
export function tlsSection(results: SuiteResults): string[] {
  const { options } = results;
  const transports = options.variants.filter(isTransportVariant);
  const out: string[] = [
    `## What TLS costs: the services over TLS vs plaintext (median of ${options.rounds})`,
    '',
    'Each project service also ran over ' +
      transports.map((v) => `${TRANSPORT_LABEL[v]} (\`${variantEnvText(v)}\`)`).join(' and ') +
      ' with a CA and certificates the bench made at start-up, AUTH=off as in the plaintext defaults, so only the transport ' +
      'differs; unary over https with h2load (TLS + ALPN h2, checked per run), streaming with the grpc-js stream client trusting ' +
      'that CA' +
      (transports.includes('mtls') ? ' (and presenting a client certificate for mTLS; h2load cannot, so mTLS has no unary figures)' : '') +
      '. Connections stay open for the whole window, so this is the cost per call of encrypting it, not of handshakes. ' +
      'Ratios are to the same service in plaintext within each round, then the median; Δ is the µs per call (message) added.',
    '',
  ];
  interface Row {
    what: string;
    shape: string;
    project: ServiceId;
    unary: boolean;
    rate: (target: TargetId) => (number | undefined)[];
    cpu: (target: TargetId) => (number | undefined)[];
    utilization: (target: TargetId) => string;
  }
  const rows: Row[] = [];
  for (const rpc of UNARY_RPCS) {
    const project = PROJECT_TARGET[rpc];
    for (const shape of options.shapes) {
      rows.push({
        what: `${rpc} (${project}) calls/s`,
        shape: shapeLabel(shape),
        project,
        unary: true,
        rate: (target) => unaryByRound(results, target, rpc, shape),
        cpu: (target) => unaryByRound(results, target, rpc, shape, 'cpu'),
        utilization: (target) => utilization(results.unary.filter((m) => m.target === target && m.rpc === rpc && sameShape(m.shape, shape))),
      });
    }
  }
  rows.push({
    what: 'ListFeatures (route-guide) messages/s',
    shape: `${options.streamConcurrency} streams`,
    project: 'route-guide',
    unary: false,
    rate: (target) => streamByRound(results, target),
    cpu: (target) => streamByRound(results, target, 'cpu'),
    utilization: (target) => utilization(results.stream.filter((m) => m.target === target)),
  });
  const of = (row: Row, variant: TransportVariantId) => variantTarget(row.project, variant);
  const none = (row: Row, variant: TransportVariantId) => (row.unary && !measuresUnary(variant) ? 'n/a (h2load)' : '-');
  const measured = rows.filter((row) => [row.project, ...transports.map((v) => of(row, v))].some((t) => present(row.rate(t)).length > 0));
  const rateRows = measured.map((row) => [
    row.what,
    row.shape,
    cell(row.rate(row.project)),
    ...transports.flatMap((variant) => {
      const values = row.rate(of(row, variant));
      if (present(values).length === 0) return [none(row, variant), '-'];
      return [cell(values), againstPlaintext(values, row.rate(row.project), false)];
    }),
  ]);
  out.push('Throughput:', '');
  out.push(...table(['measurement', 'in flight', 'plaintext', ...transports.flatMap((v) => [TRANSPORT_LABEL[v], `${TRANSPORT_LABEL[v]} / plaintext`])], rateRows), '');
  const cpuRows = measured.map((row) => [
    row.what.replace(/ (calls|messages)\/s$/, row.unary ? ' µs/call' : ' µs/message'),
    row.shape,
    cpuCell(row.cpu(row.project)),
    ...transports.flatMap((variant) => {
      const values = row.cpu(of(row, variant));
      if (present(values).length === 0) return [none(row, variant), '-'];
      return [cpuCell(values), againstPlaintext(values, row.cpu(row.project), true)];
    }),
    [row.project, ...transports.map((v) => of(row, v))].map((t, i) => `${i === 0 ? 'plaintext' : TRANSPORT_LABEL[transports[i - 1]!]} ${row.utilization(t)}`).join(', '),
  ]);
  out.push('Server CPU per call (per streamed message), µs:', '');
  out.push(
    ...table(
      ['measurement', 'in flight', 'plaintext', ...transports.flatMap((v) => [TRANSPORT_LABEL[v], `${TRANSPORT_LABEL[v]} / plaintext, Δ µs`]), 'server CPU use'],
      cpuRows,
    ),
    '',
  );
  return out;
}

export function renderReport(results: SuiteResults): string {
  const { machine, options } = results;
  const rounds = options.rounds;
  const out: string[] = [];
  out.push('# gRPC server benchmark', '');
  out.push(
    `Measured ${results.startedAt.replace('T', ' ').slice(0, 16)} UTC (took ${duration(results)}) on ${machine.cores} cores ` +
      `(${machine.cpuModel}), ${machine.kernel}; node ${machine.node}, @grpc/grpc-js ${machine.grpcJs}, ${machine.h2load}, ` +
      `Python ${machine.pythonGrpc}. 1-minute load average at the start: ${machine.loadAverage.toFixed(2)}` +
      (machine.loadAverage > 0.5 ? ' (**other work was using the cores: figures are less reliable**).' : '.'),
    '',
    `Method: each server alone on core 0 (\`taskset -c 0\`), the load generator on core 1 (\`taskset -c 1\`)` +
      `${results.pinned ? '' : ' **(NOT pinned: taskset missing)**'}; the targets not being measured are paused (SIGSTOP) meanwhile. ` +
      `${rounds} interleaved round${rounds > 1 ? 's' : ''} ` +
      `(every target once per round, the order rotated by one each round, each round with freshly started processes); ${options.durationMs / 1000} s measured after ${options.warmupMs / 1000} s of ` +
      'unmeasured warm-up load per measurement. Figures are medians over the rounds (± is half the max-min spread); ' +
      'ratios are taken within each round, then the median. Absolute figures move about ±20% on this machine: compare ratios, ' +
      'and read each against "bare #2 / bare", the same bare grpc-js server in a second process: how far apart two identical ' +
      'targets came out in this run. ' +
      "Server CPU per call (or per streamed message) is the server process's own utime + stime (`/proc/<pid>/stat`, every thread, " +
      `${results.cpuTicksPerSecond ?? 100} ticks/s) over the measured window divided by the calls (messages) served in it: ` +
      'time spent waiting for a core is not counted, so it moves much less than calls/s when other work shares the machine.' +
      (options.quick ? ' **Quick smoke run: figures are indicative only.**' : ''),
    '',
  );
  const steal = stealLine(results);
  if (steal) out.push(steal, '');
  out.push('## Targets', '');
  out.push(...table(['target', 'address', 'how it ran'], results.targets.map((t) => [label(t.id), t.address, t.detail])), '');

  if (results.unary.length > 0) {
    out.push(`## Unary capacity, calls/s (h2load, median of ${rounds})`, '');
    for (const rpc of UNARY_RPCS) {
      const project = PROJECT_TARGET[rpc];
      const targets = UNARY_TARGETS[rpc];
      out.push(`### ${rpc}`, '');
      const header = [
        'in flight (conns x streams)',
        ...targets.map((t) => label(t)),
        `${project} / bare`,
        'bare #2 / bare (noise floor)',
        `${project} / Python`,
        'bare / raw',
      ];
      const rows = options.shapes.map((shape) => {
        const of = (target: TargetId) => unaryByRound(results, target, rpc, shape);
        return [
          shapeLabel(shape),
          ...targets.map((t) => cell(of(t))),
          formatRatio(medianRatio(of(project), of('bare-grpc-js')), GOALS.projectVsBare),
          formatRatio(medianRatio(of('bare-grpc-js-2'), of('bare-grpc-js'))),
          formatRatio(medianRatio(of(project), of('python-grpcio')), GOALS.projectVsPythonUnary),
          formatRatio(medianRatio(of('bare-grpc-js'), of('raw-http2'))),
        ];
      });
      out.push(...table(header, rows), '');
      out.push(
        `Server CPU per call, µs (lower is better; median of ${rounds}); the last columns are ratios of CPU per call within each round ` +
          '(above 1x = costs more than bare grpc-js):',
        '',
      );
      const cpuHeader = ['in flight (conns x streams)', ...targets.map((t) => label(t)), `${project} / bare`, 'bare #2 / bare (noise floor)', 'Python / bare', 'server CPU use'];
      const cpuRows = options.shapes.map((shape) => {
        const cpu = (target: TargetId) => unaryByRound(results, target, rpc, shape, 'cpu');
        const measured = results.unary.filter((m) => m.rpc === rpc && sameShape(m.shape, shape));
        return [
          shapeLabel(shape),
          ...targets.map((t) => cpuCell(cpu(t))),
          formatRatio(medianRatio(cpu(project), cpu('bare-grpc-js'))),
          formatRatio(medianRatio(cpu('bare-grpc-js-2'), cpu('bare-grpc-js'))),
          formatRatio(medianRatio(cpu('python-grpcio'), cpu('bare-grpc-js'))),
          targets.map((t) => `${label(t)} ${utilization(measured.filter((m) => m.target === t))}`).join(', '),
        ];
      });
      out.push(...table(cpuHeader, cpuRows), '');
    }
  }

  if (results.stream.length > 0) {
    out.push(
      `## Server streaming: ListFeatures, messages/s (median of ${rounds})`,
      '',
      `A grpc-js client on core 1 keeps ${options.streamConcurrency} whole-world ListFeatures calls open on one channel, back to back, ` +
        'and counts messages; every call must end OK with every named feature.',
      '',
    );
    const rows = STREAM_TARGETS.map((t) => {
      const measured = results.stream.filter((m) => m.target === t);
      const cpu = measured.map((m) => m.clientCpu);
      return [
        label(t),
        cell(streamByRound(results, t)),
        formatRatio(medianRatio(streamByRound(results, t), streamByRound(results, 'bare-grpc-js'))),
        cpuCell(streamByRound(results, t, 'cpu')),
        formatRatio(medianRatio(streamByRound(results, t, 'cpu'), streamByRound(results, 'bare-grpc-js', 'cpu'))),
        utilization(measured),
        cpu.length ? `${Math.round(median(cpu) * 100)}%` : '-',
      ];
    });
    out.push(
      ...table(
        ['target', 'messages/s', 'messages/s vs bare', 'server CPU µs/message', 'CPU/message vs bare', 'server CPU use', 'client CPU (100% = the client is the limit)'],
        rows,
      ),
      '',
    );
  }

  if (options.variants.some(isSettingVariant)) out.push(...variantSection(results));
  if (options.variants.some(isTransportVariant)) out.push(...tlsSection(results));
  if (results.edge.length > 0) out.push(...edgeSection(results), '');

  out.push('## Ratios against the goals', '');
  for (const line of ratioLines(results)) out.push(`- ${line.what}: ${formatRatio(line.ratio, line.goal)}`);
  out.push('');

  out.push('## Checks', '');
  out.push(...(results.checks.length ? results.checks.map((c) => `- ${c}`) : ['- none completed']), '');
  if (results.problems.length) out.push('## Problems (figures next to these are left out of the medians)', '', ...results.problems.map((p) => `- ${p}`), '');
  if (results.skipped.length) out.push('## Skipped', '', ...results.skipped.map((s) => `- ${s}`), '');

  out.push('## Every round', '');
  const roundHeader = ['measurement', ...Array.from({ length: rounds }, (_, i) => `round ${i + 1}`)];
  const roundRows: string[][] = [];
  for (const shape of options.shapes) {
    for (const rpc of UNARY_RPCS) {
      for (const target of unaryTargets(rpc, options.variants)) {
        const ms = results.unary.filter((m) => m.target === target && m.rpc === rpc && sameShape(m.shape, shape));
        if (ms.length === 0) continue;
        const byRound = Array.from({ length: rounds }, (_, i) => {
          const m = ms.find((x) => x.round === i + 1);
          return m ? `${fmt(m.callsPerSec)}${m.problems.length ? ' (!)' : ''}` : '-';
        });
        roundRows.push([`${rpc} ${shapeLabel(shape)} ${label(target)} calls/s`, ...byRound]);
        roundRows.push([`${rpc} ${shapeLabel(shape)} ${label(target)} server µs/call (CPU use)`, ...cpuByRound(ms, rounds)]);
      }
    }
  }
  for (const target of streamTargets(options.variants)) {
    const ms = results.stream.filter((m) => m.target === target);
    if (ms.length === 0) continue;
    const byRound = Array.from({ length: rounds }, (_, i) => {
      const m = ms.find((x) => x.round === i + 1);
      return m ? `${fmt(m.messagesPerSec)}${m.problems.length ? ' (!)' : ''}` : '-';
    });
    roundRows.push([`ListFeatures ${label(target)} messages/s`, ...byRound]);
    roundRows.push([`ListFeatures ${label(target)} server µs/message (CPU use)`, ...cpuByRound(ms, rounds)]);
  }
  for (const [kind, unit] of EDGE_CASES) {
    const ms = results.edge.filter((m) => m.case === kind);
    if (ms.length === 0) continue;
    const byRound = Array.from({ length: rounds }, (_, i) => {
      const m = ms.find((x) => x.round === i + 1);
      return m ? `${fmt(m.perSec)} (${m.cpuMicros.toFixed(1)} µs)${m.problems.length ? ' (!)' : ''}` : '-';
    });
    roundRows.push([`${kind} ${unit} (server CPU)`, ...byRound]);
  }
  out.push(...table(roundHeader, roundRows), '');
  return out.join('\n');
}
