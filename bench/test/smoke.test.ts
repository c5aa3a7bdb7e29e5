// A --quick smoke of one pair, through the suite's own code: the bare grpc-js target bundled
// and started as the bench starts it, checked by a real client, then loaded by h2load for 1 s
// and by the streaming client for 1 s. Figures are only checked to exist (> 0, no errors, a
// finite server CPU per call read from the serving process): speed is never asserted in a test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { prod } from '@grpc-ts/protos';
import { grpcFrame, loadPayloads } from '../src/payloads';
import { SERVER_CPU, hasCommand } from '../src/pinning';
import { BUNDLE_ENTRIES, bundle, startTarget, targetSpec, type RunningTarget } from '../src/servers';
import { measureStream, measureUnary } from '../src/measure';
import { verifyTarget } from '../src/verify';
import { readProcStat, type ServerCpu } from '../src/server-cpu';

const h2loadMissing = !hasCommand('h2load');
if (h2loadMissing) console.warn('SKIPPED bench smoke: h2load is not installed (apt-get install nghttp2-client)');

(h2loadMissing ? describe.skip : describe)('bench smoke: bare grpc-js under h2load, 1 s', () => {
  const payloads = loadPayloads();
  const shape = { connections: 1, streams: 16 };
  const quick = { durationMs: 1000, warmupMs: 0 };
  let work: string;
  let bundles: ReturnType<typeof bundle>;
  let target: RunningTarget;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    bundles = bundle({ 'bare-grpc-js': BUNDLE_ENTRIES['bare-grpc-js'], 'stream-client': BUNDLE_ENTRIES['stream-client'] });
    expect(bundles.failures).toEqual({});
    target = await startTarget(targetSpec('bare-grpc-js', bundles.files, payloads), SERVER_CPU);
  }, 60_000);

  afterAll(async () => {
    await target?.stop();
    if (bundles) rmSync(bundles.dir, { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('answers a real client correctly', async () => {
    await expect(verifyTarget('bare-grpc-js', target.endpoint, payloads)).resolves.toBeUndefined();
  });

  // Plausible, not fast: some CPU per call, finite, and no more than the cores there are.
  const expectPlausibleCpu = (cpu: ServerCpu | undefined) => {
    expect(cpu).toBeDefined();
    expect(cpu!.count).toBeGreaterThan(0);
    expect(cpu!.cpuSeconds).toBeGreaterThan(0);
    expect(Number.isFinite(cpu!.microsPerUnit)).toBe(true);
    expect(cpu!.microsPerUnit).toBeGreaterThan(0);
    expect(cpu!.utilization).toBeLessThanOrEqual(availableParallelism() + 0.1);
  };

  it('reads server CPU from the process that serves: the one the bench spawned', () => {
    expect(target.serverPids()).toEqual([target.spawnedPid]);
  });

  it('pauses the server while another target is measured, and resumes it', async () => {
    // Signals are delivered asynchronously: wait (briefly) for the state to change.
    const stateBecomes = async (wanted: (state: string) => boolean) => {
      for (let i = 0; i < 100 && !wanted(readProcStat(target.spawnedPid).state); i++) await new Promise((r) => setTimeout(r, 10));
      return readProcStat(target.spawnedPid).state;
    };
    target.pause();
    try {
      await expect(stateBecomes((state) => state === 'T')).resolves.toBe('T');
    } finally {
      target.resume();
    }
    await expect(stateBecomes((state) => state !== 'T')).resolves.not.toBe('T');
    await expect(verifyTarget('bare-grpc-js', target.endpoint, payloads)).resolves.toBeUndefined();
  });

  it('measures unary calls/s with h2load, with no errors, and the server CPU per call', async () => {
    const bodyFile = join(work, 'stock.grpc');
    writeFileSync(bodyFile, grpcFrame(payloads.unary.GetProdStock.request));
    const measured = await measureUnary(1, 'bare-grpc-js', target.endpoint, 'GetProdStock', shape, bodyFile, payloads, quick, target.serverPids());
    if ('error' in measured) throw new Error(measured.error);
    expect(measured.problems).toEqual([]);
    expect(measured.callsPerSec).toBeGreaterThan(0);
    expect(measured.h2load.succeeded).toBeGreaterThan(0);
    expect(measured.h2load).toMatchObject({ failed: 0, errored: 0, timeout: 0, statusOther: 0 });
    expectPlausibleCpu(measured.serverCpu);
    expect(measured.serverCpu!.count).toBe(measured.h2load.succeeded);
  });

  it('flags calls that fail with a gRPC status even though h2load counts them as 200s', async () => {
    const bodyFile = join(work, 'unknown-product.grpc');
    writeFileSync(bodyFile, grpcFrame(prod.ProdRequest.encode({ prodId: 999_999 }).finish()));
    // A fixed count, not a 1-second window: on a loaded CI machine the window can close before
    // the first answer, and this check is about what the answers hold.
    const measured = await measureUnary(1, 'bare-grpc-js', target.endpoint, 'GetProdStock', shape, bodyFile, payloads, { ...quick, requests: 200 });
    if ('error' in measured) throw new Error(measured.error);
    expect(measured.h2load.succeeded).toBe(200);
    expect(measured.problems).toContainEqual(expect.stringMatching(/^body bytes 0 do not match/));
  });

  it('measures ListFeatures messages/s with the streaming client, and the server CPU per message', async () => {
    const measured = await measureStream(
      1,
      'bare-grpc-js',
      target.endpoint,
      bundles.files['stream-client']!,
      payloads,
      { ...quick, streamConcurrency: 4 },
      target.serverPids(),
    );
    if ('error' in measured) throw new Error(measured.error);
    expect(measured).toMatchObject({ errors: 0, problems: [] });
    expect(measured.calls).toBeGreaterThan(0);
    expect(measured.messagesPerSec).toBeGreaterThan(0);
    expectPlausibleCpu(measured.serverCpu);
  });
});
