// Reading a service's Prometheus page in tests.
import { get } from 'node:http';

/**
 * GETs a service's Prometheus /metrics page, on a connection of its own: fetch() reuses an
 * idle keep-alive connection, and one the server closes at its keep-alive timeout just as the
 * request goes out fails with "other side closed" (seen under a loaded run).
 */
export function scrapeMetrics(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get({ host, port, path: '/metrics', agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics answered ${response.statusCode}`))));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** Sums the samples of one metric in Prometheus text whose labels include `labels`. */
export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[3] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) sum += Number(match[4]);
  }
  return sum;
}

