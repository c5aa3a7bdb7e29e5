// The limits on their own, with no transport: slots and the wait queue, option checks, and
// the connection listener over plain TCP sockets.
import { connect, createServer, type Socket } from 'node:net';
import { waitFor } from '@grpc-ts/test-support';
import { ConcurrencyLimiter, LimitOptionsError, listenWithConnectionLimit, type ConnectionListener } from '../src';

describe('ConcurrencyLimiter', () => {
  it.each([
    [{ maxConcurrentRpcs: 0 }, 'invalid option maxConcurrentRpcs: must be an integer >= 1, got 0'],
    [{ maxConcurrentRpcs: 2.5 }, 'invalid option maxConcurrentRpcs'],
    [{ maxConcurrentRpcs: 1, queueSize: -1 }, 'invalid option queueSize'],
    [{ maxConcurrentRpcs: 1, queueSize: 4 }, 'invalid option queueTimeoutMs: must be an integer >= 1 when queueSize > 0'],
  ])('%j is refused', (options, message) => {
    expect(() => new ConcurrencyLimiter(options)).toThrow(LimitOptionsError);
    expect(() => new ConcurrencyLimiter(options)).toThrow(message);
  });

  it('hands a released slot straight to the longest waiter and reports every rejection', () => {
    const rejections: string[] = [];
    const limiter = new ConcurrencyLimiter({
      maxConcurrentRpcs: 1,
      queueSize: 1,
      queueTimeoutMs: 60_000,
      onReject: (path, reason) => rejections.push(`${path} ${reason}`),
    });
    expect(limiter.tryAcquire()).toBe(true);
    expect(limiter.tryAcquire()).toBe(false);
    const granted: string[] = [];
    const waiter = limiter.enqueue('/a', () => granted.push('a'), () => granted.push('a rejected'));
    expect(typeof waiter).toBe('object');
    expect(limiter.enqueue('/b', () => granted.push('b'), () => undefined)).toBe(
      'server is at its limit of 1 concurrent RPCs and its wait queue (1) is full; retry later',
    );
    limiter.release(); // to the waiter: active stays 1
    expect([granted, limiter.active, limiter.queued]).toEqual([['a'], 1, 0]);
    limiter.release();
    expect(limiter.active).toBe(0);
    expect(rejections).toEqual(['/b queue_full']);
  });
});

describe('listenWithConnectionLimit', () => {
  let listener: ConnectionListener;
  const accepted: Socket[] = [];
  const open = (port: number) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    });
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  afterEach(async () => {
    for (const socket of accepted.splice(0)) socket.destroy();
    await listener.stopAccepting();
  });

  it('refuses a negative limit by name', async () => {
    listener = await listenWithConnectionLimit('127.0.0.1', 0, { maxConnections: 0, onConnection: () => undefined });
    await expect(
      listenWithConnectionLimit('127.0.0.1', 0, { maxConnections: -1, onConnection: () => undefined }),
    ).rejects.toThrow(LimitOptionsError);
  });

  it('closes extra connections at once and counts them', async () => {
    listener = await listenWithConnectionLimit('127.0.0.1', 0, { maxConnections: 2, onConnection: (s) => void accepted.push(s) });
    const clients = [await open(listener.port), await open(listener.port)];
    const extra = await open(listener.port);
    await closed(extra);
    expect(listener.rejected).toBe(1);
    await waitFor(() => listener.connections === 2, 'two open connections');
    for (const client of clients) client.destroy();
  });

  it('says when its last connection has closed', async () => {
    listener = await listenWithConnectionLimit('127.0.0.1', 0, { maxConnections: 0, onConnection: (s) => void accepted.push(s) });
    await listener.drained(); // none open yet
    const client = await open(listener.port);
    await waitFor(() => listener.connections === 1, 'the connection to be accepted');
    let drained = false;
    const closed = listener.drained().then(() => (drained = true));
    await new Promise(setImmediate);
    expect(drained).toBe(false);
    client.destroy();
    await closed;
    expect(listener.connections).toBe(0);
  });

  it('drops a connection that sends less than a handshake within the deadline, and keeps one that sent it', async () => {
    listener = await listenWithConnectionLimit('127.0.0.1', 0, {
      maxConnections: 10,
      onConnection: (s) => void accepted.push(s),
      handshake: { timeoutMs: 100, done: (socket) => socket.bytesRead >= 4 },
    });
    const silent = await open(listener.port);
    const talker = await open(listener.port);
    talker.write('PRI *'); // enough for this check
    await closed(silent);
    await waitFor(() => listener.connections === 1, 'the server side of the silent socket to close');
    expect(listener.handshakeTimeouts).toBe(1);
    expect(talker.destroyed).toBe(false);
    talker.destroy();
  });

  it('takes handed-over sockets from a source under the same limit and deadline, and stops taking them on stopAccepting', async () => {
    // The source here is a plain server of the test's own: what a cluster primary does over IPC.
    let deliver: ((socket: Socket) => void) | undefined;
    let sourceClosed = false;
    const upstream = createServer((socket) => deliver?.(socket));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as { port: number }).port;
    try {
      listener = await listenWithConnectionLimit('127.0.0.1', 0, {
        maxConnections: 2,
        onConnection: (s) => void accepted.push(s),
        handshake: { timeoutMs: 100, done: (socket) => socket.bytesRead >= 4 },
        source: {
          open: async (accept) => {
            deliver = accept;
            return { port: upstreamPort, close: () => (sourceClosed = true) };
          },
        },
      });
      expect(listener.port).toBe(upstreamPort);
      const talker = await open(listener.port);
      talker.write('PRI *');
      const silent = await open(listener.port);
      await waitFor(() => listener.connections === 2, 'two handed-over connections');
      const extra = await open(listener.port);
      await closed(extra);
      expect(listener.rejected).toBe(1);
      await closed(silent);
      expect(listener.handshakeTimeouts).toBe(1);
      expect(talker.destroyed).toBe(false);

      await listener.stopAccepting();
      expect(sourceClosed).toBe(true);
      const late = await open(listener.port); // handed over after the stop: closed, not served
      await closed(late);
      expect(accepted.filter((socket) => !socket.destroyed)).toHaveLength(1);
      talker.destroy();
    } finally {
      upstream.close();
    }
  });
});
