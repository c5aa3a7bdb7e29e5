// One measurement of one target: a unary h2load run or a streaming-client run, each from the
// load core, each returned with the problems that make its figure untrustworthy.
import { checkH2load, runH2load, type LoadShape } from './h2load';
import type { BenchOptions } from './options';
import { grpcFrame, type BenchPayloads, type UnaryRpc } from './payloads';
import { LOAD_CPU } from './pinning';
import type { StreamMeasurement, UnaryMeasurement } from './results';
import type { TargetId } from './servers';
import { runStreamBench } from './stream-bench';

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Warm-up (unmeasured), then the measured h2load run, checked. */
export async function measureUnary(
  round: number,
  target: TargetId,
  address: string,
  rpc: UnaryRpc,
  shape: LoadShape,
  bodyFile: string,
  payloads: BenchPayloads,
  options: Pick<BenchOptions, 'durationMs' | 'warmupMs'>,
): Promise<UnaryMeasurement | { error: string }> {
  const url = `http://${address}${payloads.unary[rpc].path}`;
  try {
    // A separate warm-up run: h2load's own --warm-up-time still counts warm-up bytes in its
    // traffic totals, which would break the body-size check.
    if (options.warmupMs > 0) await runH2load({ url, bodyFile, shape, durationMs: options.warmupMs }, LOAD_CPU);
    const h2load = await runH2load({ url, bodyFile, shape, durationMs: options.durationMs }, LOAD_CPU);
    const frameBytes = grpcFrame(payloads.unary[rpc].response).length;
    return { round, target, rpc, shape, callsPerSec: h2load.requestsPerSec, h2load, problems: checkH2load(h2load, frameBytes, shape) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** ListFeatures messages/s with the bundled streaming client. */
export async function measureStream(
  round: number,
  target: TargetId,
  address: string,
  clientFile: string,
  payloads: BenchPayloads,
  options: Pick<BenchOptions, 'durationMs' | 'warmupMs' | 'streamConcurrency'>,
): Promise<StreamMeasurement | { error: string }> {
  try {
    const result = await runStreamBench(
      {
        clientFile,
        address,
        expectPerCall: payloads.listFeatures.response.length,
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        concurrency: options.streamConcurrency,
      },
      LOAD_CPU,
    );
    const problems: string[] = [];
    if (result.errors > 0) problems.push(`${result.errors} ListFeatures calls failed or were short (${result.firstError})`);
    if (result.messages === 0) problems.push('no message received');
    const { messagesPerSec, calls, errors, clientCpu } = result;
    return { round, target, messagesPerSec, calls, errors, clientCpu, problems };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}
