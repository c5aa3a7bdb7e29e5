// Interoperability with clients written the official ways, against our running server:
// - Python grpcio with code generated at test time by grpc_tools.protoc from our proto;
// - the official Node example's style: @grpc/proto-loader at run time, snake_case fields,
//   callback and event APIs (no ts-proto, nothing of ours on the client side).
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { interopPython, runToExit, startTestServer, testLogger, type RunningTestServer } from '@grpc-ts/server-kit/testing';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RouteChatStore } from '../src/chat-store';
import { loadFeatures } from '../src/feature-file';
import { buildRouteGuideServer } from '../src/server';
import { featureAt, featuresIn, officialFeatures, routeSummary, type Point } from './support/reference';

const PROTO = join(__dirname, '../../../packages/protos/proto/routeguide/route_guide.proto');
const { python: PYTHON, missing: pythonGrpcMissing } = interopPython('route-guide Python interop');

interface Note {
  location?: Point;
  message?: string;
}

/** RouteChat's spec over a sequence of calls on one fresh server: what each call receives. */
function expectedChats(calls: Note[][]): { location: Point; message: string }[][] {
  const store = new Map<string, { location: Point; message: string }[]>();
  return calls.map((notes) =>
    notes.flatMap((note) => {
      const location = note.location ?? { latitude: 0, longitude: 0 };
      const key = `${location.latitude},${location.longitude}`;
      const earlier = store.get(key) ?? [];
      store.set(key, [...earlier, { location, message: note.message ?? '' }]);
      return earlier;
    }),
  );
}

const named = officialFeatures.filter((f) => f.name);
const lo = { latitude: 400000000, longitude: -750000000 };
const hi = { latitude: 420000000, longitude: -730000000 };
// The official clients' RouteChat notes, then a second call that sees the first one's notes.
const chats: Note[][] = [
  [
    { location: { latitude: 0, longitude: 0 }, message: 'First message' },
    { location: { latitude: 0, longitude: 1 }, message: 'Second message' },
    { location: { latitude: 1, longitude: 0 }, message: 'Third message' },
    { location: { latitude: 0, longitude: 0 }, message: 'Fourth message' },
  ],
  [{ location: { latitude: 0, longitude: 1 }, message: 'Fifth message' }, {}, {}],
];
const route = [named[0]!.location, named[1]!.location, { latitude: 1, longitude: 1 }, named[0]!.location];

async function startServer(): Promise<RunningTestServer> {
  return startTestServer(buildRouteGuideServer({ features: loadFeatures(), chat: new RouteChatStore(), logger: testLogger() }));
}

(pythonGrpcMissing ? describe.skip : describe)('official-style Python grpcio client', () => {
  let running: RunningTestServer;
  beforeAll(async () => {
    running = await startServer();
  });
  afterAll(() => running.stop());

  it('drives all four RPC kinds and gets the spec answers and status codes', async () => {
    const plan = {
      get_feature: [...officialFeatures.map((f) => f.location), { latitude: 1, longitude: 2 }, { latitude: 900000001, longitude: 0 }],
      list_features: [{ lo, hi }, { lo: hi, hi: lo }, { lo, hi: null }],
      record_route: [route, []],
      route_chat: chats,
    };
    const planFile = join(mkdtempSync(join(tmpdir(), 'route-guide-interop-')), 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    const { code, stdout, stderr } = await runToExit(PYTHON, [join(__dirname, 'interop/route_guide_client.py'), running.address, PROTO, planFile]);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const answers = JSON.parse(stdout);

    expect(answers.get_feature).toEqual([
      ...plan.get_feature.slice(0, -1).map((p) => ({ code: 'OK', feature: featureAt(officialFeatures, p) })),
      { code: 'INVALID_ARGUMENT', details: expect.stringContaining('point.latitude') },
    ]);
    expect(answers.list_features).toEqual([
      { code: 'OK', features: featuresIn(officialFeatures, lo, hi) },
      { code: 'OK', features: featuresIn(officialFeatures, lo, hi) },
      { code: 'INVALID_ARGUMENT', details: expect.stringContaining('rectangle.hi is required') },
    ]);
    const summary = routeSummary(officialFeatures, route);
    expect(answers.record_route).toEqual([
      {
        code: 'OK',
        summary: { point_count: summary.pointCount, feature_count: summary.featureCount, distance: summary.distance, elapsed_time: 0 },
      },
      { code: 'OK', summary: { point_count: 0, feature_count: 0, distance: 0, elapsed_time: 0 } },
    ]);
    expect(answers.route_chat).toEqual(expectedChats(chats).map((notes) => ({ code: 'OK', notes })));
  });
});

describe('official Node example style client (proto-loader, snake_case, callbacks)', () => {
  let running: RunningTestServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;

  beforeAll(async () => {
    running = await startServer();
    // The options the official Node example passes.
    const definition = loadSync(PROTO, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const routeguide = (grpc.loadPackageDefinition(definition) as any).routeguide;
    client = new routeguide.RouteGuide(running.address, grpc.credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await running.stop();
  });

  it('GetFeature', async () => {
    const feature = await new Promise((resolve, reject) =>
      client.getFeature(named[7]!.location, (error: Error | null, answer: unknown) => (error ? reject(error) : resolve(answer))),
    );
    expect(feature).toEqual(named[7]);
  });

  it('ListFeatures', async () => {
    const features = await new Promise((resolve, reject) => {
      const found: unknown[] = [];
      const call = client.listFeatures({ lo, hi });
      call.on('data', (feature: unknown) => found.push(feature));
      call.on('end', () => resolve(found));
      call.on('error', reject);
    });
    expect(features).toEqual(featuresIn(officialFeatures, lo, hi));
  });

  it('RecordRoute', async () => {
    const summary = await new Promise((resolve, reject) => {
      const call = client.recordRoute((error: Error | null, answer: unknown) => (error ? reject(error) : resolve(answer)));
      for (const point of route) call.write(point);
      call.end();
    });
    const expected = routeSummary(officialFeatures, route);
    expect(summary).toEqual({
      point_count: expected.pointCount,
      feature_count: expected.featureCount,
      distance: expected.distance,
      elapsed_time: 0,
    });
  });

  it('RouteChat', async () => {
    const received = await new Promise((resolve, reject) => {
      const notes: unknown[] = [];
      const call = client.routeChat();
      call.on('data', (note: unknown) => notes.push(note));
      call.on('end', () => resolve(notes));
      call.on('error', reject);
      for (const note of chats[0]!) call.write(note);
      call.end();
    });
    expect(received).toEqual(expectedChats([chats[0]!])[0]);
  });
});
