// Drives unary gRPC calls with h2load (nghttp2) and reads its summary. h2load knows nothing of
// gRPC: the body file is the 5-byte gRPC prefix + the serialized request, and since it counts
// every HTTP 200 as a success, the answers are checked by size (see checkH2load).
import { spawn } from 'node:child_process';
import { pinned } from './pinning';

/** How the load is offered: connections x concurrent streams per connection. */
export interface LoadShape {
  connections: number;
  streams: number;
}

export const inFlight = (shape: LoadShape) => shape.connections * shape.streams;
export const shapeLabel = (shape: LoadShape) => `${inFlight(shape)} (${shape.connections}x${shape.streams})`;

/** "1x1,1x16,4x16" -> shapes; each item is CONNECTIONSxSTREAMS. */
export function parseLoadShapes(text: string): LoadShape[] {
  return text.split(',').map((item) => {
    const match = /^\s*(\d+)x(\d+)\s*$/.exec(item);
    const connections = Number(match?.[1]);
    const streams = Number(match?.[2]);
    if (!match || connections < 1 || streams < 1) throw new Error(`bad load shape "${item}": expected CONNECTIONSxSTREAMS, e.g. 4x16`);
    return { connections, streams };
  });
}

export interface H2loadRun {
  /** http://127.0.0.1:PORT/package.Service/Method (https:// for a TLS target: h2load offers ALPN h2) */
  url: string;
  /** 5-byte gRPC prefix + serialized request. */
  bodyFile: string;
  shape: LoadShape;
  durationMs: number;
  /** A fixed number of calls instead of a timed window: for checks that must see answers, whatever the load on the machine. */
  requests?: number;
}

export function h2loadArgs(run: H2loadRun): string[] {
  return [
    ...(run.requests ? ['-n', String(run.requests)] : ['-D', `${Math.max(1, Math.round(run.durationMs))}ms`]),
    '-c', String(run.shape.connections),
    '-m', String(run.shape.streams),
    '-t', '1',
    '-H', 'content-type: application/grpc',
    '-H', 'te: trailers',
    '-d', run.bodyFile,
    run.url,
  ];
}

export interface H2loadResult {
  seconds: number;
  requestsPerSec: number;
  total: number;
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
  status2xx: number;
  /** 3xx + 4xx + 5xx responses. */
  statusOther: number;
  /** Response body bytes (DATA frames) received. */
  dataBytes: number;
  /** "Application protocol:" h2load negotiated: h2 over TLS (ALPN), h2c in the clear. */
  applicationProtocol?: string;
  /** Over TLS: the protocol version and cipher h2load printed. */
  tls?: { protocol: string; cipher: string };
}

function match(output: string, pattern: RegExp, what: string): RegExpExecArray {
  const found = pattern.exec(output);
  if (!found) throw new Error(`h2load output has no ${what} line:\n${output.slice(-2000)}`);
  return found;
}

export function parseH2load(output: string): H2loadResult {
  const finished = match(output, /^finished in ([\d.]+)(m?s), ([\d.]+) req\/s/m, 'finished');
  const requests = match(
    output,
    /^requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/m,
    'requests',
  );
  const codes = match(output, /^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/m, 'status codes');
  const traffic = match(output, /^traffic: .*?\((\d+)\) data/m, 'traffic');
  const n = (text: string | undefined) => Number(text);
  const protocol = /^Application protocol: (\S+)/m.exec(output)?.[1];
  const tlsProtocol = /^TLS Protocol: (\S+)/m.exec(output)?.[1];
  const cipher = /^Cipher: (\S+)/m.exec(output)?.[1];
  return {
    seconds: n(finished[1]) / (finished[2] === 'ms' ? 1000 : 1),
    requestsPerSec: n(finished[3]),
    total: n(requests[1]),
    succeeded: n(requests[2]),
    failed: n(requests[3]),
    errored: n(requests[4]),
    timeout: n(requests[5]),
    status2xx: n(codes[1]),
    statusOther: n(codes[2]) + n(codes[3]) + n(codes[4]),
    dataBytes: n(traffic[1]),
    ...(protocol ? { applicationProtocol: protocol } : {}),
    ...(tlsProtocol ? { tls: { protocol: tlsProtocol, cipher: cipher ?? 'unknown' } } : {}),
  };
}

/**
 * What is wrong with a run, [] when nothing. Every good answer is exactly one gRPC frame of
 * `frameBytes`; a gRPC error is a 200 with no body. So body bytes must equal 2xx answers x
 * frame size, less at most the answers cut off in flight when the duration ended.
 */
export function checkH2load(result: H2loadResult, frameBytes: number, shape: LoadShape): string[] {
  const problems: string[] = [];
  if (result.succeeded === 0) problems.push('no request succeeded');
  if (result.failed || result.errored || result.timeout) {
    problems.push(`${result.failed} failed, ${result.errored} errored, ${result.timeout} timed out`);
  }
  if (result.statusOther) problems.push(`${result.statusOther} non-2xx responses`);
  const expected = result.status2xx * frameBytes;
  const short = expected - result.dataBytes;
  if (result.dataBytes % frameBytes !== 0 || short < 0 || short > inFlight(shape) * frameBytes) {
    problems.push(
      `body bytes ${result.dataBytes} do not match ${result.status2xx} answers x ${frameBytes}-byte frame ` +
        '(wrong answers or gRPC errors, which come as HTTP 200 without a body)',
    );
  }
  return problems;
}

/**
 * Over TLS (https URL): that h2load really spoke TLS and negotiated h2 by ALPN, [] when so. (h2load
 * does not check the server's certificate: the answer checks' real gRPC client does.)
 */
export function checkH2loadTls(result: H2loadResult): string[] {
  if (!result.tls) return ['h2load printed no TLS Protocol line for an https target: not TLS?'];
  if (result.applicationProtocol !== 'h2') return [`h2load negotiated ${result.applicationProtocol ?? 'no application protocol'} over TLS, not h2 (ALPN)`];
  return [];
}

/** Runs h2load pinned to `cpu` and returns its parsed summary. */
export async function runH2load(run: H2loadRun, cpu: number | undefined): Promise<H2loadResult> {
  const [command, args] = pinned(cpu, 'h2load', h2loadArgs(run));
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // h2load stops by itself at the duration; this only guards against a wedged run.
  const guard = setTimeout(() => child.kill('SIGKILL'), run.durationMs + 30_000);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  }).finally(() => clearTimeout(guard));
  if (code !== 0) throw new Error(`h2load exited with ${code}:\n${output.slice(-2000)}`);
  return parseH2load(output);
}
