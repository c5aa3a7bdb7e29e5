// A gRPC call made by hand over node:http2, for tests of what a misbehaving client can do
// that a real gRPC client never would: ignore its own deadline, never read, never finish
// its request, send garbage. Nothing here enforces anything on the client side.
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';

/** The 5-byte gRPC frame prefix (uncompressed) + message bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

export interface RawCallOptions {
  /** "/pkg.Service/Method" */
  path: string;
  /** Sent as grpc-timeout in milliseconds; the client itself never enforces it. */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface RawCall {
  stream: ClientHttp2Stream;
  /** Resolves with grpc-status (from trailers, or trailers-only headers), or with 'reset' if the server reset the stream. */
  status: Promise<{ code: number; message: string } | 'reset'>;
  /** Response bytes received so far (only counted while the stream flows). */
  readonly received: number;
}

export function rawSession(address: string): ClientHttp2Session {
  const session = connect(`http://${address}`);
  session.on('error', () => undefined); // a test that provokes the server expects its session to die
  return session;
}

/** Starts a call on `session`; write and end it through `stream` as the test wants. */
export function rawCall(session: ClientHttp2Session, options: RawCallOptions): RawCall {
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: options.path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...(options.timeoutMs !== undefined ? { 'grpc-timeout': `${options.timeoutMs}m` } : {}),
    ...options.headers,
  });
  let received = 0;
  const status = new Promise<{ code: number; message: string } | 'reset'>((resolve) => {
    const fromHeaders = (headers: Record<string, unknown>) => {
      const code = headers['grpc-status'];
      if (code !== undefined) resolve({ code: Number(code), message: decodeURIComponent(String(headers['grpc-message'] ?? '')) });
    };
    stream.on('response', fromHeaders);
    stream.on('trailers', fromHeaders);
    stream.on('close', () => resolve('reset'));
    stream.on('error', () => resolve('reset'));
  });
  stream.on('data', (chunk: Buffer) => (received += chunk.length));
  return {
    stream,
    status,
    get received() {
      return received;
    },
  };
}
