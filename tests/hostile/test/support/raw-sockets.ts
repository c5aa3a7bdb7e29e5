// Connections made by hand on net sockets, for what an attacker sends (or withholds) below
// HTTP/2: nothing at all, the preface alone, the preface and SETTINGS and then silence,
// frames of any kind in a flood.
import { connect, type Socket } from 'node:net';

/** The HTTP/2 client connection preface (RFC 9113 3.4). */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FRAME = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8 } as const;
export const FLAG = { ACK: 0x1, END_STREAM: 0x1, END_HEADERS: 0x4 } as const;

/** One HTTP/2 frame: 9-byte header + payload. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

export interface RawSocket {
  socket: Socket;
  /** Resolves when the server closes (or resets) the connection. */
  closed: Promise<void>;
  /** Bytes the server sent. */
  readonly received: number;
}

/** Opens a TCP connection and sends `first` (if any) once connected; reads and discards. */
export function rawSocket(port: number, first?: Buffer): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = 0;
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.on('error', () => undefined); // a reset by the server is what some tests wait for
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.once('connect', () => {
      if (first) socket.write(first);
      resolve({
        socket,
        closed,
        get received() {
          return received;
        },
      });
    });
    socket.once('error', reject);
  });
}

/**
 * The HEADERS block of a gRPC request to `path`, HPACK-encoded by hand and small, as a busy
 * client's are: the first call on a connection adds its fields to the dynamic table
 * (literal with incremental indexing), every later one names them by index.
 */
export function requestHeaders(path: string, first: boolean): Buffer {
  // :method POST (static 3), :scheme http (static 6), :authority "a" (static name 1, not indexed)
  const fixed = [0x83, 0x86, 0x01, 1, 0x61];
  if (!first) return Buffer.from([...fixed, 0x80 | 64, 0x80 | 63, 0x80 | 62]); // :path, content-type, te
  const literal = (prefix: number[], name: string, value: string) =>
    Buffer.concat([Buffer.from(prefix), name ? Buffer.from([name.length, ...Buffer.from(name)]) : Buffer.alloc(0), Buffer.from([value.length, ...Buffer.from(value)])]);
  return Buffer.concat([
    Buffer.from(fixed),
    literal([0x44], '', path), // static name 4 (:path): table index 64 once the next two are added
    literal([0x40], 'content-type', 'application/grpc'), // 63
    literal([0x40], 'te', 'trailers'), // 62
  ]);
}

/** Calls `onFrame` for every HTTP/2 frame the server sends on `socket` (after the preface exchange). */
export function onFrames(socket: Socket, onFrame: (type: number, flags: number, streamId: number, payload: Buffer) => void): void {
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 9) {
      const length = pending.readUIntBE(0, 3);
      if (pending.length < 9 + length) break;
      onFrame(pending[3]!, pending[4]!, pending.readUInt32BE(5) & 0x7fffffff, pending.subarray(9, 9 + length));
      pending = pending.subarray(9 + length);
    }
  });
}
