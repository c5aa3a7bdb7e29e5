// A tiny HTTP endpoint for Prometheus: GET /metrics. Nothing else is served.
import { createServer } from 'node:http';

export interface MetricsSource {
  contentType: string;
  collect(): Promise<string>;
}

export interface RunningMetricsServer {
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(host: string, port: number, source: MetricsSource): Promise<RunningMetricsServer> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    source.collect().then(
      (body) => response.writeHead(200, { 'content-type': source.contentType }).end(body),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host.replace(/^\[|\]$/g, ''), port }, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
