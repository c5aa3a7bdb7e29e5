// A real grpc-js server for the pool's tests, with a tiny hand-made service whose
// messages are JSON bytes: calls that wait on a gate the test opens, fail with a chosen
// code, or stream until cancelled. No generated code needed, so the pool stays
// independent of the apps' protos.
import {
  Client,
  Server,
  ServerCredentials,
  credentials,
  status,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { guardService, type CallGuardOptions } from '../../src';

export interface LabRequest {
  /** Wait for the gate before answering. */
  hold?: boolean;
  /** Wait this long before answering. */
  waitMs?: number;
  /** Answer with this status code instead of OK. */
  failWith?: number;
}

const toBytes = (value: unknown) => Buffer.from(JSON.stringify(value ?? {}));
const fromBytes = (bytes: Buffer) => (bytes.length ? JSON.parse(bytes.toString()) : {});
const method = (name: string, responseStream: boolean) => ({
  path: `/lab.Lab/${name}`,
  requestStream: false,
  responseStream,
  requestSerialize: toBytes,
  requestDeserialize: fromBytes,
  responseSerialize: toBytes,
  responseDeserialize: fromBytes,
});
export const labService = { call: method('Call', false), stream: method('Stream', true) } satisfies ServiceDefinition;

/** A latch the handlers wait on; open() lets every held call answer. */
class Gate {
  private waiting: (() => void)[] = [];
  private opened = false;
  wait(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
  open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

export interface LabServer {
  server: Server;
  address: string;
  gate: Gate;
  /** Handlers running right now (what the server really sees). */
  readonly running: number;
  readonly maxRunning: number;
  stop(): Promise<void>;
}

/** The lab service guarded by `guard` (limiter, metrics), plus an unguarded health service. */
export async function startLabServer(
  guard: CallGuardOptions,
  options: Record<string, unknown> = {},
): Promise<LabServer> {
  const gate = new Gate();
  let running = 0;
  let maxRunning = 0;
  const enter = () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
  };
  const server = new Server(options);
  server.addService(labService, guardService(labService, {
    call: (call: ServerUnaryCall<LabRequest, unknown>, callback: sendUnaryData<unknown>) => {
      enter();
      let cancelled = false;
      call.once('cancelled', () => (cancelled = true));
      const request = call.request;
      const waited = request.hold ? gate.wait() : new Promise((resolve) => setTimeout(resolve, request.waitMs ?? 0));
      void waited.then(() => {
        running--;
        if (cancelled) return;
        if (request.failWith) callback({ code: request.failWith, details: 'failed on request' });
        else callback(null, { ok: true });
      });
    },
    stream: (call: ServerWritableStream<LabRequest, unknown>) => {
      enter();
      const timer = setInterval(() => call.write({ tick: Date.now() }), 5);
      call.once('cancelled', () => {
        clearInterval(timer);
        running--;
      });
    },
  }, guard));
  new HealthImplementation({ '': 'SERVING' }).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    server,
    address: `127.0.0.1:${port}`,
    gate,
    get running() {
      return running;
    },
    get maxRunning() {
      return maxRunning;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        gate.open();
        server.forceShutdown();
        resolve();
      }),
  };
}

export type Outcome = { code: number; details: string };

/** A client of the lab service; `separateConnection` gives it its own HTTP/2 connection. */
export class LabClient extends Client {
  constructor(address: string, separateConnection = false) {
    super(address, credentials.createInsecure(), separateConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {});
  }

  /** Resolves with the final status (never rejects), so storms can count outcomes. */
  call(request: LabRequest, options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<Outcome> {
    return new Promise((resolve) => {
      const deadline = options.deadlineMs === undefined ? Infinity : Date.now() + options.deadlineMs;
      const call = this.makeUnaryRequest(
        labService.call.path,
        toBytes,
        fromBytes,
        request,
        { deadline },
        (error: ServiceError | null) => resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '' }),
      );
      options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  /** Opens a server stream and resolves once the first message arrived. */
  async openStream(): Promise<{ cancel(): void; ended: Promise<Outcome> }> {
    const call = this.makeServerStreamRequest(labService.stream.path, toBytes, fromBytes, {});
    const ended = new Promise<Outcome>((resolve) => {
      call.on('error', (error: ServiceError) => resolve({ code: error.code, details: error.details }));
      call.on('status', (s: { code: number; details: string }) => s.code === status.OK && resolve(s));
    });
    await Promise.race([
      new Promise((resolve) => call.once('data', resolve)),
      ended.then((outcome) => {
        throw new Error(`stream ended before its first message: ${JSON.stringify(outcome)}`);
      }),
    ]);
    return { cancel: () => call.cancel(), ended };
  }
}

/** Polls until check() is true or fails after timeoutMs with what it last saw. */
export async function eventually(check: () => boolean, describe: () => string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
