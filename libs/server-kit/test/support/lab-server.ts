// A real ServiceServer for the limit tests, with a tiny hand-made service whose messages are
// JSON bytes: calls that wait on a gate the test opens, fail with a chosen code, or stream
// until cancelled. No generated code needed.
import { Client, credentials, status, type ServerOptions, type ServiceError } from '@grpc/grpc-js';
import type { ServerMetrics } from '@grpc-ts/runtime';
import { waitFor } from '@grpc-ts/test-support';
import { RpcError, ServiceServer, type ServerLimits, type ServiceImpl } from '../../src';
import { startTestServer, testLogger, type RunningTestServer, publicPolicies } from '../../src/testing';

export interface LabRequest {
  /** Wait for the gate before answering. */
  hold?: boolean;
  /** Wait this long before answering. */
  waitMs?: number;
  /** Answer with this status code instead of OK. */
  failWith?: number;
}
export interface LabReply {
  ok?: boolean;
  tick?: number;
}

const toBytes = (value: unknown) => Buffer.from(JSON.stringify(value ?? {}));
const fromBytes = (bytes: Buffer) => (bytes.length ? JSON.parse(bytes.toString()) : {});
const method = <Stream extends boolean>(name: string, responseStream: Stream) => ({
  path: `/lab.Lab/${name}`,
  requestStream: false as const,
  responseStream,
  requestSerialize: toBytes as (value: LabRequest) => Buffer,
  requestDeserialize: fromBytes as (bytes: Buffer) => LabRequest,
  responseSerialize: toBytes as (value: LabReply) => Buffer,
  responseDeserialize: fromBytes as (bytes: Buffer) => LabReply,
});
export const labService = { call: method('Call', false as const), stream: method('Stream', true as const) };

/** A latch the handlers wait on: open() lets every held call answer, releaseOne() the oldest. */
class Gate {
  private waiting: (() => void)[] = [];
  private opened = false;
  wait(): Promise<void> {
    return this.opened ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
  releaseOne(): void {
    this.waiting.shift()?.();
  }
  open(): void {
    this.opened = true;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

export interface LabServer {
  running: RunningTestServer;
  server: ServiceServer;
  address: string;
  gate: Gate;
  /** Handlers running right now (what the server really sees), and the most at once. */
  readonly inHandlers: number;
  readonly maxInHandlers: number;
  stop(): Promise<void>;
}

export async function startLabServer(
  options: { limits?: ServerLimits; metrics?: ServerMetrics; serverOptions?: ServerOptions } = {},
): Promise<LabServer> {
  const gate = new Gate();
  let inHandlers = 0;
  let maxInHandlers = 0;
  const enter = () => {
    inHandlers++;
    maxInHandlers = Math.max(maxInHandlers, inHandlers);
  };
  const lab: ServiceImpl<typeof labService> = {
    async call(request, ctx) {
      enter();
      try {
        await (request.hold ? gate.wait() : new Promise((resolve) => setTimeout(resolve, request.waitMs ?? 0)));
      } finally {
        inHandlers--;
      }
      if (ctx.signal.aborted) return {};
      if (request.failWith) throw new RpcError(request.failWith, 'failed on request');
      return { ok: true };
    },
    async *stream(_request, ctx) {
      enter();
      try {
        while (!ctx.signal.aborted) {
          yield { tick: Date.now() };
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        inHandlers--;
      }
    },
  };
  const server = new ServiceServer({ logger: testLogger(), ...options }).addService(labService, lab, publicPolicies(labService));
  const running = await startTestServer(server);
  return {
    running,
    server,
    address: running.address,
    gate,
    get inHandlers() {
      return inHandlers;
    },
    get maxInHandlers() {
      return maxInHandlers;
    },
    stop: async () => {
      gate.open();
      await running.stop();
    },
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

/** Waits until check() holds; the failure names what it last saw. */
export async function eventually(check: () => boolean, describe: () => string, timeoutMs = 5000): Promise<void> {
  await waitFor(check, describe(), timeoutMs).catch(() => {
    throw new Error(`condition not met within ${timeoutMs} ms: ${describe()}`);
  });
}
