// Reading a call's request stream and writing its responses, with back-pressure: the next
// message is pulled from the handler only once the transport took the previous one.
import { StopError, type ServerCall } from '../server-call';
import type { Stream } from '../service-impl';

type ReadableRaw = { iterator(options: { destroyOnReturn: boolean }): AsyncIterator<unknown> };

/** The request stream as an async iterable that ends (rather than hangs) when the call ends. */
export async function* requestsOf<Req>(call: ServerCall): AsyncGenerator<Req> {
  // destroyOnReturn: false: the default iterator destroys the stream once the requests end,
  // which for a bidi call also destroys its writable side, so the status is never sent.
  const iterator = (call.raw as unknown as ReadableRaw).iterator({ destroyOnReturn: false });
  // One listener on the call's end wakes whichever read is pending. (Promise.race against a
  // promise that lives as long as the call adds a reaction to it per message, and each kept
  // its message alive until the call ended: a RouteChat fed 16 KiB notes ran out of heap.)
  let wake: ((result: IteratorResult<unknown>) => void) | undefined;
  void call.whenStopped().then(() => wake?.({ done: true, value: undefined }));
  try {
    while (!call.ended) {
      const next = await new Promise<IteratorResult<unknown>>((resolve, reject) => {
        wake = resolve;
        iterator.next().then(resolve, (error: unknown) => (call.ended ? resolve({ done: true, value: undefined }) : reject(error)));
      });
      wake = undefined;
      if (next.done || call.ended) return;
      call.activity++;
      yield next.value as Req;
    }
  } catch (error) {
    if (call.ended) return; // the stream was destroyed by a cancel
    throw error;
  }
}

/** Writes every message of `source`, then ends the stream with OK (or the source's error). */
export async function respondWith<Res>(call: ServerCall, source: Stream<Res>): Promise<void> {
  try {
    if (Symbol.iterator in source) await writeSync(call, source);
    else {
      for await (const message of source) {
        // Leaving the loop calls the producer's return(), so its finally blocks run at once.
        if (call.ended) break;
        if (!call.write(message)) await call.drained();
      }
    }
    call.endStream();
  } catch (error) {
    if (!(error instanceof StopError)) call.fail(error);
  }
}

// A synchronous producer is written without a promise per message: messages go out while
// the transport accepts them, and only a full buffer waits for 'drain'. (`for await` over
// it would cost two microtask turns per message: ~20% of streaming throughput.)
async function writeSync<Res>(call: ServerCall, source: Iterable<Res>): Promise<void> {
  const iterator = source[Symbol.iterator]();
  let done = false;
  try {
    while (!call.ended) {
      const next = iterator.next();
      if (next.done) {
        done = true;
        return;
      }
      if (!call.write(next.value)) await call.drained();
    }
  } finally {
    if (!done) iterator.return?.(); // stops the producer at once (its finally blocks run)
  }
}
