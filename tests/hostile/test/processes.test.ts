// Process-level faults with clients attached: a cluster worker killed outright (its
// connections simply vanish) and SIGTERM in the middle of a steady unary load. Clients must
// recover by themselves, and no call the server accepted may be lost.
import { Client, Metadata, credentials, status } from '@grpc/grpc-js';
import { prod } from '@grpc-ts/protos';
import { waitFor } from '@grpc-ts/test-support';
import { readFileSync } from 'node:fs';
import { servedWithin } from './support/legit';
import { startTarget, type Target } from './support/target';

function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** `concurrency` GetProdStock calls in flight at all times over `channels` connections, until stopped. */
function unaryLoad(target: Target, channels: number, concurrency: number) {
  const clients = Array.from({ length: channels }, () => new Client(target.address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const statuses: Record<string, number> = {};
  const failures: { at: number; code: number; details: string }[] = [];
  let running = true;
  const m = prod.ProdServiceService.getProdStock;
  const one = (client: Client) =>
    new Promise<void>((resolve) => {
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { prodId: 1 }, new Metadata(), { deadline: Date.now() + 5_000 }, (error) => {
        const code = error ? error.code : status.OK;
        statuses[status[code]!] = (statuses[status[code]!] ?? 0) + 1;
        if (error) failures.push({ at: Date.now(), code, details: error.details });
        resolve();
      });
    });
  const done = Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      while (running) await one(clients[i % channels]!);
    }),
  );
  return {
    statuses,
    failures,
    ok: () => statuses.OK ?? 0,
    stop: async () => {
      running = false;
      await done;
      for (const client of clients) client.close();
    },
  };
}

describe('process faults under load (prod-service bundle)', () => {
  it('replaces a killed worker (WORKERS=2) and its clients recover on their own', async () => {
    const target = await startTarget('prod-service', { WORKERS: '2' });
    const load = unaryLoad(target, 8, 16);
    try {
      const workers = await waitFor(() => (childrenOf(target.service.pid).length === 2 ? childrenOf(target.service.pid) : undefined), 'two workers', 10_000);
      await waitFor(() => load.ok() > 200, 'the load to run', 10_000);
      const victim = workers[0]!;
      process.kill(victim, 'SIGKILL');
      const killedAt = Date.now();
      const replaced = await waitFor(() => {
        const now = childrenOf(target.service.pid);
        return now.length === 2 && !now.includes(victim) ? now : undefined;
      }, 'the primary to fork a replacement', 10_000);
      expect(replaced).toContain(workers[1]);
      // Calls keep succeeding: the load's channels reconnect (to either worker) by themselves.
      const okAtKill = load.ok();
      await waitFor(() => load.ok() > okAtKill + 500, 'the load to go on after the kill', 15_000);
      await servedWithin(target, 3_000);
      const late = load.failures.filter((f) => f.at > killedAt + 5_000);
      expect(late).toEqual([]); // any failure was the killed worker's calls in flight, right then
      console.log(`worker kill: ${JSON.stringify(load.statuses)}; replacement forked in ${Date.now() - killedAt} ms or less`);
    } finally {
      await load.stop();
      await expect(target.stop()).resolves.toBe(0);
    }
  }, 60_000);

  it('loses no accepted call when SIGTERM arrives under load', async () => {
    const target = await startTarget('prod-service', { SHUTDOWN_GRACE_MS: '5000' });
    const load = unaryLoad(target, 4, 32);
    await waitFor(() => load.ok() > 500, 'the load to run', 10_000);
    const exited = target.stop('SIGTERM');
    const code = await exited;
    await load.stop();
    expect(code).toBe(0);
    // Every call either completed OK or was never accepted (UNAVAILABLE: refused before any
    // handler ran, safe to retry); none was cut off mid-way.
    const codes = Object.keys(load.statuses).sort();
    expect(codes.filter((c) => c !== 'OK' && c !== 'UNAVAILABLE')).toEqual([]);
    // And the server drained what it had accepted within the grace period: nothing forced.
    expect(target.service.logs.find((line) => line.msg === 'server stopped')).toMatchObject({ outcome: 'graceful' });
    const reasons = [...new Set(load.failures.map((f) => f.details.replace(/\(.*\)$/, '').trim()))];
    console.log(`SIGTERM under load: ${JSON.stringify(load.statuses)}; UNAVAILABLE because: ${reasons.join(' | ')}`);
  }, 60_000);
});
