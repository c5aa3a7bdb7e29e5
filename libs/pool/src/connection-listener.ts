// Accepts client connections on our own net.Server and hands them to grpc-js through a
// connection injector. Owning the listener gives a real connection limit (net.Server's
// maxConnections closes extra sockets at once, before any HTTP/2 work) and exact
// connection metrics. Under Node cluster the listening handle is shared by the workers.
import { ServerCredentials, type Server } from '@grpc/grpc-js';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { PoolOptionsError } from './errors';
import type { ServerMetrics } from './metrics';

export interface ConnectionListenerOptions {
  /** Most concurrent client connections (HTTP/2 sessions); 0 = unlimited. */
  maxConnections: number;
  metrics?: ServerMetrics;
}

export interface ConnectionListener {
  readonly port: number;
  /** Open connections now. */
  readonly connections: number;
  /** Stops accepting new connections (open ones are left to grpc-js shutdown). */
  stopAccepting(): Promise<void>;
  /** Resolves once no accepted connection is open (at once when none is). */
  drained(): Promise<void>;
}

export async function listenWithConnectionLimit(
  grpcServer: Server,
  host: string,
  port: number,
  options: ConnectionListenerOptions,
): Promise<ConnectionListener> {
  const { maxConnections, metrics } = options;
  if (!Number.isInteger(maxConnections) || maxConnections < 0) {
    throw new PoolOptionsError('maxConnections', `must be an integer >= 0, got ${maxConnections}`);
  }
  const injector = grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  let open = 0;
  let whenDrained: (() => void)[] = [];
  const netServer: NetServer = createServer({ noDelay: true }, (socket: Socket) => {
    open++;
    metrics?.connectionsActive.set(open);
    socket.once('close', () => {
      open--;
      metrics?.connectionsActive.set(open);
      if (open === 0) {
        for (const resolve of whenDrained) resolve();
        whenDrained = [];
      }
    });
    injector.injectConnection(socket);
  });
  if (maxConnections > 0) netServer.maxConnections = maxConnections;
  netServer.on('drop', () => metrics?.connectionsRejectedTotal.inc());
  metrics?.connectionsMax.set(maxConnections);

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
    get connections() {
      return open;
    },
    // net.Server.close() calls back only once every connection has ended, which is
    // grpc-js shutdown's job; so just stop listening and return.
    stopAccepting: async () => {
      if (netServer.listening) netServer.close();
    },
    drained: () => (open === 0 ? Promise.resolve() : new Promise<void>((resolve) => whenDrained.push(resolve))),
  };
}
