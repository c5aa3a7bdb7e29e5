// A part of PlanTrip's answer that could not be had: its backend's status, as Connect names
// codes ("unavailable", "deadline_exceeded", ...). The other parts are unaffected.
import { create } from '@bufbuild/protobuf';
import { codeToString } from '@connectrpc/connect/protocol-connect';
import { PartErrorSchema, type PartError } from '@grpc-ts/protos/edge-connect';

// gRPC and Connect number their codes alike (1 CANCELLED/canceled ... 16 UNAUTHENTICATED).
const UNKNOWN = 2;

export function partError(error: unknown): PartError {
  const { code, details } = error as { code?: unknown; details?: unknown };
  const known = typeof code === 'number' && code >= 1 && code <= 16;
  return create(PartErrorSchema, {
    code: codeToString(known ? code : UNKNOWN),
    message: known && typeof details === 'string' ? details : 'the backend call failed',
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
