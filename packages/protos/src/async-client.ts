// A promise / async-iterable layer over the service definitions ts-proto generates, so
// apps and tests never write grpc-js callback plumbing. Built on grpc.Client's generic
// make*Request calls, typed from the definition object itself. TLS (server-only or mutual)
// comes from PEM contents; a bearer token rides in every call's metadata.
import { once } from 'node:events';
import {
  Client,
  Metadata,
  credentials as grpcCredentials,
  status,
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

/** TLS for a channel, from PEM contents (files already read). */
export interface TlsOptions {
  /** CA certificates the server's certificate must chain to; default: Node's root store. */
  ca?: string | Buffer;
  /** Client certificate (chain) and its private key, for mutual TLS: both or neither. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /**
   * The name the server's certificate must hold, when it is not the target's host (e.g.
   * dialing 127.0.0.1 or a published port); also sent as SNI and as the :authority.
   */
  serverName?: string;
}

/** What a channel is built with: its credentials and the channel options they need. */
export interface ChannelSecurity {
  credentials: ChannelCredentials;
  channelOptions: Partial<ClientOptions>;
}

/**
 * Channel credentials from TLS settings: undefined/false = plaintext, true = TLS trusting
 * Node's root store, an object = TLS with its CA, client certificate and server name.
 * Throws when only one of cert and key is given.
 */
export function channelSecurity(tls: boolean | TlsOptions | undefined): ChannelSecurity {
  if (!tls) return { credentials: grpcCredentials.createInsecure(), channelOptions: {} };
  const { ca, cert, key, serverName } = tls === true ? {} : tls;
  if (Boolean(cert) !== Boolean(key)) throw new Error('TLS: a client certificate and its key go together (cert and key)');
  const pem = (value: string | Buffer | undefined) => (value === undefined ? null : Buffer.from(value));
  return {
    credentials: grpcCredentials.createSsl(pem(ca), pem(key), pem(cert)),
    channelOptions: serverName ? { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName } : {},
  };
}

/** A bearer token, or a function asked for it on every call (a token that is refreshed). */
export type TokenSource = string | (() => string);

export interface AsyncClientOptions {
  /** Channel credentials as they are; when set, `tls` is not used. Default: plaintext. */
  credentials?: ChannelCredentials;
  /** TLS settings the credentials are built from (see channelSecurity). */
  tls?: boolean | TlsOptions;
  /**
   * Sent as `authorization: Bearer <token>` in every call's metadata (unless the call's own
   * metadata has an authorization already). Metadata, not call credentials: grpc-js refuses
   * call credentials on plaintext channels, and local development runs plaintext.
   */
  token?: TokenSource;
  channelOptions?: Partial<ClientOptions>;
  /**
   * Paths of unary methods safe to call twice: one whose connection drops after the server's
   * response headers (a server killed mid-answer) is made once more, within the same deadline.
   * The retry policy of a service config cannot: gRPC commits a call when headers arrive.
   */
  idempotent?: readonly string[];
}

/** The call's metadata with the token added (a copy; the caller's object is not changed). */
export function withBearerToken(metadata: Metadata | undefined, token: TokenSource | undefined): Metadata {
  if (token === undefined) return metadata ?? new Metadata();
  if (metadata && metadata.get('authorization').length > 0) return metadata;
  const value = typeof token === 'function' ? token() : token;
  const withToken = metadata ? metadata.clone() : new Metadata();
  withToken.set('authorization', `Bearer ${value}`);
  return withToken;
}

export function createAsyncClient<Def extends ServiceDefinitionLike>(
  definition: Def,
  address: string,
  options: AsyncClientOptions = {},
): AsyncClient<Def> {
  const security = options.credentials ? { credentials: options.credentials, channelOptions: {} } : channelSecurity(options.tls);
  const client = new Client(address, security.credentials, { ...security.channelOptions, ...options.channelOptions });
  const metadataOf = (opts: CallOpts) => withBearerToken(opts.metadata, options.token);
  const idempotent = new Set(options.idempotent);
  const methods: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    methods[name] = bindMethod(client, method, metadataOf, idempotent.has(method.path));
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

function bindMethod<Req, Res>(
  client: Client,
  method: MethodDefinitionLike<Req, Res>,
  metadataOf: (opts: CallOpts) => Metadata,
  idempotent: boolean,
): unknown {
  const serialize = method.requestSerialize;
  const deserialize = method.responseDeserialize;
  if (!method.requestStream && !method.responseStream) {
    return (request: Req, opts: CallOpts = {}) => {
      // One deadline (and one token read) for both attempts.
      const options = callOptions(opts);
      const attempt = (mayRepeat: boolean, metadata: Metadata) =>
        new Promise<Res>((resolve, reject) => {
          let headers = false;
          const call = client.makeUnaryRequest(method.path, serialize, deserialize, request, metadata, options, (error: ServiceError | null, response?: Res) => {
            if (!error) resolve(response as Res);
            else if (mayRepeat && headers && error.code === status.UNAVAILABLE && !opts.signal?.aborted) resolve(attempt(false, metadata.clone()));
            else reject(error);
          });
          if (mayRepeat) call.once('metadata', () => (headers = true));
          linkAbort(opts.signal, () => call.cancel());
        });
      return attempt(idempotent, metadataOf(opts));
    };
  }
  if (!method.requestStream && method.responseStream) {
    return (request: Req, opts: CallOpts = {}) => {
      const call = client.makeServerStreamRequest(
        method.path,
        serialize,
        deserialize,
        request,
        metadataOf(opts),
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
          metadataOf(opts),
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
      metadataOf(opts),
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
