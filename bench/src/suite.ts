// The whole benchmark: interleaved rounds (every target once per round, the order rotated) of unary
// h2load measurements and streaming measurements from the load core. Every round starts each
// target afresh on the server core and checks it answers correctly, and re-checks after its
// load: how a Node process's young generation settles moves its CPU per call by 10-30%, so a
// median over rounds is a median over processes, not one process's luck. Returns every figure
// and every check; report.ts turns them into a table.
import { LISTENING } from '@grpc-ts/runtime';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shapeLabel } from './h2load';
import { describeMachine } from './machine';
import { errorMessage, measureStream, measureUnary } from './measure';
import type { BenchOptions } from './options';
import { grpcFrame, loadPayloads, type UnaryRpc } from './payloads';
import { SERVER_CPU, hasCommand } from './pinning';
import { UNARY_RPCS, rotated, streamTargets, unaryTargets } from './plan';
import type { SuiteResults, TargetNote } from './results';
import { clockTicksPerSecond, formatMicros, type ServerCpu } from './server-cpu';
import {
  BUNDLE_ENTRIES,
  bundleOf,
  variantOf,
  bundle,
  describeTarget,
  isService,
  pythonGrpcProblem,
  startTarget,
  targetSpec,
  variantTarget,
  type RunningTarget,
  type TargetId,
} from './servers';
import { checkServiceMetrics } from './service-metrics';
import { formatCount } from './stats';
import { createBenchTls, type BenchTls } from './tls';
import { isTransportVariant, measuresUnary } from './variants';
import { verifyTarget, verifyTransport } from './verify';
import { measureEdgeRound, startEdgeStack, type EdgeStack } from './edge-bench';

type Log = (line: string) => void;

const cpuNote = (cpu: ServerCpu | undefined, unit: string) =>
  cpu
    ? `  ${formatMicros(cpu.microsPerUnit).padStart(6)} µs server CPU/${unit} (${Math.round(cpu.utilization * 100)}% of a core` +
      `${(cpu.stealShare ?? 0) >= 0.01 ? `, ${Math.round(cpu.stealShare! * 100)}% stolen by the host` : ''})`
    : '';

/** Which process each target's CPU is read from, and that it is the process the bench started. */
function serverPidCheck(targets: readonly TargetNote[]): string | undefined {
  if (targets.length === 0) return undefined;
  const own = targets.filter((t) => t.serverPids.length === 1 && t.serverPids[0] === t.spawnedPid).map((t) => t.id);
  const other = targets.filter((t) => !own.includes(t.id)).map((t) => `${t.id} (spawned ${t.spawnedPid}, serving ${t.serverPids.join(',')})`);
  return (
    'server CPU is read from /proc/<pid>/stat of the pid in each target\'s own \'listening\' line' +
    (own.length ? `; for ${own.join(', ')} that is the process the bench spawned (taskset execs the server, no launcher or cluster primary in between)` : '') +
    (other.length ? `; serving under the spawned process: ${other.join('; ')}` : '')
  );
}

export async function runSuite(options: BenchOptions, log: Log = (line) => process.stdout.write(`${line}\n`)): Promise<SuiteResults> {
  const results: SuiteResults = {
    startedAt: new Date().toISOString(),
    finishedAt: '',
    machine: describeMachine(),
    options,
    pinned: hasCommand('taskset'),
    cpuTicksPerSecond: clockTicksPerSecond(),
    targets: [],
    unary: [],
    stream: [],
    edge: [],
    checks: [],
    problems: [],
    skipped: [],
  };
  if (!results.pinned) results.skipped.push('taskset is missing: servers and load generators are NOT pinned to separate cores');
  const withH2load = hasCommand('h2load');
  if (!withH2load) results.skipped.push('unary capacity: h2load not found (apt-get install nghttp2-client)');
  // Each project service asked for, then its variants (one setting changed each).
  let wanted: TargetId[] = options.targets.flatMap((id) =>
    isService(id) ? [id, ...options.variants.map((variant) => variantTarget(id, variant))] : [id],
  );
  if (wanted.includes('python-grpcio')) {
    const problem = pythonGrpcProblem();
    if (problem) {
      results.skipped.push(`python-grpcio: ${problem}`);
      wanted = wanted.filter((id) => id !== 'python-grpcio');
    }
  }

  const payloads = loadPayloads();
  const work = mkdtempSync(join(tmpdir(), 'bench-'));
  const bodyFiles = {} as Record<UnaryRpc, string>;
  for (const rpc of UNARY_RPCS) {
    bodyFiles[rpc] = join(work, `${rpc}.grpc`);
    writeFileSync(bodyFiles[rpc], grpcFrame(payloads.unary[rpc].request));
  }

  const running = new Map<TargetId, RunningTarget>();
  let edgeStack: EdgeStack | undefined;
  const stopAll = () => Promise.all([...running.values(), ...(edgeStack ? [edgeStack] : [])].map((target) => target.stop()));
  // The measured target alone on the server core: the others are paused (SIGSTOP) meanwhile.
  const only = (id: TargetId) => {
    for (const [other, target] of running) if (other !== id) target.pause();
    running.get(id)?.resume();
  };
  const resumeAll = () => running.forEach((target) => target.resume());
  // Ctrl-C must not leave pinned servers behind.
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let bundleDir: string | undefined;
  let tls: BenchTls | undefined;
  try {
    // Transport variants: a throw-away CA and certificates, in a temp dir removed at the end.
    if (options.variants.some(isTransportVariant)) {
      tls = await createBenchTls();
      log(`made a CA, a server certificate (IP 127.0.0.1) and a client certificate in ${tls.dir}`);
      if (withH2load && !options.variants.every(measuresUnary)) {
        results.skipped.push('mtls unary: h2load has no client-certificate option, so mutual TLS is measured on ListFeatures (streaming) only');
      }
    }
    const withEdge = wanted.includes('edge');
    // The edge brings its own route-guide and prod-service.
    const needed = [
      ...new Set([...wanted.map(bundleOf).filter((id) => id in BUNDLE_ENTRIES), ...(withEdge ? ['route-guide', 'prod-service'] : []), 'stream-client']),
    ] as (keyof typeof BUNDLE_ENTRIES)[];
    log(`bundling ${needed.join(', ')} ...`);
    const bundled = bundle(Object.fromEntries(needed.map((id) => [id, BUNDLE_ENTRIES[id]])));
    bundleDir = bundled.dir;
    results.problems.push(...Object.values(bundled.failures));
    const streamClient = bundled.files['stream-client'];

    // Each round's own processes; a target that answered wrong before timing is dropped for good.
    const dropped = new Set<TargetId>();
    const startRound = async (round: number) => {
      for (const id of wanted) {
        if (bundled.failures[bundleOf(id)] || id === 'edge' || dropped.has(id)) continue;
        try {
          const target = await startTarget(targetSpec(id, bundled.files, payloads, options.pythonWorkers, tls), SERVER_CPU);
          running.set(id, target);
          const pids = target.serverPids();
          if (round === 1) {
            results.targets.push({ id, address: target.address, detail: describeTarget(target, options.pythonWorkers), serverPids: pids, spawnedPid: target.spawnedPid });
            log(`started ${id} on ${target.address}, serving pid ${pids.join(',')}`);
          }
        } catch (error) {
          results.problems.push(`round ${round}: ${id} did not start: ${errorMessage(error)}`);
        }
      }
      // Only targets that answer correctly are timed.
      for (const [id, target] of [...running]) {
        const problem = await verifyTarget(id, target.endpoint, payloads);
        // A TLS target must say so in its own 'listening' line and refuse what its transport refuses.
        const transport = await transportProblem(id, target, payloads);
        if (transport.check && round === 1) results.checks.push(transport.check);
        if (problem || transport.problem) {
          results.problems.push(
            problem
              ? `round ${round}: ${id} answered wrong before timing, so it was not measured: ${problem}`
              : `round ${round}: ${id} is not on the transport it is named after, so it was not measured: ${transport.problem}`,
          );
          await target.stop();
          running.delete(id);
          if (round === 1) dropped.add(id);
        }
      }
      if (round === 1 && running.size > 0) {
        results.checks.push(`before timing, in every round, fresh processes of ${[...running.keys()].join(', ')} were started and a real gRPC client got the expected answers from each`);
        const pidLine = serverPidCheck(results.targets.filter((t) => running.has(t.id)));
        if (pidLine) results.checks.push(pidLine);
      }
    };
    const stopRound = async () => {
      await Promise.all([...running.values()].map((target) => target.stop()));
      running.clear();
    };

    await startRound(1);
    const edgeBodies = { planTrip: join(work, 'PlanTrip.grpc'), getFeature: bodyFiles.GetFeature };
    if (withEdge) {
      if (!running.get('route-guide')) results.skipped.push('edge: needs the route-guide target for its direct comparison');
      else if (!withH2load) results.skipped.push('edge: h2load not found');
      else if (!streamClient || bundled.failures.edge) results.problems.push('edge: not bundled');
      else {
        try {
          edgeStack = await startEdgeStack(bundled.files, payloads);
          writeFileSync(edgeBodies.planTrip, edgeStack.planTripFrame);
          results.targets.push({ id: 'edge', address: edgeStack.edge.address, detail: describeTarget(edgeStack.edge, options.pythonWorkers), serverPids: edgeStack.edge.serverPids(), spawnedPid: edgeStack.edge.spawnedPid });
          results.checks.push('before timing, the edge answered PlanTrip exactly as the data files say (route, feature, stock)');
          log(`started edge on ${edgeStack.edge.address} (backends on the load core)`);
        } catch (error) {
          results.problems.push(`edge did not start or answered wrong: ${errorMessage(error)}`);
        }
      }
    }

    const idWidth = Math.max(14, ...[...running.keys()].map((id) => id.length));
    for (let round = 1; round <= options.rounds; round++) {
      const tag = `round ${round}/${options.rounds}`;
      if (round > 1) await startRound(round);
      for (const shape of withH2load ? options.shapes : []) {
        for (const rpc of UNARY_RPCS) {
          for (const id of rotated(unaryTargets(rpc, options.variants), round)) {
            const target = running.get(id);
            if (!target) continue;
            const what = `${tag} ${rpc} ${shapeLabel(shape)} in flight, ${id}`;
            only(id);
            const measured = await measureUnary(round, id, target.endpoint, rpc, shape, bodyFiles[rpc], payloads, options, target.serverPids());
            if ('error' in measured) {
              results.problems.push(`${what}: ${measured.error}`);
              continue;
            }
            results.unary.push(measured);
            results.problems.push(...measured.problems.map((problem) => `${what}: ${problem}`));
            log(`${tag}  ${rpc.padEnd(12)} ${`in flight ${shapeLabel(shape)}`.padEnd(20)} ${id.padEnd(idWidth)} ${formatCount(measured.callsPerSec).padStart(7)} calls/s${cpuNote(measured.serverCpu, 'call')}`);
          }
        }
      }
      for (const id of rotated(streamTargets(options.variants), round)) {
        const target = running.get(id);
        if (!target || !streamClient) continue;
        const what = `${tag} ListFeatures, ${id}`;
        only(id);
        const measured = await measureStream(round, id, target.endpoint, streamClient, payloads, options, target.serverPids());
        if ('error' in measured) {
          results.problems.push(`${what}: ${measured.error}`);
          continue;
        }
        results.stream.push(measured);
        results.problems.push(...measured.problems.map((problem) => `${what}: ${problem}`));
        log(`${tag}  ${'ListFeatures'.padEnd(12)} ${`streams ${options.streamConcurrency}`.padEnd(20)} ${id.padEnd(idWidth)} ${formatCount(measured.messagesPerSec).padStart(7)} messages/s${cpuNote(measured.serverCpu, 'message')}`);
      }
      const directRouteGuide = running.get('route-guide');
      if (edgeStack && directRouteGuide && streamClient) {
        // The direct route-guide runs (its comparison); the other targets stay paused.
        only('route-guide');
        const measured = await measureEdgeRound(round, edgeStack, directRouteGuide, edgeBodies, streamClient, payloads, options);
        for (const m of measured) {
          results.edge.push(m);
          results.problems.push(...m.problems.map((problem) => `${tag} ${m.case}: ${problem}`));
          log(`${tag}  ${m.case.padEnd(26)} ${formatCount(m.perSec)} /s, server CPU ${m.cpuMicros.toFixed(1)} µs each`);
        }
      }
      // gRPC errors hide behind HTTP 200: call each target for real once more after its load.
      resumeAll();
      const wrong: string[] = [];
      for (const [id, target] of running) {
        const problem = await verifyTarget(id, target.endpoint, payloads);
        if (problem) wrong.push(`after ${tag}, ${id} answered wrong: ${problem}`);
      }
      results.problems.push(...wrong);
      if (wrong.length === 0 && running.size > 0) results.checks.push(`after ${tag}, every target still gave the expected answers to a real gRPC client`);
      // What this round's processes counted themselves.
      const metrics = await checkServiceMetrics(running);
      results.checks.push(...metrics.checks.map((line) => `${tag}: ${line}`));
      results.problems.push(...metrics.problems.map((line) => `${tag}: ${line}`));
      await stopRound();
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stopAll();
    tls?.remove();
    rmSync(work, { recursive: true, force: true });
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  }
  if (results.unary.length > 0 && results.unary.every((m) => m.problems.length === 0)) {
    results.checks.push(
      `h2load: all ${results.unary.length} measurements had 0 failed/errored/timed-out requests, only 2xx, ` +
        'and response body bytes = answers x the expected gRPC frame size',
    );
  }
  results.checks.push(...h2loadTlsChecks(results));
  results.finishedAt = new Date().toISOString();
  return results;
}

/** The transport a service logged in its 'listening' line ("plaintext", "tls", "mtls"). */
const loggedTransport = (target: RunningTarget) =>
  (target.logs.find((entry) => entry.msg === LISTENING)?.limits as { transport?: unknown } | undefined)?.transport;

async function transportProblem(id: TargetId, target: RunningTarget, payloads: ReturnType<typeof loadPayloads>): Promise<{ check?: string; problem?: string }> {
  const variant = variantOf(id);
  if (!variant || !isTransportVariant(variant)) return {};
  const logged = loggedTransport(target);
  if (logged !== variant) return { problem: `its 'listening' line says transport ${JSON.stringify(logged)}, not "${variant}"` };
  const probe = await verifyTransport(id, target.endpoint, payloads);
  return probe.problem ? { problem: probe.problem } : { check: `${probe.check}; its 'listening' line says transport "${logged}"` };
}

/** Per TLS target: what h2load negotiated in its measurements (each also checked to be TLS + ALPN h2). */
function h2loadTlsChecks(results: SuiteResults): string[] {
  const byTarget = new Map<TargetId, Map<string, number>>();
  for (const m of results.unary) {
    if (!m.h2load.tls) continue;
    const seen = byTarget.get(m.target) ?? new Map<string, number>();
    const key = `${m.h2load.tls.protocol} ${m.h2load.tls.cipher}, ALPN ${m.h2load.applicationProtocol ?? 'none'}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    byTarget.set(m.target, seen);
  }
  return [...byTarget].map(
    ([target, seen]) => `h2load to ${target} over https: ${[...seen].map(([what, count]) => `${what} (${count} measurements)`).join('; ')}`,
  );
}
