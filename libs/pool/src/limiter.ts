// A server-wide limit on active RPCs, as a grpc-js server interceptor so it applies to
// every method once. A call takes a slot when it arrives and gives it back exactly once,
// when its status is sent or it is cancelled (client cancel, deadline, connection loss).
// Streams hold their slot for their whole life. Over the limit a call is rejected at once
// with RESOURCE_EXHAUSTED, or waits in a bounded FIFO queue for up to queueTimeoutMs.
import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { PoolOptionsError } from './errors';
import type { ServerMetrics } from './metrics';

export interface ConcurrencyLimiterOptions {
  /** Most RPCs active at once, server-wide. */
  maxConcurrentRpcs: number;
  /** Calls that may wait for a slot when all are taken; 0 rejects at once. */
  queueSize?: number;
  /** How long a queued call waits before RESOURCE_EXHAUSTED; required when queueSize > 0. */
  queueTimeoutMs?: number;
  /** Methods never limited (health checks and reflection must answer under load). */
  isExempt?: (path: string) => boolean;
  metrics?: ServerMetrics;
}

type Rejection = 'limit' | 'queue_full' | 'queue_timeout';

interface Waiter {
  grant(): void;
  timer: NodeJS.Timeout;
}

export const isHealthOrReflection = (path: string) =>
  path.startsWith('/grpc.health.v1.') || path.startsWith('/grpc.reflection.');

export class ConcurrencyLimiter {
  readonly maxConcurrentRpcs: number;
  readonly queueSize: number;
  readonly queueTimeoutMs: number;
  private activeCount = 0;
  private readonly waiters: Waiter[] = [];
  private readonly isExempt: (path: string) => boolean;
  private readonly metrics?: ServerMetrics;

  constructor(options: ConcurrencyLimiterOptions) {
    const { maxConcurrentRpcs, queueSize = 0, queueTimeoutMs = 0 } = options;
    if (!Number.isInteger(maxConcurrentRpcs) || maxConcurrentRpcs < 1) {
      throw new PoolOptionsError('maxConcurrentRpcs', `must be an integer >= 1, got ${maxConcurrentRpcs}`);
    }
    if (!Number.isInteger(queueSize) || queueSize < 0) {
      throw new PoolOptionsError('queueSize', `must be an integer >= 0, got ${queueSize}`);
    }
    if (queueSize > 0 && (!Number.isInteger(queueTimeoutMs) || queueTimeoutMs < 1)) {
      throw new PoolOptionsError('queueTimeoutMs', `must be an integer >= 1 when queueSize > 0, got ${queueTimeoutMs}`);
    }
    this.maxConcurrentRpcs = maxConcurrentRpcs;
    this.queueSize = queueSize;
    this.queueTimeoutMs = queueTimeoutMs;
    this.isExempt = options.isExempt ?? isHealthOrReflection;
    this.metrics = options.metrics;
    this.metrics?.maxConcurrentRpcs.set(maxConcurrentRpcs);
  }

  get active(): number {
    return this.activeCount;
  }

  get queued(): number {
    return this.waiters.length;
  }

  readonly interceptor: ServerInterceptor = (method, call) => {
    if (this.isExempt(method.path)) return new ServerInterceptingCall(call);
    // waiting -> active -> done, or waiting -> done; only active -> done gives a slot back.
    let state: 'waiting' | 'active' | 'done' = 'waiting';
    let leaveQueue: (() => void) | undefined;
    const finish = () => {
      if (state === 'active') this.release();
      else if (state === 'waiting') leaveQueue?.();
      state = 'done';
    };
    const intercepted: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, forward) => {
            const admitted = () => {
              if (state !== 'waiting') {
                this.release(); // the call ended while the slot was being handed over
                return;
              }
              state = 'active';
              forward(metadata);
            };
            const reject = (reason: Rejection) => {
              state = 'done';
              this.metrics?.rejectedTotal.inc({ grpc_method: method.path, reason });
              intercepted.sendStatus({ code: status.RESOURCE_EXHAUSTED, details: this.describe(reason) });
            };
            leaveQueue = this.acquire(admitted, reject);
          },
          onCancel: finish,
        }),
      sendStatus: (statusObject, next) => {
        finish();
        next(statusObject);
      },
    });
    return intercepted;
  };

  /** Grants a slot now, queues the caller, or rejects; returns how to leave the queue. */
  private acquire(admitted: () => void, reject: (reason: Rejection) => void): (() => void) | undefined {
    if (this.activeCount < this.maxConcurrentRpcs) {
      this.take();
      admitted();
      return undefined;
    }
    if (this.waiters.length >= this.queueSize) {
      reject(this.queueSize === 0 ? 'limit' : 'queue_full');
      return undefined;
    }
    const waiter: Waiter = {
      grant: admitted,
      timer: setTimeout(() => {
        this.removeWaiter(waiter);
        reject('queue_timeout');
      }, this.queueTimeoutMs),
    };
    this.waiters.push(waiter);
    this.metrics?.queuedRpcs.set(this.waiters.length);
    return () => this.removeWaiter(waiter);
  }

  private take(): void {
    this.activeCount++;
    this.metrics?.activeRpcs.set(this.activeCount);
  }

  private release(): void {
    this.activeCount--;
    this.metrics?.activeRpcs.set(this.activeCount);
    const next = this.waiters.shift();
    if (next) {
      clearTimeout(next.timer);
      this.metrics?.queuedRpcs.set(this.waiters.length);
      this.take();
      next.grant();
    }
  }

  private removeWaiter(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index === -1) return;
    this.waiters.splice(index, 1);
    clearTimeout(waiter.timer);
    this.metrics?.queuedRpcs.set(this.waiters.length);
  }

  private describe(reason: Rejection): string {
    const limit = `server is at its limit of ${this.maxConcurrentRpcs} concurrent RPCs`;
    if (reason === 'limit') return `${limit}; retry later`;
    if (reason === 'queue_full') return `${limit} and its wait queue (${this.queueSize}) is full; retry later`;
    return `${limit}; waited ${this.queueTimeoutMs} ms for a slot; retry later`;
  }
}
