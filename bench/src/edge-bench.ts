// The edge in the benchmark: what a front service on Connect costs. The edge runs alone on
// the server core with its own route-guide and prod-service on the load core (so the edge's
// own work is what the server core measures); beside it, the same kind of call made directly
// to route-guide on the server core. Each figure comes with the server's CPU per call (or per
// streamed message), read from /proc over the measured window.
//   PlanTrip (1 waypoint, 1 product: RecordRoute + GetFeature + GetProdStock behind it), gRPC
//   framing over h2c driven by h2load, vs GetFeature straight to route-guide;
//   ExploreArea (the whole world, same bytes as ListFeatures) with the streaming client, vs
//   ListFeatures straight to route-guide.
import { isDeepStrictEqual } from 'node:util';
import { createAsyncClient, edge } from '@grpc-ts/protos';
import { cpuSeconds } from './cpu';
import { runH2load, checkH2load, type LoadShape } from './h2load';
import type { BenchOptions } from './options';
import { grpcFrame, type BenchPayloads } from './payloads';
import { LOAD_CPU, SERVER_CPU } from './pinning';
import { startTarget, targetSpec, type RunningTarget } from './servers';
import { runStreamBench } from './stream-bench';

export type EdgeCase = 'edge PlanTrip' | 'route-guide GetFeature' | 'edge ExploreArea' | 'route-guide ListFeatures';

export interface EdgeMeasurement {
  round: number;
  case: EdgeCase;
  /** calls/s (unary) or messages/s (streams). */
  perSec: number;
  /** Server CPU microseconds per call / per message. */
  cpuMicros: number;
  problems: string[];
}

export interface EdgeStack {
  edge: RunningTarget;
  backends: RunningTarget[];
  planTripFrame: Buffer;
  planTripAnswerBytes: number;
  stop(): Promise<void>;
}

const PLAN_TRIP_PATH = edge.EdgeServiceService.planTrip.path;
const EXPLORE_PATH = edge.EdgeServiceService.exploreArea.path;

/** The trip every PlanTrip call asks for, and what it must answer (from the data files). */
function planTrip(payloads: BenchPayloads): { request: edge.PlanTripRequest; response: edge.PlanTripResponse } {
  const point = payloads.getFeature.request;
  return {
    request: { waypoints: [point], productIds: [payloads.getProdStock.request.prodId] },
    response: {
      route: { pointCount: 1, distanceMeters: 0, featureCount: 1, error: undefined },
      waypoints: [{ location: point, featureName: payloads.getFeature.response.name, error: undefined }],
      supplies: [{ productId: payloads.getProdStock.request.prodId, stock: payloads.getProdStock.response.proStock, error: undefined }],
    },
  };
}

export async function startEdgeStack(bundles: Record<string, string>, payloads: BenchPayloads): Promise<EdgeStack> {
  const backends = await Promise.all([
    startTarget(targetSpec('route-guide', bundles, payloads), LOAD_CPU),
    startTarget(targetSpec('prod-service', bundles, payloads), LOAD_CPU),
  ]);
  try {
    const spec = targetSpec('edge', bundles, payloads);
    spec.env = { ...spec.env, ROUTE_GUIDE_TARGET: `ipv4:${backends[0]!.address}`, PROD_SERVICE_TARGET: `ipv4:${backends[1]!.address}` };
    const edgeTarget = await startTarget(spec, SERVER_CPU);
    const trip = planTrip(payloads);
    // A real call first: the answer must be what the data files say.
    const client = createAsyncClient(edge.EdgeServiceService, edgeTarget.address);
    try {
      const answer = await client.planTrip(trip.request, { timeoutMs: 5000 });
      if (!isDeepStrictEqual(answer, trip.response)) throw new Error(`edge PlanTrip answered ${JSON.stringify(answer)}, expected ${JSON.stringify(trip.response)}`);
    } finally {
      client.$close();
    }
    return {
      edge: edgeTarget,
      backends,
      planTripFrame: grpcFrame(edge.PlanTripRequest.encode(trip.request).finish()),
      planTripAnswerBytes: grpcFrame(edge.PlanTripResponse.encode(trip.response).finish()).length,
      stop: async () => {
        await edgeTarget.stop();
        await Promise.all(backends.map((backend) => backend.stop()));
      },
    };
  } catch (error) {
    await Promise.all(backends.map((backend) => backend.stop()));
    throw error;
  }
}

async function withCpu<T>(pid: number, run: () => Promise<T>): Promise<{ value: T; cpu: number }> {
  const before = cpuSeconds(pid) ?? Number.NaN;
  const value = await run();
  return { value, cpu: (cpuSeconds(pid) ?? Number.NaN) - before };
}

/** One round of the four edge cases. */
export async function measureEdgeRound(
  round: number,
  stack: EdgeStack,
  routeGuide: RunningTarget,
  bodyFiles: { planTrip: string; getFeature: string },
  streamClient: string,
  payloads: BenchPayloads,
  options: Pick<BenchOptions, 'durationMs' | 'warmupMs' | 'streamConcurrency' | 'shapes'>,
): Promise<EdgeMeasurement[]> {
  const shape: LoadShape = options.shapes[options.shapes.length - 1]!;
  const out: EdgeMeasurement[] = [];
  const unary = async (kind: EdgeCase, target: RunningTarget, path: string, bodyFile: string, frameBytes: number) => {
    const url = `http://${target.address}${path}`;
    if (options.warmupMs > 0) await runH2load({ url, bodyFile, shape, durationMs: options.warmupMs }, LOAD_CPU);
    const { value, cpu } = await withCpu(target.pid, () => runH2load({ url, bodyFile, shape, durationMs: options.durationMs }, LOAD_CPU));
    out.push({ round, case: kind, perSec: value.requestsPerSec, cpuMicros: (cpu / Math.max(1, value.status2xx)) * 1e6, problems: checkH2load(value, frameBytes, shape) });
  };
  const stream = async (kind: EdgeCase, target: RunningTarget, path: string) => {
    const run = () =>
      runStreamBench(
        {
          clientFile: streamClient,
          address: target.address,
          expectPerCall: payloads.listFeatures.response.length,
          durationMs: options.durationMs,
          warmupMs: options.warmupMs,
          concurrency: options.streamConcurrency,
          path,
        },
        LOAD_CPU,
      );
    // The client's warm-up runs inside its process; the CPU window here spans it too, so the
    // per-message figure divides by every message the client saw (measured + warm-up, at the same rate).
    const { value, cpu } = await withCpu(target.pid, run);
    const messages = value.messagesPerSec * (value.seconds + options.warmupMs / 1000);
    const problems = value.errors > 0 ? [`${value.errors} calls failed or were short (${value.firstError})`] : [];
    out.push({ round, case: kind, perSec: value.messagesPerSec, cpuMicros: (cpu / Math.max(1, messages)) * 1e6, problems });
  };
  await unary('edge PlanTrip', stack.edge, PLAN_TRIP_PATH, bodyFiles.planTrip, stack.planTripAnswerBytes);
  await unary('route-guide GetFeature', routeGuide, payloads.unary.GetFeature.path, bodyFiles.getFeature, grpcFrame(payloads.unary.GetFeature.response).length);
  await stream('edge ExploreArea', stack.edge, EXPLORE_PATH);
  await stream('route-guide ListFeatures', routeGuide, payloads.listFeatures.path);
  return out;
}
