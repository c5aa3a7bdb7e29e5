// The /metrics endpoint and the call series it shows, in the Prometheus text format.
import { request } from 'node:http';
import { ServerMetrics, startMetricsServer } from '../src';

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
      // Connection counts are read from their listener when scraped.
      metrics.observeConnections({ connections: 3, maxConnections: 10, rejected: 2, handshakeTimeouts: 1 });
      const again = (await httpGet(server.port, '/metrics')).body;
      expect(again).toContain('grpc_server_connections_active{service="lab"} 3');
      expect(again).toContain('grpc_server_connections_rejected_total{service="lab"} 2');
      expect(again).toContain('grpc_server_connections_handshake_timeouts_total{service="lab"} 1');
    } finally {
      await server.close();
    }
  });
});
