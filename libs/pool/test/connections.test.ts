// Connection limits on a real server: net.Server maxConnections in front of grpc-js, and
// HTTP/2 max_concurrent_streams per connection. Plus the /metrics endpoint that shows them.
import { Server, status } from '@grpc/grpc-js';
import { request } from 'node:http';
import { PoolOptionsError, ServerMetrics, listenWithConnectionLimit, startMetricsServer } from '../src';
import { LabClient, eventually, labService, startLabServer } from './support/lab-server';

async function labServerWithConnectionLimit(maxConnections: number, metrics: ServerMetrics) {
  const server = new Server();
  server.addService(labService, {
    call: (_call: unknown, callback: (error: null, value: object) => void) => callback(null, { ok: true }),
    stream: () => undefined,
  });
  const listener = await listenWithConnectionLimit(server, '127.0.0.1', 0, { maxConnections, metrics });
  return { server, listener, address: `127.0.0.1:${listener.port}` };
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, type: String(response.headers['content-type']) }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('connection limit', () => {
  it('refuses connections beyond maxConnections and accepts again once one closes', async () => {
    const metrics = new ServerMetrics();
    const { server, listener, address } = await labServerWithConnectionLimit(2, metrics);
    const clients = [new LabClient(address, true), new LabClient(address, true)];
    try {
      for (const client of clients) expect((await client.call({})).code).toBe(status.OK);
      expect(listener.connections).toBe(2);

      const extra = new LabClient(address, true);
      const refused = await extra.call({}, { deadlineMs: 2000 });
      expect(refused.code).toBe(status.UNAVAILABLE);
      extra.close();
      const rejected = (await metrics.connectionsRejectedTotal.get()).values[0]?.value;
      expect(rejected).toBeGreaterThanOrEqual(1);

      clients.shift()?.close();
      await eventually(() => listener.connections === 1, () => `connections ${listener.connections}`);
      const later = new LabClient(address, true);
      clients.push(later);
      expect((await later.call({})).code).toBe(status.OK);
      expect((await metrics.connectionsActive.get()).values[0]?.value).toBe(2);
      expect((await metrics.connectionsMax.get()).values[0]?.value).toBe(2);
    } finally {
      for (const client of clients) client.close();
      server.forceShutdown();
      await listener.stopAccepting();
    }
  });

  it('says when every connection has closed (what a graceful shutdown waits for)', async () => {
    const { server, listener, address } = await labServerWithConnectionLimit(0, new ServerMetrics());
    const client = new LabClient(address, true);
    try {
      await listener.drained(); // none open yet
      expect((await client.call({})).code).toBe(status.OK);
      let drained = false;
      const closed = listener.drained().then(() => (drained = true));
      await new Promise(setImmediate);
      expect({ drained, connections: listener.connections }).toEqual({ drained: false, connections: 1 });
      client.close();
      await closed;
      expect(listener.connections).toBe(0);
    } finally {
      client.close();
      server.forceShutdown();
      await listener.stopAccepting();
    }
  });

  it('refuses a negative limit by name', async () => {
    await expect(listenWithConnectionLimit(new Server(), '127.0.0.1', 0, { maxConnections: -1 })).rejects.toThrow(
      PoolOptionsError,
    );
  });
});

describe('grpc.max_concurrent_streams', () => {
  it('lets one connection run at most that many calls at once; the rest wait on the client', async () => {
    const lab = await startLabServer({}, { 'grpc.max_concurrent_streams': 2 });
    const client = new LabClient(lab.address);
    try {
      const calls = Array.from({ length: 5 }, () => client.call({ hold: true }));
      await eventually(() => lab.running === 2, () => `running ${lab.running}`);
      // Give the extra calls every chance to arrive: they must not.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(lab.running).toBe(2);
      lab.gate.open();
      const outcomes = await Promise.all(calls);
      expect(outcomes.every((o) => o.code === status.OK)).toBe(true);
      expect(lab.maxRunning).toBe(2);
    } finally {
      client.close();
      await lab.stop();
    }
  });
});

describe('metrics endpoint', () => {
  it('serves the Prometheus text format at /metrics and nothing else', async () => {
    const metrics = new ServerMetrics({ labels: { service: 'lab' } });
    metrics.maxConcurrentRpcs.set(7);
    const record = metrics.recorderFor('/lab.Lab/Call');
    for (const seconds of [0.0001, 0.002, 3]) record(0, seconds);
    const server = await startMetricsServer('127.0.0.1', 0, {
      contentType: metrics.registry.contentType,
      collect: () => metrics.registry.metrics(),
    });
    try {
      const page = await httpGet(server.port, '/metrics');
      expect(page.status).toBe(200);
      expect(page.type).toContain('text/plain');
      expect(page.body).toContain('grpc_server_max_concurrent_rpcs{service="lab"} 7');
      expect(page.body).toContain('grpc_server_handled_total{grpc_method="/lab.Lab/Call",grpc_code="OK",service="lab"} 3');
      expect(page.body).toContain('# TYPE grpc_server_handling_seconds histogram');
      const bucket = (le: string) => `grpc_server_handling_seconds_bucket{grpc_method="/lab.Lab/Call",le="${le}",service="lab"}`;
      expect(page.body).toContain(`${bucket('0.0005')} 1`);
      expect(page.body).toContain(`${bucket('0.0025')} 2`);
      expect(page.body).toContain(`${bucket('2.5')} 2`);
      expect(page.body).toContain(`${bucket('+Inf')} 3`);
      expect(page.body).toContain('grpc_server_handling_seconds_count{grpc_method="/lab.Lab/Call",service="lab"} 3');
      expect((await httpGet(server.port, '/')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
