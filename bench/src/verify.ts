// Real gRPC calls that check each target gives the expected answer. h2load counts any HTTP 200
// as success, and a gRPC error is a 200 with a grpc-status trailer, so every target is also
// called by a real client before timing and after every round.
import { isDeepStrictEqual } from 'node:util';
import { createAsyncClient, prod, routeguide } from '@grpc-ts/protos';
import type { BenchPayloads, UnaryRpc } from './payloads';
import { STREAM_TARGETS, UNARY_RPCS, UNARY_TARGETS } from './plan';
import { baseOf, type TargetId } from './servers';

const TIMEOUT_MS = 5000;

function expectAnswer(actual: unknown, expected: unknown, what: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  const show = (value: unknown) => JSON.stringify(value).slice(0, 400);
  throw new Error(`${what} answered wrong: got ${show(actual)}, expected ${show(expected)}`);
}

export async function verifyUnary(address: string, rpc: UnaryRpc, payloads: BenchPayloads): Promise<void> {
  if (rpc === 'GetProdStock') {
    const client = createAsyncClient(prod.ProdServiceService, address);
    try {
      const answer = await client.getProdStock(payloads.getProdStock.request, { timeoutMs: TIMEOUT_MS });
      expectAnswer(answer, payloads.getProdStock.response, `${address} GetProdStock`);
    } finally {
      client.$close();
    }
    return;
  }
  const client = createAsyncClient(routeguide.RouteGuideService, address);
  try {
    const answer = await client.getFeature(payloads.getFeature.request, { timeoutMs: TIMEOUT_MS });
    expectAnswer(answer, payloads.getFeature.response, `${address} GetFeature`);
  } finally {
    client.$close();
  }
}

export async function verifyListFeatures(address: string, payloads: BenchPayloads): Promise<void> {
  const client = createAsyncClient(routeguide.RouteGuideService, address);
  try {
    const received: routeguide.Feature[] = [];
    for await (const feature of client.listFeatures(payloads.listFeatures.request, { timeoutMs: TIMEOUT_MS })) received.push(feature);
    expectAnswer(received, payloads.listFeatures.response, `${address} ListFeatures`);
  } finally {
    client.$close();
  }
}

/** Real gRPC calls for every RPC the target is measured on; the problem, or undefined when all answers are right. */
export async function verifyTarget(id: TargetId, address: string, payloads: BenchPayloads): Promise<string | undefined> {
  try {
    const base = baseOf(id); // a service with one setting changed answers what the service answers
    for (const rpc of UNARY_RPCS) if (UNARY_TARGETS[rpc].includes(base)) await verifyUnary(address, rpc, payloads);
    if (STREAM_TARGETS.includes(base)) await verifyListFeatures(address, payloads);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
