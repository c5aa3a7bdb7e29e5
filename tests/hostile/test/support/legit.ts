// The well-behaved client every attack is measured against: a fresh grpc-js channel (its
// own connection) making one ordinary call with a deadline, as a real user would.
import { Client, Metadata, credentials, status, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { prod, routeguide } from '@grpc-ts/protos';
import type { Target } from './target';

export interface Outcome {
  code: number;
  details: string;
  ms: number;
}

/** How a legit client reaches a target that serves TLS and checks tokens. */
export interface SecureClient {
  credentials: ChannelCredentials;
  /** Sent as `authorization: Bearer <token>`. */
  token: string;
}

/** One GetFeature (route-guide) or GetProdStock (prod-service) on a new connection. */
export async function legitCall(target: Target, deadlineMs = 2_000, secure?: SecureClient): Promise<Outcome> {
  const client = new Client(target.address, secure?.credentials ?? credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  const metadata = new Metadata();
  if (secure?.token) metadata.set('authorization', `Bearer ${secure.token}`);
  const started = performance.now();
  try {
    const error = await new Promise<ServiceError | null>((resolve) => {
      const deadline = Date.now() + deadlineMs;
      if (target.app === 'route-guide') {
        const m = routeguide.RouteGuideService.getFeature;
        client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { latitude: 409146138, longitude: -746188906 }, metadata, { deadline }, (e) => resolve(e));
      } else {
        const m = prod.ProdServiceService.getProdStock;
        client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, { prodId: 1 }, metadata, { deadline }, (e) => resolve(e));
      }
    });
    return { code: error ? error.code : status.OK, details: error?.details ?? '', ms: performance.now() - started };
  } finally {
    client.close();
  }
}

/**
 * Resolves with the milliseconds it took until a legit call succeeded; rejects with the last
 * outcome if none did within `withinMs`.
 */
export async function servedWithin(target: Target, withinMs: number, secure?: SecureClient): Promise<number> {
  const started = performance.now();
  let last: Outcome | undefined;
  while (performance.now() - started < withinMs) {
    last = await legitCall(target, Math.min(2_000, Math.max(200, withinMs - (performance.now() - started))), secure);
    if (last.code === status.OK) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no legit call succeeded within ${withinMs} ms; last: ${status[last?.code ?? 2]} ${last?.details}`);
}
