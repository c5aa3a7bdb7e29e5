// Async adapters from promise / async-iterable handler functions to grpc-js's callback and
// stream handler shapes. They own the parts every handler would otherwise get wrong:
// error-to-status mapping, cancellation, back-pressure and ending streams at shutdown.
import type {
  Metadata,
  ServerDuplexStream,
  ServerReadableStream,
  ServerWritableStream,
  handleBidiStreamingCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleUnaryCall,
} from '@grpc/grpc-js';
import { PoolError } from '@grpc-ts/pool';
import { RpcError, toServiceError, unavailable } from './errors';

export interface CallContext {
  /**
   * Aborted when the client cancels, the deadline passes, or (streaming calls only) the
   * server begins shutting down. Long work should watch it and stop.
   */
  readonly signal: AbortSignal;
  readonly metadata: Metadata;
  readonly peer: string;
  /** Full method path, e.g. /services.ProdService/GetProdStock. */
  readonly path: string;
}

// The parts of every grpc-js server call kind that a context needs.
type AnyServerCall = NodeJS.EventEmitter & {
  cancelled: boolean;
  metadata: Metadata;
  getPeer(): string;
  getPath(): string;
};

// What ServiceServer ties to each call before its handler runs: one shared object per
// server, stored on the call under a symbol (cheaper per call than WeakMaps).
export interface ServerContext {
  stopSignal: AbortSignal;
  reportError: (error: unknown, path: string) => void;
}
const SERVER_CONTEXT = Symbol('grpc-ts.serverContext');
type WithServerContext = { [SERVER_CONTEXT]?: ServerContext };

/** Called by ServiceServer before a handler runs: ties the call to the server's lifecycle. */
export function attachServerContext(call: object, context: ServerContext): void {
  (call as WithServerContext)[SERVER_CONTEXT] = context;
}

// The signal is made only when a handler (or a stream adapter) asks for it: most unary
// handlers never do, and an AbortController per call costs measurable throughput.
class LiveContext implements CallContext {
  private controller?: AbortController;
  private reason?: 'cancelled' | 'shutdown';
  private readonly stopSignal?: AbortSignal;

  constructor(
    private readonly call: AnyServerCall,
    private readonly endsAtShutdown: boolean,
  ) {
    this.stopSignal = (call as WithServerContext)[SERVER_CONTEXT]?.stopSignal;
  }

  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    this.call.once('cancelled', this.onCancelled);
    if (this.call.cancelled) this.onCancelled();
    if (this.endsAtShutdown && this.stopSignal) {
      if (this.stopSignal.aborted) this.onShutdown();
      else this.stopSignal.addEventListener('abort', this.onShutdown, { once: true });
    }
    return controller.signal;
  }

  get metadata(): Metadata {
    return this.call.metadata;
  }

  get peer(): string {
    return this.call.getPeer();
  }

  get path(): string {
    return this.call.getPath();
  }

  /** Why the call stopped early, if it did (tracked once the signal exists). */
  stopReason(): 'cancelled' | 'shutdown' | undefined {
    return this.reason;
  }

  dispose(): void {
    if (!this.controller) return;
    this.call.removeListener('cancelled', this.onCancelled);
    this.stopSignal?.removeEventListener('abort', this.onShutdown);
  }

  private readonly onCancelled = () => {
    this.reason ??= 'cancelled';
    this.controller?.abort();
  };

  private readonly onShutdown = () => {
    this.reason ??= 'shutdown';
    this.controller?.abort();
  };
}

function contextFor(call: AnyServerCall, endsAtShutdown: boolean): LiveContext {
  return new LiveContext(call, endsAtShutdown);
}

function report(call: object, error: unknown, path: string): void {
  if (error instanceof RpcError || error instanceof PoolError) return;
  (call as WithServerContext)[SERVER_CONTEXT]?.reportError(error, path);
}

const shuttingDown = () => unavailable('server is shutting down; retry on another instance');

export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res> | Res;
export type ServerStreamHandler<Req, Res> = (request: Req, ctx: CallContext) => AsyncIterable<Res> | Iterable<Res>;
export type ClientStreamHandler<Req, Res> = (requests: AsyncIterable<Req>, ctx: CallContext) => Promise<Res>;
export type BidiHandler<Req, Res> = (
  requests: AsyncIterable<Req>,
  send: (message: Res) => Promise<void>,
  ctx: CallContext,
) => Promise<void>;

/** Unary calls are allowed to finish during shutdown (they drain within the grace period). */
export function unary<Req, Res>(handler: UnaryHandler<Req, Res>): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const ctx = contextFor(call as AnyServerCall, false);
    const fail = (error: unknown) => {
      ctx.dispose();
      report(call, error, ctx.path);
      callback(toServiceError(error));
    };
    const succeed = (response: Res) => {
      ctx.dispose();
      callback(null, response);
    };
    // A handler that answers synchronously is answered at once: no promise round trips.
    let result: Promise<Res> | Res;
    try {
      result = handler(call.request, ctx);
    } catch (error) {
      fail(error);
      return;
    }
    if (result instanceof Promise) result.then(succeed, fail);
    else succeed(result);
  };
}

export function serverStream<Req, Res>(handler: ServerStreamHandler<Req, Res>): handleServerStreamingCall<Req, Res> {
  return (call) => {
    const ctx = contextFor(call as AnyServerCall, true);
    writeAll(call, ctx, () => handler(call.request, ctx)).finally(() => ctx.dispose());
  };
}

export function clientStream<Req, Res>(handler: ClientStreamHandler<Req, Res>): handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    const ctx = contextFor(call as AnyServerCall, true);
    Promise.resolve()
      .then(() => handler(readRequests<Req>(call, ctx), ctx))
      .then(
        (response) => {
          if (ctx.stopReason() === 'shutdown') callback(toServiceError(shuttingDown()));
          else if (!ctx.signal.aborted) callback(null, response);
        },
        (error: unknown) => {
          if (ctx.stopReason() === 'shutdown') return callback(toServiceError(shuttingDown()));
          if (ctx.signal.aborted) return; // cancelled: the client is gone, nothing to send
          report(call, error, ctx.path);
          callback(toServiceError(error));
        },
      )
      .finally(() => ctx.dispose());
  };
}

export function bidi<Req, Res>(handler: BidiHandler<Req, Res>): handleBidiStreamingCall<Req, Res> {
  return (call) => {
    const ctx = contextFor(call as AnyServerCall, true);
    const send = (message: Res) => writeOne(call, ctx, message);
    Promise.resolve()
      .then(() => handler(readRequests<Req>(call, ctx), send, ctx))
      .then(
        () => finish(call, ctx),
        (error: unknown) => finish(call, ctx, error),
      )
      .finally(() => ctx.dispose());
  };
}

async function writeAll<Res>(
  call: ServerWritableStream<unknown, Res>,
  ctx: LiveContext,
  produce: () => AsyncIterable<Res> | Iterable<Res>,
): Promise<void> {
  try {
    const source = produce();
    if (Symbol.iterator in source) await writeFromIterable(call, ctx, source);
    else {
      for await (const message of source) {
        // Leaving the loop calls the producer's return(), so its finally blocks run at once.
        if (ctx.signal.aborted) break;
        await writeOne(call, ctx, message);
      }
    }
    finish(call, ctx);
  } catch (error) {
    finish(call, ctx, error);
  }
}

// A synchronous producer is written without a promise per message: messages go out while
// the transport accepts them, and only a full buffer waits for 'drain'. (`for await` over
// it would cost two microtask turns per message: ~20% of streaming throughput.)
async function writeFromIterable<Res>(
  call: ServerWritableStream<unknown, Res>,
  ctx: LiveContext,
  source: Iterable<Res>,
): Promise<void> {
  const iterator = source[Symbol.iterator]();
  let done = false;
  try {
    while (!ctx.signal.aborted) {
      const next = iterator.next();
      if (next.done) {
        done = true;
        return;
      }
      if (!call.write(next.value)) await drained(call, ctx);
    }
  } finally {
    if (!done) iterator.return?.(); // stops the producer at once (its finally blocks run)
  }
}

/** Resolves on 'drain'; rejects with StopError if the call closes or stops first. */
function drained(call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>, ctx: LiveContext): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      call.removeListener('drain', onDrain);
      call.removeListener('close', onClose);
      ctx.signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new StopError());
    const onAbort = () => done(new StopError());
    call.once('drain', onDrain);
    call.once('close', onClose);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Writes one message, waiting for 'drain' when the transport buffer is full (back-pressure). */
function writeOne<Res>(
  call: ServerWritableStream<unknown, Res> | ServerDuplexStream<unknown, Res>,
  ctx: LiveContext,
  message: Res,
): Promise<void> {
  if (ctx.signal.aborted) return Promise.reject(new StopError());
  if (call.write(message)) return Promise.resolve();
  return drained(call, ctx);
}

/** Thrown into a handler's send() when the call can no longer be written to. */
export class StopError extends Error {
  constructor() {
    super('call is no longer writable (cancelled, past its deadline, or server shutting down)');
    this.name = 'StopError';
  }
}

function finish(
  call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  ctx: LiveContext,
  error?: unknown,
): void {
  const reason = ctx.stopReason();
  if (reason === 'cancelled') return; // no writes after cancel: the client is gone
  if (reason === 'shutdown') {
    call.emit('error', toServiceError(shuttingDown()));
    return;
  }
  if (error !== undefined && !(error instanceof StopError)) {
    report(call, error, ctx.path);
    call.emit('error', toServiceError(error));
    return;
  }
  call.end();
}

/** The request stream as an async iterable that ends (rather than hangs) when the call stops. */
async function* readRequests<Req>(
  call: ServerReadableStream<Req, unknown> | ServerDuplexStream<Req, unknown>,
  ctx: LiveContext,
): AsyncGenerator<Req> {
  // destroyOnReturn: false: the default iterator destroys the stream once the requests end,
  // which for a bidi call also destroys its writable side, so call.end() never sends the
  // status and the client waits until its deadline.
  const iterator = call.iterator({ destroyOnReturn: false }) as AsyncIterator<Req>;
  const stopped = new Promise<IteratorResult<Req>>((resolve) => {
    const stop = () => resolve({ done: true, value: undefined });
    if (ctx.signal.aborted) stop();
    else ctx.signal.addEventListener('abort', stop, { once: true });
  });
  try {
    while (true) {
      const pending = iterator.next();
      pending.catch(() => undefined); // may settle after we stopped listening; never unhandled
      const next = await Promise.race([pending, stopped]);
      if (next.done || ctx.signal.aborted) return;
      yield next.value;
    }
  } catch (error) {
    if (ctx.signal.aborted) return; // the stream was destroyed by a cancel
    throw error;
  }
}
