// Connection limits on a real server: our listener's maxConnections in front of grpc-js,
// and HTTP/2 max_concurrent_streams per connection, with the metrics that show them.
import { status } from '@grpc/grpc-js';
import { ServerMetrics } from '@grpc-ts/runtime';
import { rawSession, sumSamples, waitFor } from '@grpc-ts/test-support';
import { LabClient, eventually, startLabServer } from './support/lab-server';

describe('connection limit', () => {
  it('refuses connections beyond maxConnections and accepts again once one closes', async () => {
    const metrics = new ServerMetrics();
    const lab = await startLabServer({ limits: { maxConcurrentRpcs: 0, maxConnections: 2 }, metrics });
    const scrape = async (name: string) => sumSamples(await metrics.registry.metrics(), name);
    const clients = [new LabClient(lab.address, true), new LabClient(lab.address, true)];
    try {
      for (const client of clients) expect((await client.call({})).code).toBe(status.OK);
      expect(await scrape('grpc_server_connections_active')).toBe(2);

      const extra = new LabClient(lab.address, true);
      const refused = await extra.call({}, { deadlineMs: 2000 });
      expect(refused.code).toBe(status.UNAVAILABLE);
      extra.close();
      expect(await scrape('grpc_server_connections_rejected_total')).toBeGreaterThanOrEqual(1);

      clients.shift()?.close();
      await waitFor(async () => (await scrape('grpc_server_connections_active')) === 1, 'one connection left');
      const later = new LabClient(lab.address, true);
      clients.push(later);
      expect((await later.call({})).code).toBe(status.OK);
      expect(await scrape('grpc_server_connections_active')).toBe(2);
      expect(await scrape('grpc_server_connections_max')).toBe(2);
    } finally {
      for (const client of clients) client.close();
      await lab.stop();
    }
  });
});

describe('grpc.max_concurrent_streams', () => {
  it('lets one connection run at most that many calls at once; the rest wait on the client', async () => {
    const lab = await startLabServer({ limits: { maxConcurrentRpcs: 0, maxConcurrentStreams: 2 } });
    const client = new LabClient(lab.address);
    try {
      let settled = 0;
      const calls = Array.from({ length: 5 }, () => client.call({ hold: true }).finally(() => settled++));
      await eventually(() => lab.inHandlers === 2, () => `in handlers ${lab.inHandlers}`);
      // Let them through one at a time: each answer admits exactly one waiting call, and the
      // server never has more than two at once.
      for (let answered = 1; answered <= 3; answered++) {
        lab.gate.releaseOne();
        await eventually(
          () => settled === answered && lab.inHandlers === 2,
          () => `${settled} answered, ${lab.inHandlers} in handlers, after ${answered} releases`,
        );
      }
      lab.gate.open();
      const outcomes = await Promise.all(calls);
      expect(outcomes.every((o) => o.code === status.OK)).toBe(true);
      expect(lab.maxInHandlers).toBe(2);
    } finally {
      client.close();
      await lab.stop();
    }
  });
});

describe('grpc.max_connection_age_ms', () => {
  it('sends a client GOAWAY after about the connection age, so it reconnects (and re-resolves) while calls keep working', async () => {
    const AGE_MS = 300;
    const lab = await startLabServer({ limits: { maxConcurrentRpcs: 0, maxConnectionAgeMs: AGE_MS, maxConnectionAgeGraceMs: 1_000 } });
    const client = new LabClient(lab.address, true);
    try {
      expect((await client.call({})).code).toBe(status.OK);
      const session = rawSession(lab.address);
      const opened = performance.now();
      const goaway = new Promise<number>((resolve) => session.once('goaway', () => resolve(performance.now() - opened)));
      session.ping(() => undefined); // the session is up
      const after = await goaway;
      // grpc-js adds up to +-10% jitter.
      expect(after).toBeGreaterThanOrEqual(AGE_MS * 0.9 - 20);
      expect(after).toBeLessThan(AGE_MS * 1.1 + 2_000);
      session.destroy();
      // The grpc-js client got its GOAWAY too, reconnects, and its calls go on.
      await waitFor(async () => (await client.call({})).code === status.OK, 'a call after the connection aged out');
    } finally {
      client.close();
      await lab.stop();
    }
  });
});
