// A part of PlanTrip's answer that could not be had: its backend's status, as Connect names
// codes ("unavailable", "deadline_exceeded", ...). The other parts are unaffected.
import { create } from '@bufbuild/protobuf';
import { codeToString } from '@connectrpc/connect/protocol-connect';
import { PartErrorSchema, type PartError } from '@grpc-ts/protos/edge-connect';

// gRPC and Connect number their codes alike (1 CANCELLED/canceled ... 16 UNAUTHENTICATED).
const UNKNOWN = 2;

// Transport failures are told in the edge's words: a grpc-js message names internal
// addresses and load-balancer state, which is nothing for a browser to see. (The edge logs
// the backend's detail at debug level; the backend's own metrics and logs have the rest.)
const OWN_WORDS: Record<number, (backend: string) => string> = {
  1: (backend) => `the call to ${backend} was cancelled`,
  2: (backend) => `${backend} failed`,
  4: (backend) => `${backend} did not answer in time`,
  13: (backend) => `${backend} failed`,
  14: (backend) => `${backend} is unavailable`,
};

/** The part's error: the backend's own message for answers it chose (NOT_FOUND, ...), else ours. */
export function partError(error: unknown, backend: string): PartError {
  const { code, details } = error as { code?: unknown; details?: unknown };
  const known = typeof code === 'number' && code >= 1 && code <= 16 ? code : UNKNOWN;
  const own = OWN_WORDS[known];
  return create(PartErrorSchema, {
    code: codeToString(known),
    message: own ? own(backend) : typeof details === 'string' ? details : `${backend} failed`,
  });
}

/** Runs `work` over `items` with at most `limit` at once; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
