// The streaming load generator, run in its own process on the load core: keeps `concurrency`
// ListFeatures calls for the whole world open on one channel, back to back, and counts the
// messages that arrive inside the measured window. Messages are counted, not decoded (the
// client must not be the bottleneck); each call is checked for status OK and the expected
// message count, and the bench decodes and compares a full call separately.
// usage: node stream-client.js --address HOST:PORT --expect N [--duration-ms 5000] [--warmup-ms 1000] [--concurrency 4] [--path /pkg.Service/Method]
// (--path: the edge's ExploreArea takes and streams the same bytes as ListFeatures.)
// Prints one JSON line: { messages, seconds, calls, errors, firstError }.
import { parseArgs } from 'node:util';
import { Client, credentials, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import * as routeguide from '@grpc-ts/protos/routeguide';
import { WORLD } from './payloads';

export interface StreamClientResult {
  messages: number;
  seconds: number;
  /** Calls that ended inside the measured window. */
  calls: number;
  /** Calls (in any phase) that ended with a non-OK status or the wrong number of messages. */
  errors: number;
  firstError?: string;
  /** The client's CPU time over the window / the window (1 = a full core: the client is the limit). */
  clientCpu: number;
}

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    expect: { type: 'string' },
    'duration-ms': { type: 'string', default: '5000' },
    'warmup-ms': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    path: { type: 'string' },
  },
});
const address = values.address;
const expected = Number(values.expect);
const durationMs = Number(values['duration-ms']);
const warmupMs = Number(values['warmup-ms']);
const concurrency = Number(values.concurrency);
if (!address || !(expected > 0) || !(durationMs > 0) || !(warmupMs >= 0) || !(concurrency >= 1)) {
  process.stderr.write('usage: stream-client --address HOST:PORT --expect N [--duration-ms MS] [--warmup-ms MS] [--concurrency N]\n');
  process.exit(2);
}

const client = new Client(address, credentials.createInsecure());
const request = Buffer.from(routeguide.Rectangle.encode(WORLD).finish());
const passThrough = (bytes: Buffer) => bytes;
const path = values.path ?? routeguide.RouteGuideService.listFeatures.path;

let measuring = false;
let stopping = false;
let open = 0;
const result: StreamClientResult = { messages: 0, seconds: 0, calls: 0, errors: 0, clientCpu: 0 };
let allEnded: () => void = () => undefined;

function startCall(): void {
  open++;
  let received = 0;
  const call = client.makeServerStreamRequest(path, passThrough, passThrough, request);
  call.on('data', () => {
    received++;
    if (measuring) result.messages++;
  });
  call.on('error', (_error: ServiceError) => undefined); // reported again by 'status'
  call.on('status', (status: StatusObject) => {
    open--;
    if (measuring) result.calls++;
    if (status.code !== 0 || received !== expected) {
      result.errors++;
      result.firstError ??= `status ${status.code} ${status.details}, ${received} of ${expected} messages`;
    }
    if (!stopping) startCall();
    else if (open === 0) allEnded();
  });
}

async function main(): Promise<void> {
  for (let i = 0; i < concurrency; i++) startCall();
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  measuring = true;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  result.seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  result.clientCpu = (cpu.user + cpu.system) / 1e6 / result.seconds;
  measuring = false;
  stopping = true;
  await new Promise<void>((resolve) => {
    allEnded = resolve;
    if (open === 0) resolve();
    setTimeout(resolve, 10_000).unref();
  });
  client.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
