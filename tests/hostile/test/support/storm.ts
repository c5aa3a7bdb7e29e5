// A grpc-js client storm over all four RouteGuide RPCs: closed loop, `concurrency` calls in
// flight over `channels` connections, every call with the same short deadline. Returns how
// the calls ended, as the clients saw them.
import { Client, Metadata, credentials, status, type StatusObject } from '@grpc/grpc-js';
import { routeguide } from '@grpc-ts/protos';

export interface StormOptions {
  calls: number;
  concurrency: number;
  channels: number;
  deadlineMs: number;
  /** Cancel each call in the same tick it starts instead of waiting for its end. */
  cancelAtOnce?: boolean;
  /** Leave RouteChat's request side open (no half-close). */
  openChats?: boolean;
  /** Keep the channels connected afterwards (close them with the result's close()). */
  leaveOpen?: boolean;
}

export interface StormResult {
  /** Count per status name (OK, DEADLINE_EXCEEDED, ...). */
  statuses: Record<string, number>;
  /** Count per "NAME: details" for every status other than OK and DEADLINE_EXCEEDED. */
  others: Record<string, number>;
  ms: number;
  close(): void;
}

const RG = routeguide.RouteGuideService;
const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };

export async function storm(address: string, options: StormOptions): Promise<StormResult> {
  const clients = Array.from(
    { length: options.channels },
    () => new Client(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }),
  );
  // Connected first: a call cancelled while its channel is still connecting is never sent.
  await Promise.all(clients.map((client) => new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (e) => (e ? reject(e) : resolve())))));
  const statuses: Record<string, number> = {};
  const others: Record<string, number> = {};
  const started = performance.now();
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const client = clients[i % clients.length]!;
      const opts = { deadline: Date.now() + options.deadlineMs };
      const md = new Metadata();
      let call;
      switch (i % 4) {
        case 0:
          call = client.makeUnaryRequest(RG.getFeature.path, RG.getFeature.requestSerialize, RG.getFeature.responseDeserialize, { latitude: 409146138, longitude: -746188906 }, md, opts, () => undefined);
          break;
        case 1:
          call = client.makeServerStreamRequest(RG.listFeatures.path, RG.listFeatures.requestSerialize, RG.listFeatures.responseDeserialize, WORLD, md, opts);
          call.on('data', () => undefined);
          break;
        case 2: {
          const route = client.makeClientStreamRequest(RG.recordRoute.path, RG.recordRoute.requestSerialize, RG.recordRoute.responseDeserialize, md, opts, () => undefined);
          for (let k = 0; k < 5; k++) route.write({ latitude: 409146138, longitude: -746188906 + k });
          route.end();
          call = route;
          break;
        }
        default: {
          const chat = client.makeBidiStreamRequest(RG.routeChat.path, RG.routeChat.requestSerialize, RG.routeChat.responseDeserialize, md, opts);
          chat.on('data', () => undefined);
          chat.write({ location: { latitude: 1, longitude: i % 16 }, message: 'storm' });
          if (!options.openChats) chat.end();
          call = chat;
        }
      }
      call.on('error', () => undefined);
      call.on('status', (s: StatusObject) => {
        const name = status[s.code] ?? String(s.code);
        statuses[name] = (statuses[name] ?? 0) + 1;
        if (s.code !== status.OK && s.code !== status.DEADLINE_EXCEEDED && !(options.cancelAtOnce && s.code === status.CANCELLED)) {
          const key = `${name}: ${s.details}`;
          others[key] = (others[key] ?? 0) + 1;
        }
        resolve();
      });
      if (options.cancelAtOnce) call.cancel();
    });
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.calls) await one(next++);
    }),
  );
  const close = () => clients.forEach((client) => client.close());
  if (!options.leaveOpen) close();
  return { statuses, others, ms: performance.now() - started, close };
}
