// Every RPC over a real socket against the official database, with each expectation computed
// from the JSON file by the plain reference in support/reference.ts.
import { status } from '@grpc/grpc-js';
import { checkHealth, createAsyncClient, routeguide, type AsyncClient } from '@grpc-ts/protos';
import { listServicesByReflection, startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { RouteChatStore } from '../src/chat-store';
import { loadFeatures } from '../src/feature-file';
import { buildRouteGuideServer } from '../src/server';
import { featureAt, featuresIn, officialFeatures, routeSummary, type Point } from './support/reference';

type Client = AsyncClient<typeof routeguide.RouteGuideService>;

const collect = async <T>(stream: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
};

const named = officialFeatures.filter((f) => f.name !== '');
const unnamed = officialFeatures.filter((f) => f.name === '');

async function startRouteGuide(options: { now?: () => number; maxRoutePoints?: number } = {}) {
  const running = await startTestServer(
    buildRouteGuideServer({ features: loadFeatures(), chat: new RouteChatStore(), logger: testLogger(), ...options }),
  );
  const client: Client = createAsyncClient(routeguide.RouteGuideService, running.address);
  return {
    running,
    client,
    stop: async () => {
      client.$close();
      await running.stop();
    },
  };
}

describe('route-guide over a real socket (official data)', () => {
  let running: RunningTestServer;
  let client: Client;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ running, client, stop } = await startRouteGuide());
  });
  afterAll(() => stop());

  it('ships the official 100-feature database (64 named, 36 unnamed)', () => {
    expect([officialFeatures.length, named.length, unnamed.length]).toEqual([100, 64, 36]);
  });

  describe('GetFeature', () => {
    it('returns the feature at every point of the file (first in file order, named or not)', async () => {
      for (const { location } of officialFeatures) {
        await expect(client.getFeature(location)).resolves.toEqual(featureAt(officialFeatures, location));
      }
    });

    it.each([
      ['a point with no feature', { latitude: 1, longitude: 2 }],
      ['the origin (an unset Point)', { latitude: 0, longitude: 0 }],
      ['a feature latitude with another longitude', { latitude: named[0]!.location.latitude, longitude: 1 }],
      ['the corner of the allowed range', { latitude: 900000000, longitude: -1800000000 }],
    ])('answers %s with an unnamed feature at the asked location', async (_, point) => {
      await expect(client.getFeature(point)).resolves.toEqual({ name: '', location: point });
    });

    it.each([
      [{ latitude: 900000001, longitude: 0 }, 'point.latitude'],
      [{ latitude: -900000001, longitude: 0 }, 'point.latitude'],
      [{ latitude: 0, longitude: 1800000001 }, 'point.longitude'],
      [{ latitude: 0, longitude: -2147483648 }, 'point.longitude'],
    ])('rejects %j with INVALID_ARGUMENT naming %s', async (point, field) => {
      await expect(client.getFeature(point)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(field),
      });
    });
  });

  describe('ListFeatures', () => {
    const lo = { latitude: 400000000, longitude: -750000000 };
    const hi = { latitude: 420000000, longitude: -730000000 };
    const list = (rectangle: routeguide.Rectangle) => collect(client.listFeatures(rectangle));

    it('returns exactly the named features of the sample rectangle, in file order', async () => {
      const expected = featuresIn(officialFeatures, lo, hi);
      expect(expected.length).toBeGreaterThan(0);
      await expect(list({ lo, hi })).resolves.toEqual(expected);
    });

    it('skips features with an empty name', async () => {
      const inside = (f: (typeof officialFeatures)[number]) =>
        f.location.latitude >= lo.latitude && f.location.latitude <= hi.latitude &&
        f.location.longitude >= lo.longitude && f.location.longitude <= hi.longitude;
      expect(unnamed.filter(inside).length).toBeGreaterThan(0); // the rectangle does hold unnamed ones
      const result = await list({ lo, hi });
      expect(result.filter((f) => f.name === '')).toEqual([]);
    });

    it.each([
      ['swapped', () => ({ lo: hi, hi: lo })],
      ['mixed (lo has the high longitude)', () => ({ lo: { ...lo, longitude: hi.longitude }, hi: { ...hi, longitude: lo.longitude } })],
    ])('accepts corners in either order: %s', async (_, rectangle) => {
      await expect(list(rectangle())).resolves.toEqual(featuresIn(officialFeatures, lo, hi));
    });

    it('includes features lying exactly on every edge', async () => {
      const some = named.slice(10, 20).map((f) => f.location);
      const box = {
        lo: { latitude: Math.min(...some.map((p) => p.latitude)), longitude: Math.min(...some.map((p) => p.longitude)) },
        hi: { latitude: Math.max(...some.map((p) => p.latitude)), longitude: Math.max(...some.map((p) => p.longitude)) },
      };
      const result = await list(box);
      expect(result).toEqual(featuresIn(officialFeatures, box.lo, box.hi));
      // The four features that define the edges are on them, and are returned.
      const onEdge = (p: Point) =>
        p.latitude === box.lo.latitude || p.latitude === box.hi.latitude ||
        p.longitude === box.lo.longitude || p.longitude === box.hi.longitude;
      expect(result.filter((f) => onEdge(f.location!)).length).toBeGreaterThanOrEqual(2);
    });

    it('returns a lone feature for a rectangle of zero size on it', async () => {
      const point = named[5]!.location;
      await expect(list({ lo: point, hi: point })).resolves.toEqual(featuresIn(officialFeatures, point, point));
      await expect(list({ lo: point, hi: point })).resolves.toContainEqual(named[5]);
    });

    it('returns every named feature for the whole world', async () => {
      const world = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
      await expect(list(world)).resolves.toEqual(named);
    });

    it('ends cleanly with no messages for an empty rectangle', async () => {
      await expect(list({ lo: { latitude: 0, longitude: 0 }, hi: { latitude: 10, longitude: 10 } })).resolves.toEqual([]);
    });

    it.each([
      ['no lo', { hi }, 'rectangle.lo is required'],
      ['no hi', { lo }, 'rectangle.hi is required'],
      ['neither corner', {}, 'rectangle.lo is required'],
      ['lo out of range', { lo: { latitude: 900000001, longitude: 0 }, hi }, 'rectangle.lo.latitude'],
      ['hi out of range', { lo, hi: { latitude: 0, longitude: -1800000001 } }, 'rectangle.hi.longitude'],
    ])('rejects a rectangle with %s with INVALID_ARGUMENT', async (_, rectangle, message) => {
      await expect(list(rectangle)).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining(message),
      });
    });
  });

  describe('RecordRoute', () => {
    it('counts points, named-feature hits (repeats included) and the distance', async () => {
      const route = [
        named[0]!.location,
        unnamed[0]!.location,
        { latitude: 410000000, longitude: -740000000 },
        named[1]!.location,
        named[0]!.location,
        named[0]!.location,
      ];
      const expected = routeSummary(officialFeatures, route);
      expect(expected.featureCount).toBe(4); // named[0] three times, named[1] once; the unnamed one not
      const summary = await client.recordRoute(route);
      expect(summary).toMatchObject(expected);
      expect(Number.isInteger(summary.elapsedTime) && summary.elapsedTime >= 0).toBe(true);
    });

    it('truncates the summed distance once, not leg by leg', async () => {
      const route = named.slice(0, 12).map((f) => f.location);
      const expected = routeSummary(officialFeatures, route);
      const perLeg = route.slice(1).reduce((sum, p, i) => sum + Math.trunc(routeSummary([], [route[i]!, p]).distance), 0);
      expect(perLeg).not.toBe(expected.distance); // this route tells the two apart
      await expect(client.recordRoute(route)).resolves.toMatchObject({ distance: expected.distance });
    });

    it('answers a route with no points with all zeros', async () => {
      await expect(client.recordRoute([])).resolves.toEqual({ pointCount: 0, featureCount: 0, distance: 0, elapsedTime: 0 });
    });

    it('answers a one-point route with no distance', async () => {
      await expect(client.recordRoute([named[3]!.location])).resolves.toMatchObject({ pointCount: 1, featureCount: 1, distance: 0 });
    });

    it('rejects an out-of-range point with INVALID_ARGUMENT', async () => {
      await expect(client.recordRoute([named[0]!.location, { latitude: 0, longitude: 1800000001 }])).rejects.toMatchObject({
        code: status.INVALID_ARGUMENT,
        details: expect.stringContaining('points[1].longitude'),
      });
    });
  });

  it('reports SERVING for the server and routeguide.RouteGuide', async () => {
    await expect(checkHealth(running.address)).resolves.toBe('SERVING');
    await expect(checkHealth(running.address, 'routeguide.RouteGuide')).resolves.toBe('SERVING');
  });

  it('lists routeguide.RouteGuide through reflection', async () => {
    await expect(listServicesByReflection(running.address)).resolves.toContain('routeguide.RouteGuide');
  });
});

describe('RecordRoute elapsed_time', () => {
  it('is whole seconds (truncated) from the call start to the client half-close', async () => {
    let clientDone = false;
    let callStarted!: () => void;
    const started = new Promise<void>((resolve) => (callStarted = resolve));
    const readings: { at: number; afterHalfClose: boolean }[] = [];
    const clock = [1_000, 1_000 + 2_999.9];
    const rg = await startRouteGuide({
      now: () => {
        const at = clock[readings.length] ?? Number.NaN;
        readings.push({ at, afterHalfClose: clientDone });
        callStarted();
        return at;
      },
    });
    try {
      async function* route() {
        yield named[0]!.location;
        await started; // the server has read its start time; only then does the route go on and end
        yield named[1]!.location;
        clientDone = true;
      }
      await expect(rg.client.recordRoute(route())).resolves.toMatchObject({ pointCount: 2, elapsedTime: 2 });
      expect(readings).toEqual([
        { at: 1_000, afterHalfClose: false },
        { at: 3_999.9, afterHalfClose: true },
      ]);
    } finally {
      await rg.stop();
    }
  });
});

describe('RecordRoute point cap', () => {
  it('refuses a route longer than maxRoutePoints with RESOURCE_EXHAUSTED', async () => {
    const rg = await startRouteGuide({ maxRoutePoints: 3 });
    try {
      const point = named[0]!.location;
      await expect(rg.client.recordRoute([point, point, point])).resolves.toMatchObject({ pointCount: 3 });
      await expect(rg.client.recordRoute([point, point, point, point])).rejects.toMatchObject({
        code: status.RESOURCE_EXHAUSTED,
        details: 'a route may have at most 3 points',
      });
    } finally {
      await rg.stop();
    }
  });
});

describe('RouteChat', () => {
  let rg: Awaited<ReturnType<typeof startRouteGuide>>;
  beforeEach(async () => {
    rg = await startRouteGuide(); // a fresh shared store per test
  });
  afterEach(() => rg.stop());

  const note = (latitude: number, longitude: number, message: string): routeguide.RouteNote => ({
    location: { latitude, longitude },
    message,
  });
  const chat = (notes: routeguide.RouteNote[]) => collect(rg.client.routeChat(notes));

  it("answers the official client's four notes with the one earlier note at (0, 0)", async () => {
    const sent = [note(0, 0, 'First message'), note(0, 1, 'Second message'), note(1, 0, 'Third message'), note(0, 0, 'Fourth message')];
    await expect(chat(sent)).resolves.toEqual([note(0, 0, 'First message')]);
  });

  it('sends every earlier note at the location, in arrival order, before storing the new one', async () => {
    const sent = [note(5, 5, 'a'), note(5, 5, 'b'), note(6, 6, 'x'), note(5, 5, 'c')];
    await expect(chat(sent)).resolves.toEqual([
      note(5, 5, 'a'), // for b
      note(5, 5, 'a'), // for c
      note(5, 5, 'b'),
    ]);
  });

  it('shares notes across calls, like the official Node server', async () => {
    await expect(chat([note(7, 7, 'from call 1')])).resolves.toEqual([]);
    await expect(chat([note(7, 7, 'from call 2')])).resolves.toEqual([note(7, 7, 'from call 1')]);
  });

  it('answers each note while the call stays open (interleaved, not at the end)', async () => {
    const call = rg.client.routeChat();
    const responses = call[Symbol.asyncIterator]();
    await call.write(note(8, 8, 'one'));
    await call.write(note(8, 8, 'two'));
    await expect(responses.next()).resolves.toEqual({ done: false, value: note(8, 8, 'one') });
    await call.write(note(8, 8, 'three'));
    await expect(responses.next()).resolves.toEqual({ done: false, value: note(8, 8, 'one') });
    await expect(responses.next()).resolves.toEqual({ done: false, value: note(8, 8, 'two') });
    call.end();
    await expect(responses.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('allows an empty RouteNote (origin, empty message)', async () => {
    await expect(chat([{ message: '' }, { message: '' }])).resolves.toEqual([note(0, 0, '')]);
  });

  it('ends its side when the client ends without sending', async () => {
    await expect(chat([])).resolves.toEqual([]);
  });

  it('rejects an out-of-range location with INVALID_ARGUMENT', async () => {
    await expect(chat([note(-900000001, 0, 'bad')])).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('note.location.latitude'),
    });
  });
});
