// Under WORKERS=N the primary accepts every client connection and hands it to a worker over
// IPC (round robin over the workers that are accepting), instead of Node cluster's own
// round-robin. Both leave a connection open for good when the worker it was sent to dies
// before taking it (nodejs/node-v0.x-archive#7006, still so on Node 20 and 24: Node keeps its
// copy of the socket until the worker's acknowledgement, which never comes): the client
// waits forever for the server's HTTP/2 settings, and a grpc-js channel, which has no connect
// timeout, never recovers. Here the primary keeps its copy of each socket until the worker
// says it has taken it (keepOpen), and closes the copies a dead worker never took: the client
// sees its connection end and reconnects, to a live worker.
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server, type Socket } from 'node:net';

const ACCEPTING = 'grpc-ts:accepting';
const STOPPED = 'grpc-ts:stopped-accepting';
const CONNECTION = 'grpc-ts:connection';
const TAKEN = 'grpc-ts:taken';

// While no worker accepts (all restarting), connections wait this long, this many at most.
const PENDING_MAX = 1_024;
const PENDING_MS = 10_000;

type Message = { cmd?: unknown; port?: unknown; id?: unknown };

export interface ClusterListener {
  readonly port: number;
  /** Stops accepting new connections (open ones belong to the workers). */
  close(): void;
}

/** In the primary: listens on host:port and deals connections to the accepting workers. */
export async function distributeConnections(host: string, port: number): Promise<ClusterListener> {
  const accepting: Worker[] = [];
  let next = 0;
  // Sockets sent to each worker and not yet taken, by hand-over id.
  const inTransit = new Map<Worker, Map<number, Socket>>();
  let ids = 0;
  const pending: { socket: Socket; at: number }[] = [];
  const drop = (worker: Worker) => {
    const at = accepting.indexOf(worker);
    if (at >= 0) accepting.splice(at, 1);
  };
  const handOver = (socket: Socket) => {
    while (accepting.length > 0) {
      const worker = accepting[next++ % accepting.length]!;
      if (!worker.isConnected() || worker.isDead()) {
        drop(worker);
        continue;
      }
      let sent = inTransit.get(worker);
      if (!sent) inTransit.set(worker, (sent = new Map()));
      const id = ++ids;
      sent.set(id, socket);
      worker.send({ cmd: CONNECTION, id }, socket, { keepOpen: true }, (error) => {
        if (!error) return;
        sent.delete(id);
        socket.destroy();
      });
      return;
    }
    while (pending.length >= PENDING_MAX) pending.shift()!.socket.destroy();
    pending.push({ socket, at: Date.now() });
  };
  const server: Server = createServer({ pauseOnConnect: true }, handOver);
  const expire = setInterval(() => {
    const old = Date.now() - PENDING_MS;
    while (pending.length > 0 && pending[0]!.at < old) pending.shift()!.socket.destroy();
  }, 1_000);
  expire.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: host.replace(/^\[|\]$/g, ''), port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;

  cluster.on('message', (worker: Worker, message: Message) => {
    if (message?.cmd === ACCEPTING) {
      if (!accepting.includes(worker)) accepting.push(worker);
      worker.send({ cmd: ACCEPTING, port: bound });
      for (const waiting of pending.splice(0)) if (!waiting.socket.destroyed) handOver(waiting.socket);
    } else if (message?.cmd === TAKEN && typeof message.id === 'number') {
      // The worker holds its own descriptor now; closing ours leaves the connection open.
      const sent = inTransit.get(worker);
      sent?.get(message.id)?.destroy();
      sent?.delete(message.id);
    } else if (message?.cmd === STOPPED) {
      drop(worker);
    }
  });
  const gone = (worker: Worker) => {
    drop(worker);
    for (const socket of inTransit.get(worker)?.values() ?? []) socket.destroy();
    inTransit.delete(worker);
  };
  cluster.on('exit', gone);
  cluster.on('disconnect', gone);
  return {
    port: bound,
    close: () => {
      clearInterval(expire);
      if (server.listening) server.close();
      for (const waiting of pending.splice(0)) waiting.socket.destroy();
    },
  };
}

/**
 * In a cluster worker: the connections its primary hands over (a ConnectionSource for
 * @grpc-ts/limits' listener). Undefined outside a cluster: listen as usual.
 */
export function clusterConnectionSource():
  | { open(accept: (socket: Socket) => void): Promise<{ port: number; close(): void }> }
  | undefined {
  if (!cluster.isWorker) return undefined;
  return {
    open: (accept) =>
      new Promise((resolve) => {
        let open = true;
        const onMessage = (message: Message, socket?: Socket) => {
          if (message?.cmd === CONNECTION) {
            if (process.connected) process.send!({ cmd: TAKEN, id: message.id });
            if (!socket) return;
            if (open) accept(socket);
            else socket.destroy();
          } else if (message?.cmd === ACCEPTING && typeof message.port === 'number') {
            resolve({
              port: message.port,
              close: () => {
                if (!open) return;
                open = false;
                if (process.connected) process.send!({ cmd: STOPPED });
              },
            });
          }
        };
        process.on('message', onMessage);
        process.send!({ cmd: ACCEPTING });
      }),
  };
}
