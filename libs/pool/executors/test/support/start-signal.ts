// Orders test steps by events, not sleeps: a task connects to `port` once it is really
// running in its worker (fixtures/tasks.ts signalThen*), and `started` resolves then;
// `release` lets signalThenHold tasks finish when the test says so.
import { createServer, type Socket } from 'node:net';

export interface StartSignal {
  port: number;
  /** Resolves at the n-th connection (1-based). */
  started(n?: number): Promise<void>;
  /** Ends every connection so far: their signalThenHold tasks return. */
  release(): void;
  close(): Promise<void>;
}

export async function startSignal(): Promise<StartSignal> {
  const sockets: Socket[] = [];
  const waiters: { n: number; resolve(): void }[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined); // the worker holding it is killed on purpose
    for (const waiter of waiters.filter((w) => w.n <= sockets.length)) waiter.resolve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    started: (n = 1) => (sockets.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    release: () => {
      for (const socket of sockets) socket.end();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
