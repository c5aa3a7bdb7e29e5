// A promise / async-iterable layer over the service definitions ts-proto generates, so
// apps and tests never write grpc-js callback plumbing. Built on grpc.Client's generic
// make*Request calls, typed from the definition object itself.
import { once } from 'node:events';
import {
  Client,
  Metadata,
  credentials as grpcCredentials,
  type CallOptions,
  type ChannelCredentials,
  type ClientDuplexStream,
  type ClientOptions,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';

export interface MethodDefinitionLike<Req, Res> {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  readonly requestSerialize: (value: Req) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => Res;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ServiceDefinitionLike = { readonly [method: string]: MethodDefinitionLike<any, any> };

type RequestOf<M> = M extends { requestSerialize: (value: infer Req) => Buffer } ? Req : never;
type ResponseOf<M> = M extends { responseDeserialize: (bytes: Buffer) => infer Res } ? Res : never;

export interface CallOpts {
  /** Absolute deadline. */
  deadline?: Date;
  /** Relative deadline in milliseconds; ignored when `deadline` is set. */
  timeoutMs?: number;
  metadata?: Metadata;
  /** Aborting cancels the call (the server sees CANCELLED). */
  signal?: AbortSignal;
}

export type RequestSource<Req> = Iterable<Req> | AsyncIterable<Req>;

/** A bidirectional call: read it with for-await, write to it, or both at once. */
export interface DuplexCall<Req, Res> extends AsyncIterable<Res> {
  /** Resolves once the message is accepted by the transport (respects back-pressure). */
  write(message: Req): Promise<void>;
  /** Half-closes the request side. */
  end(): void;
  cancel(): void;
  readonly call: ClientDuplexStream<Req, Res>;
}

export type AsyncMethod<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestOf<M>, options?: CallOpts) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<M>, options?: CallOpts) => AsyncIterable<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: RequestSource<RequestOf<M>>, options?: CallOpts) => Promise<ResponseOf<M>>
      : (requests?: RequestSource<RequestOf<M>>, options?: CallOpts) => DuplexCall<RequestOf<M>, ResponseOf<M>>;

export type AsyncClient<Def extends ServiceDefinitionLike> = { [K in keyof Def]: AsyncMethod<Def[K]> } & {
  /** The underlying grpc-js client (channel state, waitForReady, ...). */
  readonly $client: Client;
  /** Resolves when the channel is connected, rejects after `timeoutMs`. */
  $waitForReady(timeoutMs: number): Promise<void>;
  $close(): void;
};

export interface AsyncClientOptions {
  credentials?: ChannelCredentials;
  channelOptions?: Partial<ClientOptions>;
}

export function createAsyncClient<Def extends ServiceDefinitionLike>(
  definition: Def,
  address: string,
  options: AsyncClientOptions = {},
): AsyncClient<Def> {
  const client = new Client(address, options.credentials ?? grpcCredentials.createInsecure(), options.channelOptions);
  const methods: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    methods[name] = bindMethod(client, method);
  }
  return Object.assign(methods, {
    $client: client,
    $waitForReady: (timeoutMs: number) =>
      new Promise<void>((resolve, reject) => {
        client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve()));
      }),
    $close: () => client.close(),
  }) as AsyncClient<Def>;
}

function bindMethod<Req, Res>(client: Client, method: MethodDefinitionLike<Req, Res>): unknown {
  const serialize = method.requestSerialize;
  const deserialize = method.responseDeserialize;
  if (!method.requestStream && !method.responseStream) {
    return (request: Req, opts: CallOpts = {}) =>
      new Promise<Res>((resolve, reject) => {
        const call = client.makeUnaryRequest(
          method.path,
          serialize,
          deserialize,
          request,
          opts.metadata ?? new Metadata(),
          callOptions(opts),
          (error: ServiceError | null, response?: Res) => (error ? reject(error) : resolve(response as Res)),
        );
        linkAbort(opts.signal, () => call.cancel());
      });
  }
  if (!method.requestStream && method.responseStream) {
    return (request: Req, opts: CallOpts = {}) => {
      const call = client.makeServerStreamRequest(
        method.path,
        serialize,
        deserialize,
        request,
        opts.metadata ?? new Metadata(),
        callOptions(opts),
      );
      linkAbort(opts.signal, () => call.cancel());
      return readAll(call);
    };
  }
  if (method.requestStream && !method.responseStream) {
    return (requests: RequestSource<Req>, opts: CallOpts = {}) =>
      new Promise<Res>((resolve, reject) => {
        const call = client.makeClientStreamRequest(
          method.path,
          serialize,
          deserialize,
          opts.metadata ?? new Metadata(),
          callOptions(opts),
          (error: ServiceError | null, response?: Res) => (error ? reject(error) : resolve(response as Res)),
        );
        linkAbort(opts.signal, () => call.cancel());
        pump(requests, call).catch((error: unknown) => {
          call.cancel();
          reject(error);
        });
      });
  }
  return (requests: RequestSource<Req> | undefined, opts: CallOpts = {}): DuplexCall<Req, Res> => {
    const call = client.makeBidiStreamRequest(
      method.path,
      serialize,
      deserialize,
      opts.metadata ?? new Metadata(),
      callOptions(opts),
    );
    linkAbort(opts.signal, () => call.cancel());
    let pumpError: unknown;
    if (requests) {
      pump(requests, call).catch((error: unknown) => {
        pumpError = error;
        call.cancel();
      });
    }
    const responses = readAll(call);
    return {
      call,
      write: (message: Req) => writeWithBackPressure(call, message),
      end: () => call.end(),
      cancel: () => call.cancel(),
      [Symbol.asyncIterator]: async function* () {
        try {
          yield* responses;
        } catch (error) {
          throw pumpError ?? error;
        }
      },
    };
  };
}

function callOptions(opts: CallOpts): Partial<CallOptions> {
  if (opts.deadline) return { deadline: opts.deadline };
  if (opts.timeoutMs !== undefined) return { deadline: Date.now() + opts.timeoutMs };
  return {};
}

function linkAbort(signal: AbortSignal | undefined, cancel: () => void): void {
  if (!signal) return;
  if (signal.aborted) {
    cancel();
    return;
  }
  signal.addEventListener('abort', cancel, { once: true });
}

// Leaving a for-await early (break, throw) cancels the call, so the server stops its work.
async function* readAll<Res>(call: ClientReadableStream<Res> | ClientDuplexStream<unknown, Res>): AsyncGenerator<Res> {
  let finished = false;
  try {
    for await (const message of call as AsyncIterable<Res>) {
      yield message;
    }
    finished = true;
  } finally {
    if (!finished) call.cancel();
  }
}

type RequestWriter<Req> = NodeJS.EventEmitter & { write(message: Req): boolean; end(): void };

// events.once rejects on 'error', so a call that fails while we wait for 'drain' does not hang.
async function writeWithBackPressure<Req>(call: RequestWriter<Req>, message: Req): Promise<void> {
  if (!call.write(message)) {
    await once(call, 'drain');
  }
}

async function pump<Req>(requests: RequestSource<Req>, call: RequestWriter<Req>): Promise<void> {
  for await (const message of requests) {
    await writeWithBackPressure(call, message);
  }
  call.end();
}
