// Reading a service's Prometheus page in tests.

/** GETs a service's Prometheus /metrics page. */
export async function scrapeMetrics(port: number, host = '127.0.0.1'): Promise<string> {
  const response = await fetch(`http://${host}:${port}/metrics`);
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return response.text();
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

