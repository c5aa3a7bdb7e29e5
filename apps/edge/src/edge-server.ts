// The edge's server: one port for browsers and HTTP clients (Connect, gRPC-Web over HTTP/1.1
// or HTTP/2) and gRPC clients (HTTP/2), served by connect-node from one handler set, plus the
// page, /healthz and /readyz. Connections are accepted by the kit's connection-limited
// listener (TLS there when configured, ALPN h2 or http/1.1); a plaintext connection is handed
// to the HTTP/2 server when it opens with the HTTP/2 preface, else to the HTTP/1.1 server.
import { type ConnectRouter } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { ConcurrencyLimiter, listenWithConnectionLimit, type ConnectionListener } from '@grpc-ts/limits';
import { EdgeService } from '@grpc-ts/protos/edge-connect';
import { LISTENING, clusterConnectionSource, type CallerAuth, type Logger, type ServerLimits, type ServerMetrics, type TlsMaterial } from '@grpc-ts/runtime';
import { createServer as createHttp1Server, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Backends } from './backends';
import { callChain } from './call-chain';
import { createEdgeService, edgePolicies, type EdgeServiceDeps } from './edge-service';
import { EdgeHealth, HEALTH_SERVICE } from './health-service';
import { Readiness } from './readiness';
import type { WebAsset } from './web-assets';

export interface EdgeServerOptions extends Omit<EdgeServiceDeps, 'backends' | 'stopStreams'> {
  backends: Backends;
  logger: Logger;
  metrics?: ServerMetrics;
  limits?: ServerLimits;
  auth?: CallerAuth;
  tls?: TlsMaterial;
  web: Map<string, WebAsset>;
  readyProbeIntervalMs: number;
  maxTimeoutMs: number;
}

export type ShutdownOutcome = 'graceful' | 'forced';

const SERVICE = EdgeService.typeName;
const PREFACE = Buffer.from('PRI * HTTP/2.0');

type NodeHandler = ReturnType<typeof connectNodeAdapter>;
type AnyRequest = Parameters<NodeHandler>[0];
type AnyResponse = Parameters<NodeHandler>[1];

export class EdgeServer {
  readonly readiness: Readiness;
  readonly health: EdgeHealth;
  readonly limiter?: ConcurrencyLimiter;
  private readonly stopStreams = new AbortController();
  private readonly forceStop = new AbortController();
  private readonly http1;
  private readonly http2;
  private readonly sessions = new Set<Http2Session>();
  /** HTTP/1.1 connections and how many requests each has in flight (node:http tracks its own only for servers that listen). */
  private readonly http1Sockets = new Map<Socket, number>();
  private stopping = false;
  private listener?: ConnectionListener;
  private shutdownPromise?: Promise<ShutdownOutcome>;

  constructor(private readonly options: EdgeServerOptions) {
    const { logger, metrics, limits, backends } = options;
    if (limits && limits.maxConcurrentRpcs > 0) {
      this.limiter = new ConcurrencyLimiter({
        maxConcurrentRpcs: limits.maxConcurrentRpcs,
        queueSize: limits.queueSize,
        queueTimeoutMs: limits.queueTimeoutMs,
        onReject: metrics ? (path, reason) => metrics.rejectedTotal.inc({ grpc_method: path, reason }) : undefined,
      });
      metrics?.observeLimiter(this.limiter);
    }
    this.readiness = new Readiness(backends, options.readyProbeIntervalMs);
    this.health = new EdgeHealth(SERVICE, () => this.readiness.ready);
    this.readiness.onChange(() => this.health.changed());
    const policies = new Map(Object.entries(edgePolicies).map(([key, policy]) => [`/${SERVICE}/${methodName(key)}`, policy]));
    const service = createEdgeService({ ...options, stopStreams: this.stopStreams.signal });
    const handler = connectNodeAdapter({
      routes: (router: ConnectRouter) => {
        router.service(EdgeService, service);
        this.health.register(router);
      },
      // The health service is not an application call: no limit, no metrics (as in server-kit).
      interceptors: [
        callChain({
          metrics,
          limiter: this.limiter,
          auth: options.auth,
          policyOf: (path) => policies.get(path)!,
          logger,
          exempt: (path) => path.startsWith(`/${HEALTH_SERVICE}/`),
        }),
      ],
      // Unknown JSON fields are the caller's mistake, not something to drop silently.
      jsonOptions: { ignoreUnknownFields: false },
      readMaxBytes: 4 * 1024 * 1024,
      maxTimeoutMs: options.maxTimeoutMs,
      shutdownSignal: this.forceStop.signal,
      fallback: (request, response) => this.fallback(request, response),
    });
    this.http1 = createHttp1Server({ keepAliveTimeout: 30_000 }, handler);
    this.http2 = createHttp2Server({ settings: { maxConcurrentStreams: limits?.maxConcurrentStreams ?? 100 } }, handler);
    // Keep-alive HTTP/1.1 connections end after their last answer once shutdown begins.
    this.http1.on('request', (request: { socket: Socket }, response: ServerResponse) => {
      const socket = request.socket;
      this.http1Sockets.set(socket, (this.http1Sockets.get(socket) ?? 0) + 1);
      if (this.stopping) response.shouldKeepAlive = false;
      response.once('close', () => {
        const left = (this.http1Sockets.get(socket) ?? 1) - 1;
        if (!this.http1Sockets.has(socket)) return;
        this.http1Sockets.set(socket, left);
        if (this.stopping && left === 0) socket.end();
      });
    });
    this.http2.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
  }

  async listen(host: string, port: number): Promise<number> {
    const { limits, tls, logger } = this.options;
    await this.readiness.start();
    this.listener = await listenWithConnectionLimit(host, port, {
      maxConnections: limits?.maxConnections ?? 0,
      onConnection: (socket) => this.dispatch(socket),
      handshake: limits?.handshakeTimeoutMs ? { timeoutMs: limits.handshakeTimeoutMs, done: (socket) => socket.bytesRead > 0 } : undefined,
      tls: tls ? { context: { cert: tls.cert, key: tls.key }, requireClientCertificate: false, alpn: ['h2', 'http/1.1'] } : undefined,
      // Under WORKERS=N the cluster primary accepts and hands sockets over (cluster-connections.ts).
      source: clusterConnectionSource(),
    });
    this.options.metrics?.observeConnections(this.listener);
    const bound = this.listener.port;
    logger.info(
      {
        host,
        port: bound,
        services: [SERVICE, HEALTH_SERVICE],
        protocols: ['connect', 'grpc-web', 'grpc'],
        page: this.options.web.size > 0,
        backends: { routeGuide: this.options.backends.targets.routeGuide, prodService: this.options.backends.targets.prodService },
        ready: this.readiness.ready,
        transport: tls ? 'tls' : 'plaintext',
      },
      LISTENING,
    );
    return bound;
  }

  /** New connections get this certificate (rotation); open ones keep theirs. */
  updateTls(material: TlsMaterial): void {
    this.listener?.setSecureContext({ cert: material.cert, key: material.key });
    this.options.logger.info({ serial: material.serial }, 'TLS certificate reloaded');
  }

  /**
   * Health NOT_SERVING, open ExploreArea streams end with UNAVAILABLE, no new connections;
   * in-flight PlanTrip calls finish within `graceMs`, then everything is closed.
   */
  shutdown(graceMs: number): Promise<ShutdownOutcome> {
    this.shutdownPromise ??= this.doShutdown(graceMs);
    return this.shutdownPromise;
  }

  private async doShutdown(graceMs: number): Promise<ShutdownOutcome> {
    const { logger, backends } = this.options;
    const started = Date.now();
    logger.info({ graceMs }, 'shutting down: draining in-flight calls');
    this.health.shutdown();
    this.readiness.stop();
    this.stopStreams.abort();
    await this.listener?.stopAccepting();
    for (const session of this.sessions) session.close(); // GOAWAY; closes once its streams are done
    this.stopping = true;
    for (const [socket, active] of this.http1Sockets) if (active === 0) socket.end(); // idle keep-alive connections
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      (this.listener?.drained() ?? Promise.resolve()).then(() => 'graceful' as const),
      new Promise<'forced'>((resolve) => (timer = setTimeout(() => resolve('forced'), graceMs))),
    ]);
    clearTimeout(timer);
    if (outcome === 'forced') {
      logger.warn({ http2Sessions: this.sessions.size, connections: this.listener?.connections }, 'grace period over: closing what is left');
      this.forceStop.abort();
      for (const socket of this.http1Sockets.keys()) socket.destroy();
      for (const session of this.sessions) session.destroy();
    }
    backends.close();
    logger.info({ outcome, ms: Date.now() - started }, 'server stopped');
    return outcome;
  }

  // Plaintext: HTTP/2 with prior knowledge (gRPC clients, curl --http2-prior-knowledge) starts
  // with the connection preface; anything else is HTTP/1.1 (browsers, curl). TLS: ALPN says.
  private dispatch(socket: Socket): void {
    const alpn = (socket as TLSSocket).alpnProtocol;
    const toHttp1 = () => {
      this.http1Sockets.set(socket, 0);
      socket.once('close', () => this.http1Sockets.delete(socket));
      this.http1.emit('connection', socket);
    };
    if (alpn !== undefined && alpn !== null) {
      if (alpn === 'h2') this.http2.emit('connection', socket);
      else toHttp1();
      return;
    }
    const sniff = () => {
      const head = socket.read() as Buffer | null;
      if (head === null) {
        socket.once('readable', sniff);
        return;
      }
      socket.unshift(head);
      const isHttp2 = head.subarray(0, PREFACE.length).equals(PREFACE.subarray(0, Math.min(head.length, PREFACE.length)));
      if (isHttp2) this.http2.emit('connection', socket);
      else toHttp1();
    };
    socket.once('readable', sniff);
  }

  private fallback(request: AnyRequest, response: AnyResponse): void {
    const path = (request.url ?? '/').split('?')[0]!;
    if (request.method === 'GET' && path === '/healthz') {
      const status = this.health.statusOf('') === 1 ? 200 : 503;
      send(response, status, 'application/json', JSON.stringify({ status: status === 200 ? 'ok' : 'stopping' }));
      return;
    }
    if (request.method === 'GET' && path === '/readyz') {
      const ready = this.health.statusOf(SERVICE) === 1;
      send(response, ready ? 200 : 503, 'application/json', JSON.stringify({ ready, backends: this.readiness.backendsState }));
      return;
    }
    const asset = request.method === 'GET' || request.method === 'HEAD' ? this.options.web.get(path) : undefined;
    if (asset) {
      send(response, 200, asset.type, asset.body, { 'cache-control': 'no-cache' });
      return;
    }
    if (path === '/' && this.options.web.size === 0) {
      send(response, 404, 'text/plain; charset=utf-8', 'the web page is not built: run `npx nx run edge:build-web` or set EDGE_WEB_DIR\n');
      return;
    }
    send(response, 404, 'text/plain; charset=utf-8', `not found: ${path}\n`);
  }
}

function send(response: AnyResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  (response as ServerResponse).writeHead(status, { 'content-type': type, ...headers });
  (response as ServerResponse).end(body);
}

/** planTrip -> PlanTrip */
const methodName = (localName: string) => localName.charAt(0).toUpperCase() + localName.slice(1);
