// Spies on the service's producers, so tests can see what the SERVER did (how far it got,
// whether it stopped) rather than only what a client received.
import { ResponderBuilder, ServerInterceptingCall, ServerListenerBuilder, type ServerInterceptor } from '@grpc/grpc-js';
import type { routeguide } from '@grpc-ts/protos';
import { RouteChatStore } from '../../src/chat-store';
import type { Bounds, FeatureSource } from '../../src/feature-index';

/** Resolves once `read()` has not changed for `quietMs` (the producer has stopped moving). */
export async function waitUntilSettled(read: () => number, quietMs = 300, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error(`value still changing after ${timeoutMs} ms (now ${read()})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = read();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
  return last;
}

/** A FeatureSource that counts the features ListFeatures pulled and notices when it stopped pulling. */
export class ObservedSource implements FeatureSource {
  produced = 0;
  /** Set when the last within() iterator was closed (finished, or returned early on cancel). */
  closed = false;
  private closedListeners: (() => void)[] = [];

  constructor(private readonly inner: FeatureSource) {}

  get size(): number {
    return this.inner.size;
  }

  find(point: routeguide.Point): routeguide.Feature | undefined {
    return this.inner.find(point);
  }

  *within(bounds: Bounds): Generator<routeguide.Feature> {
    this.closed = false;
    try {
      for (const feature of this.inner.within(bounds)) {
        this.produced++;
        yield feature;
      }
    } finally {
      this.closed = true;
      for (const listener of this.closedListeners.splice(0)) listener();
    }
  }

  /** Resolves when the current (or next) within() iterator is closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closedListeners.push(resolve));
  }
}

/** A RouteChatStore that counts how many stored notes RouteChat has taken out to send. */
export class ObservedChatStore extends RouteChatStore {
  sentOut = 0;

  override notesAt(point: routeguide.Point): Iterable<routeguide.RouteNote> {
    const snapshot = super.notesAt(point);
    const counted = function* (this: ObservedChatStore) {
      for (const note of snapshot) {
        this.sentOut++;
        yield note;
      }
    };
    return counted.call(this);
  }
}

/**
 * A server interceptor that sees every message a handler writes and every cancel, so a
 * test can tell whether the server wrote anything after the client cancelled.
 */
export function writeSpy() {
  const spy = { writes: 0, cancels: 0, writesAfterCancel: 0, interceptor: undefined as unknown as ServerInterceptor };
  spy.interceptor = (_method, call) => {
    let cancelled = false;
    return new ServerInterceptingCall(
      call,
      new ResponderBuilder()
        .withStart((next) =>
          next(
            new ServerListenerBuilder()
              .withOnCancel(() => {
                cancelled = true;
                spy.cancels++;
              })
              .build(),
          ),
        )
        .withSendMessage((message, next) => {
          spy.writes++;
          if (cancelled) spy.writesAfterCancel++;
          next(message);
        })
        .build(),
    );
  };
  return spy;
}

/** Timers (setTimeout/setInterval) alive in this process now. */
export const activeTimers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
