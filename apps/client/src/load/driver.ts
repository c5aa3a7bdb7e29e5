// The load driver: `concurrency` slots spread round-robin over `channels` channels, each slot
// keeping exactly one call in flight and starting the next when it ends (a closed loop),
// until the duration is over or `count` calls were started. Every slot's callbacks, call
// options and metadata are made once; a call costs its grpc-js call, an hrtime reading and
// a histogram increment.
import { Client, Metadata, type CallOptions, type ChannelCredentials, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { channelSecurity, health, withBearerToken, type TlsOptions } from '@grpc-ts/protos';
import { channelOptions, type RetrySettings } from '../channel';
import { CliError } from '../cli-error';
import { LatencyHistogram } from './histogram';
import type { LoadRpc, LoadRpcParams, StartCall } from './rpcs';

/** Status codes 0..16; anything else is counted as UNKNOWN (2). */
export const STATUS_CODES = 17;
const UNKNOWN = 2;

export interface LoadPlan {
  target: string;
  rpc: LoadRpc;
  params: LoadRpcParams;
  concurrency: number;
  channels: number;
  /** Stop starting calls after this long... */
  durationMs?: number;
  /** ...or after this many calls (whichever is given; count wins when both are). */
  count?: number;
  /** Deadline of each call. */
  timeoutMs: number;
  /** How long every channel may take to connect before the run starts. */
  connectTimeoutMs: number;
  retry: RetrySettings;
  /** TLS (false: plaintext) and the bearer token every call carries. */
  tls: TlsOptions | false;
  token?: string;
  /** Turns a connection failure into the CLI's one line (with its security hint). */
  explain?: (error: ServiceError) => string;
  /** Aborting stops starting calls; in-flight calls finish and the run reports. */
  signal?: AbortSignal;
}

export interface LoadResult {
  /** Calls that finished (any status). */
  completed: number;
  /** From the first call started to the last one finished. */
  elapsedNs: number;
  latency: LatencyHistogram;
  /** Finished calls by status code (index = code). */
  statusCounts: Float64Array;
}

export interface LoadProgress {
  completed: number;
  elapsedMs: number;
}

export interface LoadRun {
  progress(): LoadProgress;
  result: Promise<LoadResult>;
}

/** Opens the channels (each with its own connection) and waits until every one is connected. */
async function connectChannels(plan: LoadPlan): Promise<Client[]> {
  const security = channelSecurity(plan.tls);
  const options = { ...security.channelOptions, ...channelOptions({ ...plan.retry, ownConnection: true }) };
  const clients = Array.from({ length: plan.channels }, () => new Client(plan.target, security.credentials, options));
  const deadline = Date.now() + plan.connectTimeoutMs;
  try {
    await Promise.all(
      clients.map(
        (client) => new Promise<void>((resolve, reject) => client.waitForReady(deadline, (error) => (error ? reject(error) : resolve()))),
      ),
    );
  } catch {
    // waitForReady says only "failed to connect before the deadline"; one call on the same
    // channel settings tells why (refused, TLS, certificates).
    const why = await probe(plan.target, security.credentials, options);
    for (const client of clients) client.close();
    const line = `UNAVAILABLE: cannot connect to ${plan.target} within ${plan.connectTimeoutMs} ms`;
    if (!why || !plan.explain) throw new CliError(line);
    throw new CliError(`${line}: ${plan.explain(why).replace(/^UNAVAILABLE: (No connection established\. Last error: )?(Error: )?/, '')}`);
  }
  return clients;
}

/** One Health/Check on a fresh channel: its error, or undefined when it got an answer. */
function probe(target: string, credentials: ChannelCredentials, options: ChannelOptions): Promise<ServiceError | undefined> {
  const client = new Client(target, credentials, options);
  const check = health.HealthService.check;
  return new Promise((resolve) => {
    client.makeUnaryRequest(check.path, check.requestSerialize, check.responseDeserialize, { service: '' }, { deadline: Date.now() + 2_000 }, (error) => {
      client.close();
      resolve(error ?? undefined);
    });
  });
}

export async function startLoad(plan: LoadPlan): Promise<LoadRun> {
  const clients = await connectChannels(plan);
  const latency = new LatencyHistogram();
  const statusCounts = new Float64Array(STATUS_CODES);
  const prepareSlot = plan.rpc.prepare(plan.params);
  const metadata = withBearerToken(new Metadata(), plan.token); // grpc-js clones it per call, so one is shared
  const limit = plan.count ?? Infinity;
  let started = 0;
  let completed = 0;
  let stopping = false;
  let idleSlots = 0;
  const startedAt = process.hrtime.bigint();
  let finishedAt = startedAt;

  let finishRun: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finishRun = resolve));
  const slotCount = plan.count === undefined ? plan.concurrency : Math.min(plan.concurrency, plan.count);

  for (let index = 0; index < slotCount; index++) {
    const options: CallOptions = { deadline: 0 };
    let callStartedAt = 0n;
    let start: StartCall = () => undefined;
    const next = () => {
      if (stopping || started >= limit) {
        if (++idleSlots === slotCount) finishRun();
        return;
      }
      started++;
      options.deadline = Date.now() + plan.timeoutMs;
      callStartedAt = process.hrtime.bigint();
      start();
    };
    const done = (code: number) => {
      const now = process.hrtime.bigint();
      latency.record(Number(now - callStartedAt));
      statusCounts[code >= 0 && code < STATUS_CODES ? code : UNKNOWN]!++;
      completed++;
      finishedAt = now;
      next();
    };
    start = prepareSlot({ client: clients[index % clients.length]!, options, metadata, done });
    // Deferred so every slot is set up before any call can complete.
    setImmediate(next);
  }

  const stop = () => {
    stopping = true;
  };
  const timer = plan.durationMs !== undefined && plan.count === undefined ? setTimeout(stop, plan.durationMs) : undefined;
  plan.signal?.addEventListener('abort', stop, { once: true });

  const result = finished.then(() => {
    if (timer) clearTimeout(timer);
    plan.signal?.removeEventListener('abort', stop);
    for (const client of clients) client.close();
    return { completed, elapsedNs: Number(finishedAt - startedAt), latency, statusCounts };
  });
  return {
    progress: () => ({ completed, elapsedMs: Number(process.hrtime.bigint() - startedAt) / 1e6 }),
    result,
  };
}
