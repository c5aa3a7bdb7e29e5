// The concurrency limit, applied by the server's limits wrapper, on a real server over
// loopback: exact rejections, exemptions, streams holding slots, the wait queue, and no leaked slot after a storm.
import { status } from '@grpc/grpc-js';
import type { ConcurrencyLimiter } from '@grpc-ts/limits';
import { checkHealth } from '@grpc-ts/protos';
import { grpcFrame, rawCall, rawSession } from '@grpc-ts/test-support';
import { ServerMetrics } from '@grpc-ts/runtime';
import type { ServerLimits } from '../src';
import { LabClient, eventually, labService, startLabServer, type LabServer, type Outcome } from './support/lab-server';

const codeName = (code: number) => status[code] ?? String(code);
const countCodes = (outcomes: Outcome[]) =>
  outcomes.reduce<Record<string, number>>((counts, { code }) => {
    const name = codeName(code);
    counts[name] = (counts[name] ?? 0) + 1;
    return counts;
  }, {});

async function metricValue(metrics: ServerMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const matching = (metric?.values ?? []).filter((v) =>
    Object.entries(labels).every(([key, value]) => (v.labels as Record<string, unknown>)[key] === value),
  );
  return matching.reduce((sum, v) => sum + v.value, 0);
}

/** A lab server behind a fresh limiter for each test, closed after it; fields are set in beforeEach. */
function useLimitedLab(limits: ServerLimits) {
  const fx = {} as { metrics: ServerMetrics; limiter: ConcurrencyLimiter; lab: LabServer; client: LabClient };
  beforeEach(async () => {
    fx.metrics = new ServerMetrics();
    fx.lab = await startLabServer({ limits, metrics: fx.metrics });
    fx.limiter = fx.lab.server.limiter!;
    fx.client = new LabClient(fx.lab.address);
  });
  afterEach(async () => {
    fx.client.close();
    await fx.lab.stop();
  });
  return fx;
}

describe('ConcurrencyLimiter without a queue', () => {
  const max = 4;
  const fx = useLimitedLab({ maxConcurrentRpcs: max });

  it('with N slots and N+k concurrent slow calls, exactly k fail at once with RESOURCE_EXHAUSTED', async () => {
    const k = 3;
    const calls = Array.from({ length: max + k }, () => fx.client.call({ hold: true }));
    // The k rejections arrive while the N admitted calls are still held at the gate.
    const settled: Outcome[] = [];
    for (const call of calls) void call.then((outcome) => settled.push(outcome));
    await eventually(() => settled.length === k, () => `settled ${JSON.stringify(settled)}`);
    expect(fx.limiter.active).toBe(max);
    expect(fx.lab.inHandlers).toBe(max);
    expect(settled.every((o) => o.code === status.RESOURCE_EXHAUSTED)).toBe(true);
    expect(settled[0]?.details).toBe('server is at its limit of 4 concurrent RPCs; retry later');

    fx.lab.gate.open();
    expect(countCodes(await Promise.all(calls))).toEqual({ OK: max, RESOURCE_EXHAUSTED: k });
    await eventually(() => fx.limiter.active === 0, () => `active ${fx.limiter.active}`);
    expect(await metricValue(fx.metrics, 'grpc_server_rejected_total', { reason: 'limit' })).toBe(k);
    expect(await metricValue(fx.metrics, 'grpc_server_handled_total', { grpc_code: 'RESOURCE_EXHAUSTED' })).toBe(k);
    expect(await metricValue(fx.metrics, 'grpc_server_handled_total', { grpc_code: 'OK' })).toBe(max);
    expect(await metricValue(fx.metrics, 'grpc_server_max_concurrent_rpcs')).toBe(max);
  });

  it('keeps health checks answering while every slot is taken', async () => {
    const held = Array.from({ length: max }, () => fx.client.call({ hold: true }));
    await eventually(() => fx.limiter.active === max, () => `active ${fx.limiter.active}`);
    expect((await fx.client.call({})).code).toBe(status.RESOURCE_EXHAUSTED);
    await expect(checkHealth(fx.lab.address)).resolves.toBe('SERVING');
    expect(fx.limiter.active).toBe(max);
    fx.lab.gate.open();
    await Promise.all(held);
  });

  it('gives the slot back exactly once for errors, cancels and deadlines', async () => {
    expect((await fx.client.call({ failWith: status.NOT_FOUND })).code).toBe(status.NOT_FOUND);
    // The server's own deadline: a raw client that never enforces it, so the server's timer ends the call.
    const session = rawSession(fx.lab.address);
    const overdue = rawCall(session, { path: labService.call.path, timeoutMs: 50 });
    overdue.stream.end(grpcFrame(Buffer.from(JSON.stringify({ hold: true }))));
    expect(await overdue.status).toEqual({ code: status.DEADLINE_EXCEEDED, message: 'Deadline exceeded' });
    session.close();
    await eventually(() => fx.limiter.active === 0, () => `active ${fx.limiter.active} after the server's deadline`);
    // A grpc-js client's deadline: the client resets the stream at its deadline, which may beat
    // the server's timer (the server's deadline is later by the headers' time in transit).
    expect((await fx.client.call({ hold: true }, { deadlineMs: 50 })).code).toBe(status.DEADLINE_EXCEEDED);
    await eventually(() => fx.limiter.active === 0, () => `active ${fx.limiter.active} after the client's deadline`);
    const abort = new AbortController();
    const handlersBefore = fx.lab.inHandlers;
    const cancelled = fx.client.call({ hold: true }, { signal: abort.signal });
    // Cancel once the server runs the call (grpc-js may not reset a stream cancelled before it started).
    await eventually(() => fx.lab.inHandlers === handlersBefore + 1, () => `running ${fx.lab.inHandlers}`);
    expect(fx.limiter.active).toBe(1);
    abort.abort();
    expect((await cancelled).code).toBe(status.CANCELLED);
    await eventually(() => fx.limiter.active === 0, () => `active ${fx.limiter.active}`);
    // All slots usable again: max held calls are all admitted.
    const again = Array.from({ length: max }, () => fx.client.call({ hold: true }));
    await eventually(() => fx.limiter.active === max, () => `active ${fx.limiter.active}`);
    fx.lab.gate.open();
    expect(countCodes(await Promise.all(again))).toEqual({ OK: max });
    // The server counts the client's reset as DEADLINE_EXCEEDED when it comes within
    // DEADLINE_SLACK_MS of the server's deadline, else as CANCELLED: its clock is all it has.
    const deadlines = await metricValue(fx.metrics, 'grpc_server_handled_total', { grpc_code: 'DEADLINE_EXCEEDED' });
    const cancels = await metricValue(fx.metrics, 'grpc_server_handled_total', { grpc_code: 'CANCELLED' });
    expect(deadlines).toBeGreaterThanOrEqual(1);
    expect(cancels).toBeGreaterThanOrEqual(1);
    expect(deadlines + cancels).toBe(3);
    expect(await metricValue(fx.metrics, 'grpc_server_handled_total', { grpc_code: 'NOT_FOUND' })).toBe(1);
    expect(await metricValue(fx.metrics, 'grpc_server_handled_total', { grpc_code: 'OK' })).toBe(max);
  });

  it('lets a stream hold its slot for its whole life', async () => {
    const streams = await Promise.all(Array.from({ length: max }, () => fx.client.openStream()));
    expect(fx.limiter.active).toBe(max);
    expect((await fx.client.call({})).code).toBe(status.RESOURCE_EXHAUSTED);
    streams[0]?.cancel();
    await eventually(() => fx.limiter.active === max - 1, () => `active ${fx.limiter.active}`);
    expect((await fx.client.call({})).code).toBe(status.OK);
    for (const stream of streams.slice(1)) stream.cancel();
    await eventually(() => fx.limiter.active === 0 && fx.lab.inHandlers === 0, () => `active ${fx.limiter.active}`);
  });
});

describe('ConcurrencyLimiter with a wait queue', () => {
  const fx = useLimitedLab({ maxConcurrentRpcs: 1, queueSize: 2, queueTimeoutMs: 300 });

  it('queues up to queueSize calls, rejects the next at once, and admits the queued in order', async () => {
    const first = fx.client.call({ hold: true });
    await eventually(() => fx.limiter.active === 1, () => `active ${fx.limiter.active}`);
    const queued = [fx.client.call({}), fx.client.call({})];
    await eventually(() => fx.limiter.queued === 2, () => `queued ${fx.limiter.queued}`);
    const overflow = await fx.client.call({});
    expect(overflow).toEqual({
      code: status.RESOURCE_EXHAUSTED,
      details: 'server is at its limit of 1 concurrent RPCs and its wait queue (2) is full; retry later',
    });
    fx.lab.gate.open();
    expect(countCodes([await first, ...(await Promise.all(queued))])).toEqual({ OK: 3 });
    expect(fx.limiter.active).toBe(0);
    expect(await metricValue(fx.metrics, 'grpc_server_queued_rpcs')).toBe(0);
  });

  it('fails a queued call with RESOURCE_EXHAUSTED after queueTimeoutMs', async () => {
    const first = fx.client.call({ hold: true });
    await eventually(() => fx.limiter.active === 1, () => `active ${fx.limiter.active}`);
    const waited = await fx.client.call({});
    expect(waited.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(waited.details).toContain('waited 300 ms for a slot');
    expect(fx.limiter.queued).toBe(0);
    fx.lab.gate.open();
    expect((await first).code).toBe(status.OK);
    expect(await metricValue(fx.metrics, 'grpc_server_rejected_total', { reason: 'queue_timeout' })).toBe(1);
  });

  it('drops a queued call that the client cancels, without taking a slot', async () => {
    const first = fx.client.call({ hold: true });
    await eventually(() => fx.limiter.active === 1, () => `active ${fx.limiter.active}`);
    const abort = new AbortController();
    const cancelled = fx.client.call({}, { signal: abort.signal });
    await eventually(() => fx.limiter.queued === 1, () => `queued ${fx.limiter.queued}`);
    abort.abort();
    expect((await cancelled).code).toBe(status.CANCELLED);
    await eventually(() => fx.limiter.queued === 0, () => `queued ${fx.limiter.queued}`);
    fx.lab.gate.open();
    await first;
    await eventually(() => fx.limiter.active === 0, () => `active ${fx.limiter.active}`);
  });
});

describe('a storm of 5,000 calls with random cancels, deadlines and errors', () => {
  it.each([
    ['no queue', { maxConcurrentRpcs: 40 }],
    ['a wait queue', { maxConcurrentRpcs: 40, queueSize: 30, queueTimeoutMs: 20 }],
  ])('leaves no slot taken with %s', async (_label, options) => {
    const metrics = new ServerMetrics();
    const lab = await startLabServer({ limits: options, metrics });
    const limiter = lab.server.limiter!;
    const clients = Array.from({ length: 4 }, () => new LabClient(lab.address, true));
    // A fixed seed keeps the storm's mix the same run to run.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const oneCall = (i: number): Promise<Outcome> => {
      const client = clients[i % clients.length]!;
      const kind = random();
      const waitMs = Math.floor(random() * 15);
      if (kind < 0.25) {
        const abort = new AbortController();
        setTimeout(() => abort.abort(), Math.floor(random() * 10));
        return client.call({ waitMs }, { signal: abort.signal });
      }
      if (kind < 0.5) return client.call({ waitMs: waitMs + 5 }, { deadlineMs: 1 + Math.floor(random() * 10) });
      if (kind < 0.7) return client.call({ waitMs, failWith: status.INTERNAL });
      return client.call({ waitMs });
    };
    try {
      const outcomes: Outcome[] = [];
      const total = 5000;
      let next = 0;
      // 200 calls in flight at a time: far over the limit, so every path is taken.
      await Promise.all(
        Array.from({ length: 200 }, async () => {
          while (next < total) outcomes.push(await oneCall(next++));
        }),
      );
      const counts = countCodes(outcomes);
      expect(outcomes).toHaveLength(total);
      for (const code of ['OK', 'CANCELLED', 'DEADLINE_EXCEEDED', 'INTERNAL', 'RESOURCE_EXHAUSTED']) {
        expect(counts[code]).toBeGreaterThan(0);
      }
      await eventually(
        () => limiter.active === 0 && limiter.queued === 0,
        () => `active ${limiter.active}, queued ${limiter.queued}`,
      );
      expect(await metricValue(metrics, 'grpc_server_active_rpcs')).toBe(0);
      expect(await metricValue(metrics, 'grpc_server_queued_rpcs')).toBe(0);
      // The server's own count of outcomes agrees with what it rejected.
      expect(await metricValue(metrics, 'grpc_server_handled_total', { grpc_code: 'RESOURCE_EXHAUSTED' })).toBe(
        await metricValue(metrics, 'grpc_server_rejected_total'),
      );
    } finally {
      for (const client of clients) client.close();
      await lab.stop();
    }
  }, 60_000);
});
