// The streaming load generator, run in its own process on the load core: keeps `concurrency`
// ListFeatures calls for the whole world open on one channel, back to back, and counts the
// messages that arrive inside the measured window. Messages are counted, not decoded (the
// client must not be the bottleneck); each call is checked for status OK and the expected
// message count, and the bench decodes and compares a full call separately.
// With --server-pids it also reads the server's CPU counters (/proc/<pid>/stat) at the edges of
// the measured window, so the server's CPU per message covers exactly the messages counted.
// Over TLS (--ca) it trusts that CA only, and checks the server's certificate for the address's IP;
// with --cert and --key it presents a client certificate (mutual TLS).
// usage: node stream-client.js --address HOST:PORT --expect N [--duration-ms 5000] [--warmup-ms 1000] [--concurrency 4] [--path /pkg.Service/Method]
//   [--ca ca.pem [--cert client.pem --key client-key.pem]] [--server-pids 123,456 [--server-core 0]]
// (--path: the edge's ExploreArea takes and streams the same bytes as ListFeatures.)
// Prints one JSON line: { messages, seconds, calls, errors, firstError, clientCpu, serverCpu }.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Client, credentials, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import * as routeguide from '@grpc-ts/protos/routeguide';
import { WORLD } from './payloads';
import { sampleCpu, serverCpuBetween, type ServerCpu } from './server-cpu';

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
  /** The server's CPU over the window (with --server-pids); microsPerUnit is per message. */
  serverCpu?: ServerCpu;
}

const { values } = parseArgs({
  options: {
    address: { type: 'string' },
    expect: { type: 'string' },
    'duration-ms': { type: 'string', default: '5000' },
    'warmup-ms': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    path: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    'server-pids': { type: 'string' },
    'server-core': { type: 'string' },
  },
});
const address = values.address;
const expected = Number(values.expect);
const durationMs = Number(values['duration-ms']);
const warmupMs = Number(values['warmup-ms']);
const concurrency = Number(values.concurrency);
const serverPids = values['server-pids']?.split(',').map(Number);
const serverCore = values['server-core'] === undefined ? undefined : Number(values['server-core']);
if (serverPids?.some((pid) => !(Number.isInteger(pid) && pid > 0))) {
  process.stderr.write(`--server-pids must be comma-separated pids, got ${values['server-pids']}\n`);
  process.exit(2);
}
if (!address || !(expected > 0) || !(durationMs > 0) || !(warmupMs >= 0) || !(concurrency >= 1)) {
  process.stderr.write(
    'usage: stream-client --address HOST:PORT --expect N [--duration-ms MS] [--warmup-ms MS] [--concurrency N] [--ca FILE [--cert FILE --key FILE]]\n',
  );
  process.exit(2);
}
if (Boolean(values.cert) !== Boolean(values.key) || (values.cert && !values.ca)) {
  process.stderr.write('--cert and --key go together, and with --ca\n');
  process.exit(2);
}

const read = (file: string | undefined) => (file ? readFileSync(file) : null);
const channelCredentials = values.ca ? credentials.createSsl(read(values.ca), read(values.key), read(values.cert)) : credentials.createInsecure();
const client = new Client(address, channelCredentials);
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
  const serverBefore = serverPids && sampleCpu(serverPids, serverCore);
  measuring = true;
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  measuring = false;
  result.seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  if (serverBefore) result.serverCpu = serverCpuBetween(serverBefore, sampleCpu(serverPids!, serverCore), result.messages);
  result.clientCpu = (cpu.user + cpu.system) / 1e6 / result.seconds;
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
