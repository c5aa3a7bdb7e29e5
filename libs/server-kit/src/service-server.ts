// The one server skeleton every service uses: a grpc-js Server whose every method, the
// application's and the platform's (health, reflection) alike, is registered the same way:
// its handler, wrapped by the chain declared below, runs against a ServerCall. Plus the
// connection listener, health, reflection and graceful shutdown.
import { Server, ServerCredentials, type ServerOptions, type ServiceDefinition, type UntypedHandleCall, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ConcurrencyLimiter, listenWithConnectionLimit, type ConnectionListener } from '@grpc-ts/limits';
import { protosPackageDefinition } from '@grpc-ts/protos';
import { LISTENING, clusterConnectionSource, policy, type Logger, type MethodPolicy, type ReflectionMode, type ServerLimits, type ServerMetrics, type TlsMaterial } from '@grpc-ts/runtime';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Socket } from 'node:net';
import { composeChain, type CallHandler, type CallWrapper } from './chain';
import { unimplemented } from './errors';
import { kindHandler } from './kinds';
import { rawHandler } from './kinds/raw';
import { methodInfo, serviceNameOf, type MethodInfo } from './method';
import { ServerCall, type CallHost } from './server-call';
import { STREAM_WATCH_HTTP2_OPTIONS, StreamWatch } from './stream-watch';
import { http2ServerOf, setHttp2ServerOptions } from './transport-internals';
import type { ServiceDefinitionLike, ServiceImpl } from './service-impl';
import { authenticate, type CallerAuth } from './wrappers/authenticate';
import { callMetrics } from './wrappers/call-metrics';
import { concurrencyLimit } from './wrappers/concurrency-limit';

export type { ServerLimits };

export const HEALTH_SERVICE = 'grpc.health.v1.Health';
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

/** Every method of a service with its authorization policy: declared next to the implementation. */
export type MethodPolicies<D extends ServiceDefinitionLike> = { readonly [K in keyof D]: MethodPolicy };

export interface ServerSecurity {
  /** Serve TLS with this material; with `clientCa` every client must present a certificate chaining to it. Unset: plaintext. */
  tls?: TlsMaterial;
  /** How callers are authenticated; unset: policies are declared but not enforced (AUTH=off). */
  auth?: CallerAuth;
  /** Server reflection: off, public, or for authenticated callers (default). */
  reflection?: ReflectionMode;
}

export interface ServiceServerOptions {
  logger: Logger;
  /** TLS, authentication, reflection. Unset: plaintext, policies not enforced, reflection public. */
  security?: ServerSecurity;
  /** grpc-js server options (max message sizes, keepalive, ...). */
  serverOptions?: ServerOptions;
  limits?: ServerLimits;
  /** Where call, limit and connection metrics go. */
  metrics?: ServerMetrics;
  /** How long a stream's final status may take to flush before the stream is reset (default 5 s). */
  statusFlushMs?: number;
  /**
   * The largest request message this service's RPCs need (grpc.max_receive_message_length);
   * a bigger one fails with RESOURCE_EXHAUSTED before it is decoded. grpc-js's 4 MiB if unset.
   */
  maxReceiveMessageBytes?: number;
}

export type ShutdownOutcome = 'graceful' | 'forced';


// The HTTP/2 client preface (24 bytes) and a SETTINGS frame header (9 bytes): the least a
// real client sends before anything else.
const HANDSHAKE_BYTES = 24 + 9;

export class ServiceServer {
  readonly server: Server;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  readonly logger: Logger;
  readonly limiter?: ConcurrencyLimiter;
  readonly metrics?: ServerMetrics;
  /**
   * The chain every application method runs through, outermost first: metrics see every
   * outcome (rejections included), the limit takes a slot just before the handler. Later
   * concerns (auth before the limit, tracing outermost) go here, nowhere else.
   */
  private readonly chain: readonly CallWrapper[];
  /**
   * Health and reflection go through no wrapper: they must answer even when every slot is
   * taken (orchestrators probe health under overload), and they are not application calls
   * for the metrics. Their streams (health Watch) are exempt from the idle limit.
   */
  private readonly platformChain: readonly CallWrapper[] = [];
  private readonly serviceNames: string[] = [];
  private readonly policies = new Map<string, MethodPolicy>();
  private readonly security: ServerSecurity;
  private readonly streams = new Set<ServerCall>();
  /** Calls whose whole request must arrive before a handler runs: paths, and the ones waiting now. */
  private readonly requestFirstPaths = new Set<string>();
  private streamWatch?: StreamWatch;
  private readonly host: CallHost;
  private readonly limits: ServerLimits;
  private listener?: ConnectionListener;
  private sweeper?: NodeJS.Timeout;
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private reflectionAdded = false;
  private shutdownPromise?: Promise<ShutdownOutcome>;

  constructor(options: ServiceServerOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.limits = options.limits ?? { maxConcurrentRpcs: 0 };
    const { maxConcurrentRpcs, queueSize, queueTimeoutMs } = this.limits;
    if (maxConcurrentRpcs > 0) {
      const metrics = options.metrics;
      this.limiter = new ConcurrencyLimiter({
        maxConcurrentRpcs,
        queueSize,
        queueTimeoutMs,
        onReject: metrics ? (path, reason) => metrics.rejectedTotal.inc({ grpc_method: path, reason }) : undefined,
      });
      metrics?.observeLimiter(this.limiter);
    }
    this.security = options.security ?? {};
    const policies = this.policies;
    this.chain = [
      callMetrics(options.metrics),
      // Before the limit: a caller that may not call takes no slot.
      authenticate(this.security.auth, (path) => policies.get(path)!, options.metrics),
      concurrencyLimit(this.limiter),
    ];
    const streams = this.streams;
    const logger = this.logger;
    this.host = {
      reportError: (error, method) => logger.error({ err: error, method: method.path }, 'handler failed'),
      streamStarted: (call) => void streams.add(call),
      streamEnded: (call) => void streams.delete(call),
      statusFlushMs: options.statusFlushMs ?? 5_000,
    };
    this.server = new Server({
      ...options.serverOptions,
      ...grpcServerOptions(this.limits, options.maxReceiveMessageBytes),
    });
    setHttp2ServerOptions(this.server, {
      ...STREAM_WATCH_HTTP2_OPTIONS,
      ...(this.limits.maxMetadataBytes ? { maxHeaderListSize: this.limits.maxMetadataBytes } : {}),
    });
    this.health.addToServer(this.platformRegistrar());
  }

  /** Runs after the server has stopped (close executors, flush, ...), in order. */
  onShutdown(cleanup: () => Promise<void> | void): this {
    this.cleanups.push(cleanup);
    return this;
  }

  /** Names of the application services registered (fully qualified, e.g. services.ProdService). */
  get services(): readonly string[] {
    return this.serviceNames;
  }

  /** Streaming calls open now (application and health Watch). */
  get openStreams(): number {
    return this.streams.size;
  }

  /**
   * Serves `definition` (a generated `XxxService`) with plain functions typed from it, each
   * method under its declared policy. A method left out answers UNIMPLEMENTED (and is
   * counted like any call); a method without a policy stops start-up (fail closed).
   */
  addService<D extends ServiceDefinitionLike>(definition: D, implementation: Partial<ServiceImpl<D>>, policies: MethodPolicies<D>): this {
    const name = serviceNameOf(definition);
    const handlers: UntypedServiceImplementation = {};
    for (const [key, method] of Object.entries(definition)) {
      const info = methodInfo(method);
      const declared = (policies as Record<string, MethodPolicy | undefined>)[key];
      if (!declared) {
        throw new Error(
          `${info.path} has no authorization policy: declare one (policy.public(), policy.authenticated(), policy.scopes(...), policy.services(...)) next to the implementation`,
        );
      }
      this.policies.set(info.path, declared);
      if (info.kind === 'unary' || info.kind === 'serverStream') this.requestFirstPaths.add(info.path);
      const impl = (implementation as Record<string, ((input: never, ctx: ServerCall) => unknown) | undefined>)[key];
      const inner: CallHandler = impl ? kindHandler(info.kind, impl) : (call) => call.fail(unimplemented(`${info.path} is not implemented`));
      handlers[key] = this.register(info, composeChain(this.chain, info, inner), false);
    }
    this.server.addService(definition as unknown as ServiceDefinition, handlers);
    this.serviceNames.push(name);
    this.health.setStatus(name, 'NOT_SERVING');
    return this;
  }

  /** Binds and starts serving; resolves with the bound port (use port 0 for an ephemeral one). */
  async listen(host: string, port: number): Promise<number> {
    this.addReflection();
    // TLS (when configured) is terminated by the listener, so client certificates are checked
    // before grpc-js sees the connection; grpc-js then speaks HTTP/2 over the TLS socket.
    const injector = this.server.createConnectionInjector(ServerCredentials.createInsecure());
    this.watchStreams();
    const handshake = this.limits.handshakeTimeoutMs;
    const tls = this.security.tls;
    this.listener = await listenWithConnectionLimit(host, port, {
      maxConnections: this.limits.maxConnections ?? 0,
      onConnection: (socket) => injector.injectConnection(socket),
      handshake: handshake ? { timeoutMs: handshake, done: (socket: Socket) => socket.bytesRead >= HANDSHAKE_BYTES } : undefined,
      tls: tls ? { context: contextOf(tls), requireClientCertificate: Boolean(tls.clientCa), alpn: ['h2'] } : undefined,
      // Under WORKERS=N the cluster primary accepts and hands sockets over (cluster-connections.ts).
      source: clusterConnectionSource(),
    });
    this.metrics?.observeConnections(this.listener);
    this.startIdleSweeper();
    this.setServing('SERVING');
    const bound = this.listener.port;
    this.logger.info({ host, port: bound, services: this.serviceNames, limits: this.describeLimits() }, LISTENING);
    return bound;
  }

  /** New connections get this TLS material (rotation); open connections keep theirs. */
  updateTls(material: TlsMaterial): void {
    if (!this.listener) throw new Error('updateTls before listen');
    this.listener.setSecureContext(contextOf(material));
    this.logger.info({ serial: material.serial, validTo: material.validTo.toISOString() }, 'TLS certificate reloaded');
  }

  /**
   * Reports NOT_SERVING, ends open streams with UNAVAILABLE, lets in-flight unary calls
   * finish for up to `graceMs`, then forces the rest closed. Safe to call more than once.
   */
  shutdown(graceMs: number): Promise<ShutdownOutcome> {
    this.shutdownPromise ??= this.doShutdown(graceMs);
    return this.shutdownPromise;
  }

  private async doShutdown(graceMs: number): Promise<ShutdownOutcome> {
    const started = Date.now();
    this.logger.info({ graceMs }, 'shutting down: draining in-flight calls');
    this.setServing('NOT_SERVING');
    clearInterval(this.sweeper);
    for (const call of [...this.streams]) {
      // Health Watch streams carry NOT_SERVING first (written on setStatus), then end.
      if (call.platform) setImmediate(() => endPlatformStream(call));
      else call.stop('shutdown');
    }
    await this.listener?.stopAccepting();
    const outcome = await new Promise<ShutdownOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve('forced');
      }, graceMs);
      timer.unref();
      // tryShutdown's callback alone can come while calls still run: on Node 24, http2's
      // Server.close() starts closing its sessions itself, and grpc-js then counts a closing
      // session as closed. A session's socket closes only once its streams are done.
      this.server.tryShutdown(() => {
        void (this.listener?.drained() ?? Promise.resolve()).then(() => {
          clearTimeout(timer);
          resolve('graceful');
        });
      });
    });
    for (const cleanup of this.cleanups) {
      try {
        await cleanup();
      } catch (error) {
        this.logger.error({ err: error }, 'shutdown cleanup failed');
      }
    }
    this.logger.info({ outcome, ms: Date.now() - started }, 'server stopped');
    return outcome;
  }

  // grpc-js hands every call of `method` to this function; the call's life starts here.
  private register(method: MethodInfo, handler: CallHandler, platform: boolean): UntypedHandleCall {
    const host = this.host;
    return ((raw: ServerCall['raw'], callback?: ServerCall['rawCallback']) =>
      handler(new ServerCall(raw, callback, method, host, platform))) as UntypedHandleCall;
  }

  // Every HTTP/2 stream goes past a StreamWatch too (metadata size, calls that never send
  // their request, clients that reset streams by the thousand): see stream-watch.ts.
  private watchStreams(): void {
    const http2Server = http2ServerOf(this.server);
    if (!http2Server) {
      this.logger.warn({}, 'cannot see grpc-js HTTP/2 streams: metadata size, calls waiting for their request and stream resets are not bounded');
      return;
    }
    this.streamWatch = new StreamWatch(http2Server, {
      requestFirstPaths: this.requestFirstPaths,
      maxMetadataBytes: this.limits.maxMetadataBytes ?? 0,
      idleMs: this.limits.streamIdleTimeoutMs ?? 0,
      maxAwaiting: this.limits.maxConcurrentRpcs,
    });
  }

  /** What the stream watch refused, reset or recycled so far (for logs and tests). */
  get streamWatchCounts(): StreamWatch['counts'] | undefined {
    return this.streamWatch?.counts;
  }

  // One sweep per quarter of the idle limit (at most once a second): a stream whose activity
  // count has not moved for the whole limit ends. Per message the streams only bump a counter.
  private startIdleSweeper(): void {
    const idleMs = this.limits.streamIdleTimeoutMs ?? 0;
    if (idleMs <= 0) return;
    const everyMs = Math.max(10, Math.min(1_000, Math.floor(idleMs / 4)));
    const sweepsToIdle = Math.ceil(idleMs / everyMs);
    const details = `stream idle: no message for ${idleMs} ms (STREAM_IDLE_TIMEOUT_MS)`;
    this.sweeper = setInterval(() => {
      for (const call of this.streams) {
        if (call.platform) continue;
        if (call.activity !== call.sweptActivity) {
          call.sweptActivity = call.activity;
          call.idleSweeps = 0;
        } else if (++call.idleSweeps >= sweepsToIdle) {
          call.stop('idle', details);
        }
      }
      const now = Date.now();
      this.streamWatch?.sweep(now - idleMs, now - everyMs);
    }, everyMs);
    this.sweeper.unref();
  }

  private describeLimits() {
    const { maxConnections = 0, streamIdleTimeoutMs = 0, handshakeTimeoutMs = 0 } = this.limits;
    return {
      ...this.limits,
      maxConcurrentRpcs: this.limiter?.maxConcurrentRpcs ?? 0,
      rpcQueueSize: this.limiter?.queueSize ?? 0,
      maxConnections,
      streamIdleTimeoutMs,
      handshakeTimeoutMs,
      transport: this.security.tls ? (this.security.tls.clientCa ? 'mtls' : 'tls') : 'plaintext',
      auth: this.security.auth ? 'on' : 'off',
      reflection: this.reflectionMode(),
    };
  }

  private setServing(state: 'SERVING' | 'NOT_SERVING'): void {
    this.health.setStatus('', state);
    for (const name of this.serviceNames) this.health.setStatus(name, state);
  }

  // grpc-health-check and @grpc/reflection register themselves on a grpc-js Server; this
  // stand-in routes their methods through the same registration, with the platform chain.
  // AUTH=off leaves nothing to authenticate with, so 'authenticated' reflection is public then.
  private reflectionMode(): ReflectionMode {
    const mode = this.security.reflection ?? 'authenticated';
    return mode === 'authenticated' && !this.security.auth ? 'public' : mode;
  }

  private platformRegistrar(chain: readonly CallWrapper[] = this.platformChain): Server {
    const registrar = {
      addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => {
        const handlers: UntypedServiceImplementation = {};
        for (const [key, method] of Object.entries(definition)) {
          const info = methodInfo(method);
          // proto-loader definitions key methods by their proto name ("Check") and keep the
          // implementation's key ("check") as originalName, which grpc-js accepts too.
          const { originalName } = method as { originalName?: string };
          const raw = implementation[key] ?? (originalName ? implementation[originalName] : undefined);
          const inner: CallHandler = raw ? rawHandler(raw) : (call) => call.fail(unimplemented(`${info.path} is not implemented`));
          handlers[key] = this.register(info, composeChain(chain, info, inner), true);
        }
        this.server.addService(definition, handlers);
      },
    };
    return registrar as unknown as Server;
  }

  private addReflection(): void {
    if (this.reflectionAdded) return;
    this.reflectionAdded = true;
    // The embedded set holds health and reflection too, built by buf with fully qualified
    // type names: tools that resolve types through reflection (grpcurl, buf curl) need them.
    const mode = this.reflectionMode();
    if (mode === 'off') return;
    const services = [...this.serviceNames, HEALTH_SERVICE, ...REFLECTION_SERVICES];
    // Reflection tells anyone every method: by default only authenticated callers may ask.
    const chain = mode === 'public' ? this.platformChain : [authenticate(this.security.auth, () => policy.authenticated(), this.metrics)];
    new ReflectionService(protosPackageDefinition(), { services }).addToServer(this.platformRegistrar(chain));
  }
}

/** grpc-js server options for the transport limits (unset or 0 = grpc-js's default: none). */
function grpcServerOptions(limits: ServerLimits, maxReceiveMessageBytes: number | undefined): ServerOptions {
  // channelz stays on although nothing serves it (its per-call bookkeeping is ~4% of a unary
  // call's CPU): with it off, grpc-js 1.14 no longer tracks sessions for forceShutdown, so a
  // forced shutdown would leave connections open.
  const options: ServerOptions = {};
  const set = (key: string, value: number | undefined) => {
    if (value) options[key] = value;
  };
  set('grpc.max_concurrent_streams', limits.maxConcurrentStreams);
  set('grpc.max_connection_idle_ms', limits.maxConnectionIdleMs);
  if (limits.maxConnectionAgeMs) {
    set('grpc.max_connection_age_ms', limits.maxConnectionAgeMs);
    set('grpc.max_connection_age_grace_ms', limits.maxConnectionAgeGraceMs);
  }
  if (limits.keepaliveTimeMs) {
    set('grpc.keepalive_time_ms', limits.keepaliveTimeMs);
    set('grpc.keepalive_timeout_ms', limits.keepaliveTimeoutMs);
  }
  set('grpc-node.max_session_memory', limits.maxSessionMemoryMb);
  set('grpc.max_receive_message_length', maxReceiveMessageBytes);
  return options;
}

const contextOf = (material: TlsMaterial) => ({ cert: material.cert, key: material.key, ca: material.clientCa });

function endPlatformStream(call: ServerCall): void {
  if (call.ended) return;
  call.settle(0);
  call.raw.end?.();
}
