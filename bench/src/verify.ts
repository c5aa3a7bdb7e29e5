// Real gRPC calls that check each target gives the expected answer. h2load counts any HTTP 200
// as success, and a gRPC error is a 200 with a grpc-status trailer, so every target is also
// called by a real client before timing and after every round. A TLS target is called over TLS
// (trusting the bench's CA only, the certificate checked for 127.0.0.1), a mutual-TLS target with
// the bench's client certificate; verifyTransport checks such a target refuses what it must.
import { isDeepStrictEqual } from 'node:util';
import { createAsyncClient, prod, routeguide, type AsyncClientOptions } from '@grpc-ts/protos';
import type { BenchPayloads, UnaryRpc } from './payloads';
import { STREAM_TARGETS, UNARY_RPCS, UNARY_TARGETS } from './plan';
import { baseOf, type Endpoint, type TargetId } from './servers';

const TIMEOUT_MS = 5000;

function expectAnswer(actual: unknown, expected: unknown, what: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  const show = (value: unknown) => JSON.stringify(value).slice(0, 400);
  throw new Error(`${what} answered wrong: got ${show(actual)}, expected ${show(expected)}`);
}

/** The client options of an endpoint: plaintext, TLS trusting the bench CA, or that plus the client certificate. */
export function clientOptions(endpoint: Endpoint): AsyncClientOptions {
  const { tls } = endpoint;
  if (!tls) return {};
  return { tls: { ca: tls.ca.pem, ...(tls.client ? { cert: tls.client.cert.pem, key: tls.client.key.pem } : {}) } };
}

const describe = (endpoint: Endpoint) => `${endpoint.address}${endpoint.tls ? (endpoint.tls.client ? ' (mTLS)' : ' (TLS)') : ''}`;

export async function verifyUnary(
  endpoint: Endpoint,
  rpc: UnaryRpc,
  payloads: BenchPayloads,
  options: AsyncClientOptions = clientOptions(endpoint),
): Promise<void> {
  if (rpc === 'GetProdStock') {
    const client = createAsyncClient(prod.ProdServiceService, endpoint.address, options);
    try {
      const answer = await client.getProdStock(payloads.getProdStock.request, { timeoutMs: TIMEOUT_MS });
      expectAnswer(answer, payloads.getProdStock.response, `${describe(endpoint)} GetProdStock`);
    } finally {
      client.$close();
    }
    return;
  }
  const client = createAsyncClient(routeguide.RouteGuideService, endpoint.address, options);
  try {
    const answer = await client.getFeature(payloads.getFeature.request, { timeoutMs: TIMEOUT_MS });
    expectAnswer(answer, payloads.getFeature.response, `${describe(endpoint)} GetFeature`);
  } finally {
    client.$close();
  }
}

export async function verifyListFeatures(endpoint: Endpoint, payloads: BenchPayloads): Promise<void> {
  const client = createAsyncClient(routeguide.RouteGuideService, endpoint.address, clientOptions(endpoint));
  try {
    const received: routeguide.Feature[] = [];
    for await (const feature of client.listFeatures(payloads.listFeatures.request, { timeoutMs: TIMEOUT_MS })) received.push(feature);
    expectAnswer(received, payloads.listFeatures.response, `${describe(endpoint)} ListFeatures`);
  } finally {
    client.$close();
  }
}

/** Real gRPC calls for every RPC the target is measured on; the problem, or undefined when all answers are right. */
export async function verifyTarget(id: TargetId, endpoint: Endpoint, payloads: BenchPayloads): Promise<string | undefined> {
  try {
    const base = baseOf(id); // a service with one setting changed answers what the service answers
    for (const rpc of UNARY_RPCS) if (UNARY_TARGETS[rpc].includes(base)) await verifyUnary(endpoint, rpc, payloads);
    if (STREAM_TARGETS.includes(base)) await verifyListFeatures(endpoint, payloads);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * For a TLS target: a plaintext client must be refused, and for a mutual-TLS target a TLS client
 * without a certificate too (proof the transport measured is the one named). The check line or
 * the problem; neither for a plaintext target.
 */
export async function verifyTransport(id: TargetId, endpoint: Endpoint, payloads: BenchPayloads): Promise<{ check?: string; problem?: string }> {
  const { tls } = endpoint;
  if (!tls) return {};
  const rpc = UNARY_RPCS.find((name) => UNARY_TARGETS[name].includes(baseOf(id)));
  if (!rpc) return { problem: `${id}: no unary RPC to probe its transport with` };
  const refused = async (what: string, options: AsyncClientOptions): Promise<string | undefined> => {
    try {
      await verifyUnary({ address: endpoint.address }, rpc, payloads, options);
      return `${id} answered ${what}`;
    } catch {
      return undefined; // refused (UNAVAILABLE, or a failed handshake): as it must
    }
  };
  const problems = [
    await refused('a plaintext client', {}),
    ...(tls.client ? [await refused('a TLS client without a client certificate', { tls: { ca: tls.ca.pem } })] : []),
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length) return { problem: problems.join('; ') };
  return { check: `${id} refused a plaintext client${tls.client ? ' and a TLS client without a client certificate' : ''} (${rpc})` };
}
