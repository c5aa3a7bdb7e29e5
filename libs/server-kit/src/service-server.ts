// The one server skeleton every service uses: grpc-js Server + health + reflection +
// error logging + graceful shutdown. A service's own build function creates one of these,
// adds its implementation, and hands it to main (or to a test) to bind.
import {
  Server,
  type ServerInterceptor,
  type ServerOptions,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { protosPackageDefinition } from '@grpc-ts/protos';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import {
  ConcurrencyLimiter,
  guardService,
  listenWithConnectionLimit,
  listenWithoutInjector,
  type ConnectionListener,
  type ServerMetrics,
} from '@grpc-ts/pool';
import type { Logger } from 'pino';
import { attachServerContext, type ServerContext } from './handlers';

export const HEALTH_SERVICE = 'grpc.health.v1.Health';
export const REFLECTION_SERVICES = ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection'];

export interface ServerLimits {
  /** Server-wide limit on active RPCs (RESOURCE_EXHAUSTED beyond it); 0 = unlimited. */
  maxConcurrentRpcs: number;
  /** RPCs that may wait for a slot; 0 = reject at once. */
  queueSize?: number;
  queueTimeoutMs?: number;
  /** Most concurrent client connections; 0 = unlimited. */
  maxConnections?: number;
  /** Concurrent calls on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); 0/unset = grpc-js's default. */
  maxConcurrentStreams?: number;
  /**
   * false: grpc-js binds the port itself instead of taking sockets from our net.Server, and
   * maxConnections is not enforced. Only for measuring the injector's cost; default true.
   */
  connectionInjector?: boolean;
}

export interface ServiceServerOptions {
  logger: Logger;
  /** grpc-js server options (max message sizes, keepalive, ...). */
  serverOptions?: ServerOptions;
  /** Extra grpc-js server interceptors, applied to every call. */
  interceptors?: ServerInterceptor[];
  limits?: ServerLimits;
  /** Where call, limit, connection and executor metrics go. */
  metrics?: ServerMetrics;
  /** false: no health and no reflection services (only for measuring their cost); default true. */
  healthAndReflection?: boolean;
}

export type ShutdownOutcome = 'graceful' | 'forced';

export class ServiceServer {
  readonly server: Server;
  readonly health = new HealthImplementation({ '': 'NOT_SERVING' });
  readonly logger: Logger;
  private readonly serviceNames: string[] = [];
  private readonly stopping = new AbortController();
  private readonly callContext: ServerContext = {
    stopSignal: this.stopping.signal,
    reportError: (error, path) => this.logger.error({ err: error, method: path }, 'handler failed'),
  };
  readonly limiter?: ConcurrencyLimiter;
  readonly metrics?: ServerMetrics;
  private readonly maxConnections: number;
  private readonly connectionInjector: boolean;
  private readonly healthAndReflection: boolean;
  private readonly maxConcurrentStreams: number;
  private listener?: ConnectionListener;
  private readonly cleanups: (() => Promise<void> | void)[] = [];
  private reflectionAdded = false;
  private shutdownPromise?: Promise<ShutdownOutcome>;

  constructor(options: ServiceServerOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics;
    const limits = options.limits;
    this.connectionInjector = limits?.connectionInjector ?? true;
    this.maxConnections = this.connectionInjector ? (limits?.maxConnections ?? 0) : 0;
    this.healthAndReflection = options.healthAndReflection ?? true;
    if (limits && limits.maxConcurrentRpcs > 0) {
      this.limiter = new ConcurrencyLimiter({
        maxConcurrentRpcs: limits.maxConcurrentRpcs,
        queueSize: limits.queueSize,
        queueTimeoutMs: limits.queueTimeoutMs,
        metrics: options.metrics,
      });
    }
    const streams = limits?.maxConcurrentStreams;
    this.maxConcurrentStreams = streams ?? 0;
    this.server = new Server({
      ...options.serverOptions,
      ...(streams ? { 'grpc.max_concurrent_streams': streams } : {}),
      ...(options.interceptors ? { interceptors: options.interceptors } : {}),
    });
    // Without it, `health` still takes statuses but nobody can ask for them.
    if (this.healthAndReflection) this.health.addToServer(this.healthRegistrar());
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

  /** Aborted when shutdown begins; streaming handlers end their calls with UNAVAILABLE. */
  get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  addService<Impl extends UntypedServiceImplementation>(
    name: string,
    definition: ServiceDefinition<Impl>,
    implementation: Impl,
  ): this {
    const withContext: UntypedServiceImplementation = {};
    for (const [method, handler] of Object.entries(implementation)) {
      withContext[method] = ((call: object, callback?: unknown) => {
        attachServerContext(call, this.callContext);
        (handler as (call: object, callback?: unknown) => void)(call, callback);
      }) as never;
    }
    // Limits and metrics apply to application services only: health and reflection, added
    // elsewhere, must answer even when every slot is taken.
    const guarded = guardService(definition as ServiceDefinition, withContext, {
      limiter: this.limiter,
      metrics: this.metrics,
    });
    this.server.addService(definition as ServiceDefinition, guarded);
    this.serviceNames.push(name);
    this.health.setStatus(name, 'NOT_SERVING');
    return this;
  }

  /** Binds and starts serving; resolves with the bound port (use port 0 for an ephemeral one). */
  async listen(host: string, port: number): Promise<number> {
    if (this.healthAndReflection) this.addReflection();
    this.listener = this.connectionInjector
      ? await listenWithConnectionLimit(this.server, host, port, { maxConnections: this.maxConnections, metrics: this.metrics })
      : await listenWithoutInjector(this.server, host, port);
    this.setServing('SERVING');
    const bound = this.listener.port;
    this.logger.info({ host, port: bound, services: this.serviceNames, limits: this.describeLimits() }, 'listening');
    return bound;
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
    this.stopping.abort();
    await this.listener?.stopAccepting();
    const outcome = await new Promise<ShutdownOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve('forced');
      }, graceMs);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve('graceful');
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

  private describeLimits() {
    return {
      maxConcurrentRpcs: this.limiter?.maxConcurrentRpcs ?? 0,
      rpcQueueSize: this.limiter?.queueSize ?? 0,
      maxConnections: this.maxConnections,
      /** 0 = grpc-js's default (no limit). */
      maxConcurrentStreams: this.maxConcurrentStreams,
      // The measuring switches appear only when switched off.
      ...(this.connectionInjector ? {} : { connectionInjector: false }),
      ...(this.healthAndReflection ? {} : { healthAndReflection: false }),
    };
  }

  private setServing(state: 'SERVING' | 'NOT_SERVING'): void {
    this.health.setStatus('', state);
    for (const name of this.serviceNames) this.health.setStatus(name, state);
  }

  // Health Watch streams stay open until the client leaves; close them at shutdown (right
  // after they have carried NOT_SERVING) so they do not hold the server open until forced.
  private healthRegistrar(): Server {
    const registrar = {
      addService: (definition: ServiceDefinition, implementation: UntypedServiceImplementation) => {
        type WatchCall = { end(): void; once(event: 'cancelled', listener: () => void): void };
        const watch = implementation.watch as ((call: WatchCall) => void) | undefined;
        const wrapped = { ...implementation };
        if (watch) {
          wrapped.watch = ((call: WatchCall) => {
            watch(call);
            const endAtStop = () => setImmediate(() => call.end());
            this.stopping.signal.addEventListener('abort', endAtStop, { once: true });
            call.once('cancelled', () => this.stopping.signal.removeEventListener('abort', endAtStop));
          }) as never;
        }
        this.server.addService(definition, wrapped);
      },
    };
    return registrar as unknown as Server;
  }

  private addReflection(): void {
    if (this.reflectionAdded) return;
    this.reflectionAdded = true;
    // The embedded set holds health and reflection too, built by buf with fully qualified
    // type names: tools that resolve types through reflection (grpcurl, buf curl) need them.
    const services = [...this.serviceNames, HEALTH_SERVICE, ...REFLECTION_SERVICES];
    new ReflectionService(protosPackageDefinition(), { services }).addToServer(this.server);
  }
}
