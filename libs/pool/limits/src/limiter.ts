// A server-wide limit on active RPCs. The limiter only counts slots and keeps the wait
// queue; the server's limits wrapper applies it to calls and makes sure each call gives its
// slot back exactly once. It knows nothing of a transport, so any server can use it. Over the limit a call is rejected at once with RESOURCE_EXHAUSTED, or waits
// in a bounded FIFO queue for up to queueTimeoutMs. The hot path is a compare and an
// increment: gauges are read at scrape time, not written per call.
import { LimitOptionsError } from './options-error';

export interface ConcurrencyLimiterOptions {
  /** Most RPCs active at once, server-wide. */
  maxConcurrentRpcs: number;
  /** Calls that may wait for a slot when all are taken; 0 rejects at once. */
  queueSize?: number;
  /** How long a queued call waits before RESOURCE_EXHAUSTED; required when queueSize > 0. */
  queueTimeoutMs?: number;
  /** Told of every rejection (metrics count them); rare by design, so pushed, not polled. */
  onReject?: (path: string, reason: Rejection) => void;
}

export type Rejection = 'limit' | 'queue_full' | 'queue_timeout';

/** A call waiting for a slot. */
export interface Waiter {
  /** Called once a slot is taken for this call (it must then be released). */
  readonly granted: () => void;
  readonly rejected: (details: string) => void;
  readonly path: string;
  timer?: NodeJS.Timeout;
}

export class ConcurrencyLimiter {
  readonly maxConcurrentRpcs: number;
  readonly queueSize: number;
  readonly queueTimeoutMs: number;
  private activeCount = 0;
  private readonly waiters: Waiter[] = [];
  private readonly onReject?: (path: string, reason: Rejection) => void;

  constructor(options: ConcurrencyLimiterOptions) {
    const { maxConcurrentRpcs, queueSize = 0, queueTimeoutMs = 0 } = options;
    if (!Number.isInteger(maxConcurrentRpcs) || maxConcurrentRpcs < 1) {
      throw new LimitOptionsError('maxConcurrentRpcs', `must be an integer >= 1, got ${maxConcurrentRpcs}`);
    }
    if (!Number.isInteger(queueSize) || queueSize < 0) {
      throw new LimitOptionsError('queueSize', `must be an integer >= 0, got ${queueSize}`);
    }
    if (queueSize > 0 && (!Number.isInteger(queueTimeoutMs) || queueTimeoutMs < 1)) {
      throw new LimitOptionsError('queueTimeoutMs', `must be an integer >= 1 when queueSize > 0, got ${queueTimeoutMs}`);
    }
    this.maxConcurrentRpcs = maxConcurrentRpcs;
    this.queueSize = queueSize;
    this.queueTimeoutMs = queueTimeoutMs;
    this.onReject = options.onReject;
  }

  get active(): number {
    return this.activeCount;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Takes a slot if one is free. */
  tryAcquire(): boolean {
    if (this.activeCount >= this.maxConcurrentRpcs) return false;
    this.activeCount++;
    return true;
  }

  /** Gives a slot back; the longest-waiting call, if any, gets it at once. */
  release(): void {
    const next = this.waiters.shift();
    if (next) {
      clearTimeout(next.timer);
      next.granted(); // the slot passes straight to it: active stays the same
      return;
    }
    this.activeCount--;
  }

  /**
   * Queues a call that found no free slot. Returns the waiter (leave() it if the call ends
   * first), or the rejection details when the queue is full or there is none.
   */
  enqueue(path: string, granted: () => void, rejected: (details: string) => void): Waiter | string {
    if (this.waiters.length >= this.queueSize) return this.reject(path, this.queueSize === 0 ? 'limit' : 'queue_full');
    const waiter: Waiter = { granted, rejected, path };
    waiter.timer = setTimeout(() => {
      this.leave(waiter);
      rejected(this.reject(path, 'queue_timeout'));
    }, this.queueTimeoutMs);
    this.waiters.push(waiter);
    return waiter;
  }

  /** Removes a waiter that no longer wants a slot (cancelled while queued). */
  leave(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index === -1) return;
    this.waiters.splice(index, 1);
    clearTimeout(waiter.timer);
  }

  private reject(path: string, reason: Rejection): string {
    this.onReject?.(path, reason);
    const limit = `server is at its limit of ${this.maxConcurrentRpcs} concurrent RPCs`;
    if (reason === 'limit') return `${limit}; retry later`;
    if (reason === 'queue_full') return `${limit} and its wait queue (${this.queueSize}) is full; retry later`;
    return `${limit}; waited ${this.queueTimeoutMs} ms for a slot; retry later`;
  }
}
