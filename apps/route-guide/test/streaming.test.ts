// Streams under pressure: a reader that stops reading, clients that cancel mid-stream. What is
// checked is the SERVER's side: how far its producer got, whether it wrote after a cancel,
// whether it left timers behind.
import { status } from '@grpc/grpc-js';
import { createAsyncClient, routeguide, type AsyncClient } from '@grpc-ts/protos';
import { startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { FeatureIndex } from '../src/feature-index';
import { buildRouteGuideServer } from '../src/server';
import { waitFor } from '@grpc-ts/test-support';
import { ObservedChatStore, ObservedSource, activeTimers, waitUntilSettled, writeSpy } from './support/observed';
import { featuresIn } from './support/reference';
import { syntheticFeatures } from './support/synthetic-features';

const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
const features = syntheticFeatures(150_000); // two thirds named: 100,000 in the world rectangle
const expectedWorld = featuresIn(features, WORLD.lo, WORLD.hi);
const index = new FeatureIndex(features);

async function drain<T>(iterator: AsyncIterator<T>): Promise<void> {
  while (!(await iterator.next()).done);
}

describe('route-guide streams under pressure', () => {
  let running: RunningTestServer;
  let client: AsyncClient<typeof routeguide.RouteGuideService>;
  let source: ObservedSource;
  let chat: ObservedChatStore;
  let spy: ReturnType<typeof writeSpy>;

  beforeEach(async () => {
    source = new ObservedSource(index);
    chat = new ObservedChatStore({ maxNotesPerLocation: 100_000 });
    spy = writeSpy();
    running = await startTestServer(
      buildRouteGuideServer({ features: source, chat, logger: testLogger(), serverOptions: { interceptors: [spy.interceptor] } }),
    );
    client = createAsyncClient(routeguide.RouteGuideService, running.address);
    await client.$waitForReady(5_000);
  });

  afterEach(async () => {
    client.$close();
    await running.stop();
  });

  it('ListFeatures waits for a slow reader instead of buffering the whole answer', async () => {
    expect(expectedWorld.length).toBe(100_000);
    const responses = client.listFeatures(WORLD)[Symbol.asyncIterator]();
    await responses.next();
    const received = 1;
    // The reader now stops; the producer must stall soon after, far from the end.
    const produced = await waitUntilSettled(() => source.produced);
    const ahead = produced - received;
    console.log(`slow reader: server produced ${produced} of ${expectedWorld.length} features while the client had read ${received}`);
    expect(source.closed).toBe(false);
    expect(ahead).toBeLessThan(expectedWorld.length / 10);
    // Reading again drains the rest: all of it, in order.
    let count = received;
    let last: routeguide.Feature | undefined;
    for (let next = await responses.next(); !next.done; next = await responses.next()) {
      count++;
      last = next.value;
    }
    expect(count).toBe(expectedWorld.length);
    expect(last).toEqual(expectedWorld.at(-1));
    expect(source.closed).toBe(true);
  });

  it('ListFeatures stops producing and writing as soon as the client cancels', async () => {
    const timersBefore = activeTimers();
    let received = 0;
    for await (const _feature of client.listFeatures(WORLD)) {
      if (++received === 10) break; // leaving the loop cancels the call
    }
    await source.whenClosed();
    const producedAtClose = source.produced;
    await waitUntilSettled(() => source.produced + spy.writes);
    console.log(`cancel: produced ${producedAtClose} of ${expectedWorld.length}; writes ${spy.writes}, after cancel ${spy.writesAfterCancel}; timers ${timersBefore} -> ${activeTimers()}`);
    expect(source.produced).toBe(producedAtClose);
    expect(producedAtClose).toBeLessThan(expectedWorld.length / 10);
    expect(spy.cancels).toBe(1);
    expect(spy.writesAfterCancel).toBe(0);
    // grpc-js may hold a short-lived timer of its own for a moment after the cancel; a leak never goes away.
    await waitFor(() => activeTimers() <= timersBefore, `active timers back to ${timersBefore}`);
  });

  it('RouteChat stops sending earlier notes as soon as the client cancels', async () => {
    const here = { latitude: 10, longitude: 20 };
    for (let i = 0; i < 100_000; i++) chat.add(here, `earlier note number ${i}`);
    const timersBefore = activeTimers();
    const call = client.routeChat();
    const responses = call[Symbol.asyncIterator]();
    await call.write({ location: here, message: 'new' });
    await responses.next();
    const sentBeforeCancel = await waitUntilSettled(() => chat.sentOut);
    expect(sentBeforeCancel).toBeLessThan(100_000 / 10); // blocked on the slow reader, not buffering
    call.cancel();
    await expect(drain(responses)).rejects.toMatchObject({ code: status.CANCELLED });
    await waitFor(() => spy.cancels === 1, 'the server to see the cancel');
    const sentAtCancel = chat.sentOut;
    await waitUntilSettled(() => chat.sentOut + spy.writes);
    console.log(`chat cancel: sent ${chat.sentOut} of 100000; writes ${spy.writes}, after cancel ${spy.writesAfterCancel}; timers ${timersBefore} -> ${activeTimers()}`);
    // The send loop was left: at most the note it was waiting on counts after the cancel.
    expect(chat.sentOut).toBeLessThanOrEqual(sentAtCancel + 1);
    expect(chat.sentOut).toBeLessThan(100_000 / 10);
    expect(spy.writesAfterCancel).toBe(0);
    // As above: a short-lived grpc-js timer may outlive the cancel for a moment; a leak never goes away.
    await waitFor(() => activeTimers() <= timersBefore, `active timers back to ${timersBefore}`);
  });
});
