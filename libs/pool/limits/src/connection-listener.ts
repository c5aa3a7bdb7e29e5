// Accepts client connections on our own net.Server and hands each socket to the transport
// (grpc-js through a connection injector, or any HTTP/2 server). Owning the listener gives a
// real connection limit (net.Server's maxConnections closes extra sockets at once, before any
// HTTP/2 work), a handshake deadline, and exact counts read at scrape time. Under Node
// cluster the listening handle is shared by the workers.
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { LimitOptionsError } from './options-error';

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
  handshake?: HandshakeCheck;
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
  /** Stops accepting new connections (open ones are left to the transport's shutdown). */
  stopAccepting(): Promise<void>;
  /** Resolves once no accepted connection is open (at once when none is). */
  drained(): Promise<void>;
}

export async function listenWithConnectionLimit(
  host: string,
  port: number,
  options: ConnectionListenerOptions,
): Promise<ConnectionListener> {
  const { maxConnections, onConnection, handshake } = options;
  if (!Number.isInteger(maxConnections) || maxConnections < 0) {
    throw new LimitOptionsError('maxConnections', `must be an integer >= 0, got ${maxConnections}`);
  }
  if (handshake && (!Number.isInteger(handshake.timeoutMs) || handshake.timeoutMs < 1)) {
    throw new LimitOptionsError('handshake.timeoutMs', `must be an integer >= 1, got ${handshake.timeoutMs}`);
  }
  let open = 0;
  let rejected = 0;
  let handshakeTimeouts = 0;
  let whenDrained: (() => void)[] = [];
  const netServer: NetServer = createServer({ noDelay: true }, (socket: Socket) => {
    open++;
    let timer: NodeJS.Timeout | undefined;
    if (handshake) {
      timer = setTimeout(() => {
        if (handshake.done(socket)) return;
        handshakeTimeouts++;
        socket.destroy();
      }, handshake.timeoutMs);
    }
    socket.once('close', () => {
      open--;
      clearTimeout(timer);
      if (open === 0) {
        for (const resolve of whenDrained) resolve();
        whenDrained = [];
      }
    });
    onConnection(socket);
  });
  if (maxConnections > 0) netServer.maxConnections = maxConnections;
  netServer.on('drop', () => rejected++);

  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen({ host: host.replace(/^\[|\]$/g, ''), port }, () => {
      netServer.off('error', reject);
      resolve();
    });
  });
  const address = netServer.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
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
    // net.Server.close() calls back only once every connection has ended, which is the
    // transport's shutdown job; so just stop listening and return.
    stopAccepting: async () => {
      if (netServer.listening) netServer.close();
    },
    drained: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenDrained.push(resolve))),
  };
}
