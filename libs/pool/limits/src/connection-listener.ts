// Accepts client connections on our own net.Server and hands each socket to the transport
// (grpc-js through a connection injector, or any HTTP/2 server). Owning the listener gives a
// real connection limit (net.Server's maxConnections closes extra sockets at once, before any
// HTTP/2 work), a handshake deadline, and exact counts read at scrape time. Under Node
// cluster the listening handle is shared by the workers.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { LimitOptionsError } from './options-error';

/** TLS on the listener: Node's own TLS server, so client certificates are verified before any HTTP/2 work. */
export interface ListenerTls {
  /** Certificate chain, key, and (mutual TLS) the CA bundle client certificates must chain to. */
  context: Pick<SecureContextOptions, 'cert' | 'key' | 'ca'>;
  /** Ask for, and require, a client certificate that chains to `context.ca`. */
  requireClientCertificate: boolean;
  /** ALPN protocols offered (["h2"] for gRPC). */
  alpn: string[];
}

export interface HandshakeCheck {
  /** A connection that has not completed its handshake this long after accept is destroyed. */
  timeoutMs: number;
  /** Whether the socket has sent enough to count as a real client. */
  done(socket: Socket): boolean;
}

export interface ConnectionListenerOptions {
  /** Most concurrent client connections; 0 = unlimited. */
  maxConnections: number;
  /** Called with every accepted socket; the transport owns it from then on. */
  onConnection(socket: Socket): void;
  /**
   * A deadline for a connection to become a real client, from accept. With TLS it covers the
   * TLS handshake too, and `done` is asked of the decrypted socket.
   */
  handshake?: HandshakeCheck;
  tls?: ListenerTls;
  /** Take sockets from here instead of listening on host:port. */
  source?: ConnectionSource;
}

/** Sockets accepted by someone else and handed over (a cluster primary's listening socket). */
export interface ConnectionSource {
  /** Starts handing sockets to `accept`; resolves with the port clients connect to. */
  open(accept: (socket: Socket) => void): Promise<{ port: number; close(): void }>;
}

export interface ConnectionListener {
  readonly port: number;
  readonly maxConnections: number;
  /** Open connections now. */
  readonly connections: number;
  /** Connections refused at the limit so far. */
  readonly rejected: number;
  /** Connections dropped because their handshake did not complete in time. */
  readonly handshakeTimeouts: number;
  /** TLS handshakes that failed (bad or missing client certificate, protocol mismatch, ...). */
  readonly tlsFailures: number;
  /** New connections get this TLS context; open ones keep theirs. */
  setSecureContext(context: ListenerTls['context']): void;
  /** Stops accepting new connections (open ones are left to the transport's shutdown). */
  stopAccepting(): Promise<void>;
  /** Resolves once no accepted connection is open (at once when none is). */
  drained(): Promise<void>;
}

export async function listenWithConnectionLimit(
  host: string,
  requestedPort: number,
  options: ConnectionListenerOptions,
): Promise<ConnectionListener> {
  const { maxConnections, onConnection, handshake, tls, source } = options;
  if (!Number.isInteger(maxConnections) || maxConnections < 0) {
    throw new LimitOptionsError('maxConnections', `must be an integer >= 0, got ${maxConnections}`);
  }
  if (handshake && (!Number.isInteger(handshake.timeoutMs) || handshake.timeoutMs < 1)) {
    throw new LimitOptionsError('handshake.timeoutMs', `must be an integer >= 1, got ${handshake.timeoutMs}`);
  }
  let open = 0;
  let rejected = 0;
  let handshakeTimeouts = 0;
  let tlsFailures = 0;
  let whenDrained: (() => void)[] = [];
  // Under TLS the deadline runs from accept over the TLS handshake and the transport's own
  // (done() is asked of the decrypted socket): Node's handshakeTimeout never fires for a client
  // that sends no byte at all. A raw socket and its TLS socket share their remote address and
  // port, which is how the secure side is found again.
  const secured = new Map<string, Socket>();
  const peerKey = (socket: Socket) => `${socket.remoteAddress}|${socket.remotePort}`;
  const track = (socket: Socket) => {
    open++;
    const key = tls ? peerKey(socket) : '';
    let timer: NodeJS.Timeout | undefined;
    if (handshake) {
      timer = setTimeout(() => {
        const transportSocket = tls ? secured.get(key) : socket;
        if (transportSocket && handshake.done(transportSocket)) return;
        handshakeTimeouts++;
        socket.destroy();
      }, handshake.timeoutMs);
    }
    socket.once('close', () => {
      open--;
      clearTimeout(timer);
      if (tls) secured.delete(key);
      if (open === 0) {
        for (const resolve of whenDrained) resolve();
        whenDrained = [];
      }
    });
  };
  let netServer: NetServer;
  if (tls) {
    const tlsServer = createTlsServer(
      {
        ...tls.context,
        requestCert: tls.requireClientCertificate,
        rejectUnauthorized: tls.requireClientCertificate,
        ALPNProtocols: tls.alpn,
        // Ours (above) ends a handshake that is late; this one is only a backstop.
        handshakeTimeout: handshake ? handshake.timeoutMs * 2 : 120_000,
        noDelay: true,
      },
      (socket: TLSSocket) => {
        secured.set(peerKey(socket), socket);
        onConnection(socket);
      },
    );
    // 'connection' is the raw TCP socket: counted (and limited) before any TLS work.
    tlsServer.on('connection', track);
    tlsServer.on('tlsClientError', (error, socket) => {
      // A socket our deadline destroyed is already counted there.
      if (socket.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') return;
      if ((error as NodeJS.ErrnoException).code === 'ERR_TLS_HANDSHAKE_TIMEOUT') handshakeTimeouts++;
      else tlsFailures++;
      // Its place is given back when the socket closes: make sure it does now (on Node 24 under
      // load a refused client's place was still held 5 s later).
      socket.destroy();
    });
    netServer = tlsServer;
  } else {
    netServer = createServer({ noDelay: true }, (socket: Socket) => {
      track(socket);
      onConnection(socket);
    });
  }
  netServer.on('drop', () => rejected++);
  let port: number;
  let stop: () => void;
  if (source) {
    let listening = true;
    // A handed-over socket did not come through accept(), so net.Server's own limit and
    // noDelay never saw it: apply them here, then let the server take it as its own.
    const handedOver = await source.open((socket) => {
      if (!listening) return void socket.destroy();
      if (maxConnections > 0 && open >= maxConnections) {
        rejected++;
        return void socket.destroy();
      }
      socket.setNoDelay(true);
      netServer.emit('connection', socket);
    });
    port = handedOver.port;
    stop = () => {
      listening = false;
      handedOver.close();
    };
  } else {
    if (maxConnections > 0) netServer.maxConnections = maxConnections;
    await new Promise<void>((resolve, reject) => {
      netServer.once('error', reject);
      netServer.listen({ host: host.replace(/^\[|\]$/g, ''), port: requestedPort }, () => {
        netServer.off('error', reject);
        resolve();
      });
    });
    const address = netServer.address();
    port = typeof address === 'object' && address ? address.port : requestedPort;
    stop = () => {
      if (netServer.listening) netServer.close();
    };
  }
  return {
    port,
    maxConnections,
    get connections() {
      return open;
    },
    get rejected() {
      return rejected;
    },
    get handshakeTimeouts() {
      return handshakeTimeouts;
    },
    get tlsFailures() {
      return tlsFailures;
    },
    setSecureContext: (context) => {
      if (!tls) throw new Error('setSecureContext: this listener serves plaintext');
      (netServer as ReturnType<typeof createTlsServer>).setSecureContext(context);
    },
    // net.Server.close() calls back only once every connection has ended, which is the
    // transport's shutdown job; so just stop listening and return.
    stopAccepting: async () => stop(),
    drained: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenDrained.push(resolve))),
  };
}
