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
  /** Open connections now (NaN when grpc-js owns the listener: see listenWithoutInjector). */
  readonly connections: number;
  /** Stops accepting new connections (open ones are left to grpc-js shutdown). */
  stopAccepting(): Promise<void>;
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
  const netServer: NetServer = createServer({ noDelay: true }, (socket: Socket) => {
    open++;
    metrics?.connectionsActive.set(open);
    socket.once('close', () => {
      open--;
      metrics?.connectionsActive.set(open);
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
  };
}

/**
 * The switch-off for measuring what the injector costs (CONNECTION_INJECTOR=false): grpc-js
 * binds the port itself with bindAsync, so there is no connection limit, no connection
 * metrics and no connection count (NaN).
 */
export async function listenWithoutInjector(grpcServer: Server, host: string, port: number): Promise<ConnectionListener> {
  const bare = host.replace(/^\[|\]$/g, '');
  const address = bare.includes(':') ? `[${bare}]:${port}` : `${bare}:${port}`;
  const bound = await new Promise<number>((resolve, reject) =>
    grpcServer.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort))),
  );
  return {
    port: bound,
    connections: Number.NaN,
    // grpc-js closes its own listener in tryShutdown/forceShutdown, which shutdown calls next.
    stopAccepting: async () => {},
  };
}
