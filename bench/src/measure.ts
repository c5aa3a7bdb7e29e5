// One measurement of one target: a unary h2load run or a streaming-client run, each from the
// load core, each returned with the problems that make its figure untrustworthy.
import { checkH2load, checkH2loadTls, runH2load, type LoadShape } from './h2load';
import type { BenchOptions } from './options';
import { grpcFrame, type BenchPayloads, type UnaryRpc } from './payloads';
import { LOAD_CPU, serverCore } from './pinning';
import type { StreamMeasurement, UnaryMeasurement } from './results';
import { checkServerCpu, sampleCpu, serverCpuBetween } from './server-cpu';
import type { Endpoint, TargetId } from './servers';
import { runStreamBench } from './stream-bench';

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Warm-up (unmeasured), then the measured h2load run, checked. With `serverPids`, the server's
 * CPU counters are read just before and just after the measured run: server CPU per call.
 * A TLS endpoint is loaded over https (h2load offers ALPN h2; checked that it got it).
 */
export async function measureUnary(
  round: number,
  target: TargetId,
  endpoint: Endpoint,
  rpc: UnaryRpc,
  shape: LoadShape,
  bodyFile: string,
  payloads: BenchPayloads,
  options: Pick<BenchOptions, 'durationMs' | 'warmupMs'> & { requests?: number },
  serverPids?: readonly number[],
): Promise<UnaryMeasurement | { error: string }> {
  if (endpoint.tls?.client) return { error: 'h2load cannot present a client certificate: a mutual-TLS target is measured streaming only' };
  const url = `${endpoint.tls ? 'https' : 'http'}://${endpoint.address}${payloads.unary[rpc].path}`;
  try {
    // A separate warm-up run: h2load's own --warm-up-time still counts warm-up bytes in its
    // traffic totals, which would break the body-size check.
    if (options.warmupMs > 0) await runH2load({ url, bodyFile, shape, durationMs: options.warmupMs }, LOAD_CPU);
    const before = serverPids && sampleCpu(serverPids, serverCore());
    const h2load = await runH2load({ url, bodyFile, shape, durationMs: options.durationMs, requests: options.requests }, LOAD_CPU);
    // Calls finished in the window; the few still in flight when h2load stops are left out.
    const serverCpu = before && serverCpuBetween(before, sampleCpu(serverPids, serverCore()), h2load.succeeded);
    const frameBytes = grpcFrame(payloads.unary[rpc].response).length;
    const problems = [
      ...checkH2load(h2load, frameBytes, shape),
      ...(endpoint.tls ? checkH2loadTls(h2load) : []),
      ...(serverCpu ? checkServerCpu(serverCpu) : []),
    ];
    return { round, target, rpc, shape, callsPerSec: h2load.requestsPerSec, h2load, serverCpu, problems };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/**
 * ListFeatures messages/s with the bundled streaming client. With `serverPids`, the client itself
 * reads the server's CPU counters at the edges of its measured window: server CPU per message.
 */
export async function measureStream(
  round: number,
  target: TargetId,
  endpoint: Endpoint,
  clientFile: string,
  payloads: BenchPayloads,
  options: Pick<BenchOptions, 'durationMs' | 'warmupMs' | 'streamConcurrency'>,
  serverPids?: readonly number[],
): Promise<StreamMeasurement | { error: string }> {
  try {
    const result = await runStreamBench(
      {
        clientFile,
        address: endpoint.address,
        ...(endpoint.tls
          ? { tls: { caFile: endpoint.tls.ca.file, certFile: endpoint.tls.client?.cert.file, keyFile: endpoint.tls.client?.key.file } }
          : {}),
        expectPerCall: payloads.listFeatures.response.length,
        durationMs: options.durationMs,
        warmupMs: options.warmupMs,
        concurrency: options.streamConcurrency,
        serverPids,
        serverCore: serverCore(),
      },
      LOAD_CPU,
    );
    const problems: string[] = [];
    if (result.errors > 0) problems.push(`${result.errors} ListFeatures calls failed or were short (${result.firstError})`);
    if (result.messages === 0) problems.push('no message received');
    const { messagesPerSec, calls, errors, clientCpu, serverCpu } = result;
    if (serverPids && !serverCpu) problems.push('the stream client read no server CPU');
    if (serverCpu) problems.push(...checkServerCpu(serverCpu));
    return { round, target, messagesPerSec, calls, errors, clientCpu, serverCpu, problems };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}
