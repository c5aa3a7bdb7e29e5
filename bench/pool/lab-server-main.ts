// One side of the limiter benchmark: a tiny unary call answered by a bare grpc-js server
// (`plain`), by the kit's ServiceServer with the limiter alone (`limiter`), or with limiter +
// call metrics (`full`). Prints its port on stdout, then serves until killed.
import { Server, ServerCredentials, type ServiceDefinition } from '@grpc/grpc-js';
import { ServerMetrics, policy } from '@grpc-ts/runtime';
import { ServiceServer } from '@grpc-ts/server-kit';
import pino from 'pino';

const mode = process.argv[2];
const MODES = ['plain', 'limiter', 'full'];
if (!MODES.includes(mode ?? '')) {
  process.stderr.write('usage: lab-server-main.ts plain|limiter|full\n');
  process.exit(2);
}
const reply = Buffer.from([0x08, 0x2a]); // a protobuf message: field 1 = 42
const identity = (b: Buffer) => b;
const definition = {
  call: {
    path: '/lab.Lab/Call' as const,
    requestStream: false as const,
    responseStream: false as const,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

async function start(): Promise<number> {
  if (mode === 'plain') {
    const server = new Server();
    server.addService(definition as ServiceDefinition, {
      call: (_call: unknown, callback: (e: null, r: Buffer) => void) => callback(null, reply),
    });
    return new Promise((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
  }
  const server = new ServiceServer({
    logger: pino({ level: 'silent' }),
    limits: { maxConcurrentRpcs: 1000 },
    metrics: mode === 'full' ? new ServerMetrics() : undefined,
  }).addService(definition, { call: () => reply }, { call: policy.public() });
  return server.listen('127.0.0.1', 0);
}

void start().then((port) => process.stdout.write(`${port}\n`));
// Exit normally on a signal so `node --cpu-prof` can write its profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0));
