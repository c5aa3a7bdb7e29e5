// One RPC on the server, from the moment grpc-js hands it over until it ends. It is the
// handler's CallContext and the chain's view of the call, and it owns the one guarantee
// everything else leans on: the call ENDS EXACTLY ONCE, at the earliest of its status being
// sent, the client cancelling or going away, its deadline, a stream going idle, or server
// shutdown; end listeners (slot release, metrics) run then, and the signal aborts for every
// early end. A stream whose status cannot be flushed afterwards is reset, so nothing a
// client withholds keeps it (or its memory) alive.
import { Metadata, status, type ServerErrorResponse, type StatusObject } from '@grpc/grpc-js';
import { ANONYMOUS, type Caller } from '@grpc-ts/runtime';
import type { CallContext } from './context';
import { statusOf } from './error-policy';
import type { MethodInfo } from './method';
import { endWithStatus, endedByTransport, http2StreamOf, resetStream, takeOverDeadline } from './transport-internals';

/** What every grpc-js server call kind offers. */
export type RawCall = NodeJS.EventEmitter & {
  cancelled: boolean;
  metadata: Metadata;
  request?: unknown;
  getPeer(): string;
  getDeadline(): Date | number;
  write?(message: unknown): boolean;
  end?(): void;
};
export type RawCallback = (error: Partial<StatusObject> | ServerErrorResponse | null, value?: unknown) => void;

export type StopReason = 'cancelled' | 'deadline' | 'idle' | 'shutdown';

/** What calls share per server: where errors are logged, where streams are tracked. */
export interface CallHost {
  reportError(error: unknown, method: MethodInfo): void;
  /** Streaming calls: swept for idleness (application ones) and ended at shutdown. */
  streamStarted(call: ServerCall): void;
  streamEnded(call: ServerCall): void;
  /** How long a stream's status may take to flush before the stream is reset. */
  readonly statusFlushMs: number;
}

/** Thrown into a writer waiting for 'drain' when the call ends first. */
export class StopError extends Error {
  constructor() {
    super('the call has ended (cancelled, past its deadline, idle, or server shutting down)');
    this.name = 'StopError';
  }
}

// A client whose deadline passes resets the stream itself, and that reset can beat the
// server's own deadline timer (the server's deadline is later by the network delay); a
// cancel this close to the deadline counts as DEADLINE_EXCEEDED.
const DEADLINE_SLACK_MS = 25;

const SHUTDOWN_DETAILS = 'server is shutting down; retry on another instance';

// The ServerCall of a grpc-js call, for the one 'cancelled' listener all calls share: a
// closure per call for it (and for the deadline and drain, which most calls never need) was
// garbage on every unary call.
const CALL = Symbol('serverCall');
function onRawCancelled(this: RawCall): void {
  (this as RawCall & { [CALL]?: ServerCall })[CALL]?.cancelledByTransport();
}

/** Runs when a call ends, with its status code and the call. */
export type EndListener = (code: number, call: ServerCall) => void;

export class ServerCall implements CallContext {
  /** Set once, when the call ends; its status code. */
  ended = false;
  code: number = status.UNKNOWN;
  /** Who is calling; set by the auth wrapper (anonymous for public methods and AUTH=off). */
  caller: Caller = ANONYMOUS;
  /** Messages read or written: the idle sweeper compares it between sweeps. */
  activity = 0;
  /** The sweeper's bookkeeping: activity at its last look, and looks since it changed. */
  sweptActivity = -1;
  idleSweeps = 0;
  /** performance.now() when the metrics wrapper first saw the call. */
  startedAt = 0;
  private controller?: AbortController;
  private listeners?: EndListener[];
  private drainWaiter?: { reject(error: Error): void; listener(): void };
  private deadlineTimer?: NodeJS.Timeout;
  private stopReason?: StopReason;
  private stopped?: Promise<void>;
  private resolveStopped?: () => void;
  readonly deadline: number;
  private readonly streaming: boolean;
  private tracked = false;

  constructor(
    readonly raw: RawCall,
    /** grpc-js's own callback for unary and client-streaming calls. */
    readonly rawCallback: RawCallback | undefined,
    readonly method: MethodInfo,
    private readonly host: CallHost,
    /** Health and reflection: exempt from idleness, ended (not failed) at shutdown. */
    readonly platform: boolean,
  ) {
    const deadline = raw.getDeadline();
    this.deadline = typeof deadline === 'number' ? deadline : deadline.getTime();
    // Server streams and bidi calls answer through the stream; the others by callback.
    this.streaming = method.kind === 'serverStream' || method.kind === 'bidi';
    (raw as RawCall & { [CALL]?: ServerCall })[CALL] = this;
    raw.on('cancelled', onRawCancelled);
    if (this.deadline !== Infinity) {
      const left = this.deadline - Date.now();
      // Already dead: grpc-js may even have answered it before handing it over (a half-close
      // that came after the deadline). It ends here, before any handler or slot.
      if (left <= 0 || endedByTransport(raw)) {
        this.stop('deadline');
        return;
      }
      // A unary call's DEADLINE_EXCEEDED is sent by grpc-js's own timer (and ends the call
      // through 'cancelled'). Streams get a timer of ours: it ends the call, and for a
      // response stream it replaces grpc-js's, which would cut the stream under its queued
      // writes; ours sends the status after them (and guardFlush resets a stuck stream).
      if (method.kind !== 'unary') {
        if (this.streaming) takeOverDeadline(raw);
        this.deadlineTimer = setTimeout(() => this.stop('deadline'), left);
      }
    } else if (endedByTransport(raw)) {
      this.stop('cancelled');
      return;
    }
    if (method.kind !== 'unary') {
      this.tracked = true;
      host.streamStarted(this);
    }
  }

  // --- CallContext ---

  get signal(): AbortSignal {
    // Made only when asked for: most unary handlers never do, and an AbortController per
    // call costs measurable throughput.
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.stopReason) this.controller.abort(this.stopReason);
    }
    return this.controller.signal;
  }

  get metadata(): Metadata {
    return this.raw.metadata;
  }

  get peer(): string {
    return this.raw.getPeer();
  }

  // --- for the chain ---

  /** Runs `listener(code, call)` when the call ends (at once if it already has). */
  onEnd(listener: EndListener): void {
    if (this.ended) listener(this.code, this);
    else (this.listeners ??= []).push(listener);
  }

  // --- for the call kinds ---

  /** The request of a unary or server-streaming call. */
  get request(): unknown {
    return this.raw.request;
  }

  /** Resolves once the call has ended early (cancel, deadline, idle, shutdown). */
  whenStopped(): Promise<void> {
    this.stopped ??= this.stopReason
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.resolveStopped = resolve;
        });
    return this.stopped;
  }

  /** Answers a unary or client-streaming call. */
  reply(value: unknown): void {
    if (this.ended) return;
    this.end(status.OK);
    this.rawCallback!(null, value);
  }

  /** Ends a server-streaming or bidi call with OK once what was written has flushed. */
  endStream(): void {
    if (this.ended) return;
    this.end(status.OK);
    this.raw.end!();
    this.guardFlush();
  }

  /** Ends the call with the status the error policy gives `error`. */
  fail(error: unknown): void {
    if (this.ended) return; // an error after the end (e.g. a task aborted by the cancel) is no news
    const { status: wire, log } = statusOf(error);
    if (log) this.host.reportError(error, this.method);
    this.end(wire.code);
    this.send(wire);
  }

  /** Writes one message; false means wait for drained() (transport buffer full). */
  write(message: unknown): boolean {
    this.activity++;
    return this.raw.write!(message);
  }

  /** Resolves on 'drain'; rejects with StopError if the call ends first. */
  drained(): Promise<void> {
    if (this.ended) return Promise.reject(new StopError());
    return new Promise<void>((resolve, reject) => {
      const listener = () => {
        this.drainWaiter = undefined;
        resolve();
      };
      this.drainWaiter = { reject, listener };
      this.raw.once('drain', listener);
    });
  }

  /** Marks a platform call ended by its own handler (health, reflection answer for themselves). */
  settle(code: number): void {
    if (!this.ended) this.end(code);
  }

  /** Ends the call early: the signal aborts and the client gets the reason's status. */
  stop(reason: StopReason, details?: string): void {
    if (this.ended) return;
    this.stopReason = reason;
    const code =
      reason === 'cancelled'
        ? status.CANCELLED
        : reason === 'shutdown'
          ? status.UNAVAILABLE
          : status.DEADLINE_EXCEEDED;
    this.end(code);
    this.controller?.abort(reason);
    this.resolveStopped?.();
    // A cancelled call has no client left to tell.
    if (reason !== 'cancelled') {
      const text = details ?? (reason === 'shutdown' ? SHUTDOWN_DETAILS : 'deadline exceeded');
      this.send({ code, details: text, metadata: new Metadata() });
    }
  }

  // --- internals ---

  private send(wire: Partial<StatusObject>): void {
    if (this.rawCallback) {
      this.rawCallback(wire as StatusObject);
      return;
    }
    // The status goes out after what was written (guardFlush resets the stream if that
    // never gets out). Not through an 'error' event: see endWithStatus.
    if (!endWithStatus(this.raw, wire)) this.raw.emit('error', wire);
    if (this.streaming) this.guardFlush();
  }

  private end(code: number): void {
    this.ended = true;
    this.code = code;
    // The 'cancelled' listener stays: grpc-js emits 'cancelled' after every status it sends,
    // and cancelledByTransport ignores an ended call (cheaper than removing it on every call).
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    if (this.tracked) this.host.streamEnded(this);
    const waiter = this.drainWaiter;
    if (waiter) {
      this.drainWaiter = undefined;
      this.raw.removeListener('drain', waiter.listener);
      waiter.reject(new StopError());
    }
    const listeners = this.listeners;
    if (listeners) for (let i = 0; i < listeners.length; i++) listeners[i]!(code, this);
  }

  // After the status is handed over, the client has statusFlushMs to take it (and whatever
  // was still buffered); then the stream is reset, freeing its buffers.
  private guardFlush(): void {
    const stream = http2StreamOf(this.raw);
    if (!stream || stream.closed) return;
    const timer = setTimeout(resetStream, this.host.statusFlushMs, this.raw).unref();
    stream.once('close', () => clearTimeout(timer));
  }

  /** grpc-js's 'cancelled': the client went away, its deadline passed, or a status went out. */
  cancelledByTransport(): void {
    if (this.ended) return;
    const pastDeadline = this.deadline !== Infinity && this.deadline - DEADLINE_SLACK_MS <= Date.now();
    this.stopReason = pastDeadline ? 'deadline' : 'cancelled';
    this.end(pastDeadline ? status.DEADLINE_EXCEEDED : status.CANCELLED);
    this.controller?.abort(this.stopReason);
    this.resolveStopped?.();
  }
}
