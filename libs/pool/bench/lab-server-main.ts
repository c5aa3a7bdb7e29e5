// One side of the limiter benchmark: a grpc-js server answering a tiny unary call with no
// guard (`plain`), the limiter alone (`limiter`), or limiter + call metrics (`full`).
// Prints its port on stdout, then serves until killed.
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { ConcurrencyLimiter, ServerMetrics, guardService, type CallGuardOptions } from '../src';

const mode = process.argv[2];
const MODES = ['plain', 'limiter', 'full'];
if (!MODES.includes(mode ?? '')) {
  process.stderr.write('usage: lab-server-main.ts plain|limiter|full\n');
  process.exit(2);
}
const metrics = new ServerMetrics();
const limiter = new ConcurrencyLimiter({ maxConcurrentRpcs: 1000, metrics });
const guard: CallGuardOptions = mode === 'full' ? { limiter, metrics } : mode === 'limiter' ? { limiter } : {};
const server = new Server();
const reply = Buffer.from([0x08, 0x2a]); // a protobuf message: field 1 = 42
const definition = {
  call: {
      path: '/lab.Lab/Call',
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
  },
} satisfies ServiceDefinition;
const implementation = { call: (_call: unknown, callback: (e: null, r: Buffer) => void) => callback(null, reply) };
server.addService(definition, guardService(definition, implementation, guard));
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
// Exit normally on a signal so `node --cpu-prof` can write its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
