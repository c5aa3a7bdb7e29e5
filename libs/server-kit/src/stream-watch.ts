// What the server does with every HTTP/2 stream as it opens, before (and besides) the call
// grpc-js makes of it: the limits a hostile client could otherwise slip past because they
// live below grpc-js's API. Fed by the Node HTTP/2 server behind the connection injector;
// swept by the server's idle sweeper.
// - Metadata over maxMetadataBytes closes the connection (ENHANCE_YOUR_CALM). The HTTP/2
//   setting says the same, but Node enforces it only once the client has acknowledged our
//   SETTINGS; a client that sends its calls before that got 60 KB of headers per call in
//   (600 MiB of RSS from 40 connections).
// - grpc-js runs a unary or server-streaming handler only once the whole request (message
//   and half-close) is in; until then the call holds its headers and buffers but no slot,
//   and nothing ends it if it has no deadline. Such calls are noted while they wait: the
//   sweep resets (CANCEL) those still waiting after the idle limit, and the oldest beyond
//   `maxAwaiting` of those waiting longer than a sweep (ENHANCE_YOUR_CALM: the client sees
//   RESOURCE_EXHAUSTED). A burst of headers ahead of their messages is normal and never
//   refused; thousands of calls that stay without their request are.
// - A connection whose client resets many streams is asked to go away gracefully (GOAWAY
//   NO_ERROR: its calls finish, new ones go to a new connection) before nghttp2's rapid-reset
//   guard (about 1,000 resets in a burst, then 33 a second) kills it with INTERNAL_ERROR and
//   fails every call on it. A client whose calls pass their deadlines resets each of them:
//   a storm of 1 ms deadlines from well-behaved grpc-js clients got INTERNAL that way.
// Cost per call: a walk over its header list, a Set lookup, one listener (two more for a
// call that waits for its request).
import { constants, type Http2Server, type Http2Session, type Http2Stream, type IncomingHttpHeaders } from 'node:http2';

export interface StreamWatchOptions {
  /** Paths of the unary and server-streaming methods (a handler runs once the request is in). */
  requestFirstPaths: ReadonlySet<string>;
  /** 0 = no metadata check. */
  maxMetadataBytes: number;
  /** 0 = calls waiting for their request are not tracked. */
  idleMs: number;
  /** Most calls left waiting for their request after a sweep; 0 = no cap. */
  maxAwaiting: number;
}

/** A unary or server-streaming call whose request (message and half-close) has not arrived yet. */
interface AwaitingRequest {
  stream: Http2Stream;
  since: number;
}

/** Probable client resets on one connection, decaying at RESET_DECAY_PER_S. */
interface ResetScore {
  score: number;
  at: number;
  recycled: boolean;
}

// nghttp2 (>= 1.57, in every Node this repo supports) ends a connection with GOAWAY
// (INTERNAL_ERROR) once its client's RST_STREAMs drain a bucket of 1,000 refilled at 33/s.
// We cannot see every RST_STREAM (one for a stream already closed raises no event), so we
// count what predicts one — a stream reset, or one that ended within DEADLINE_MARGIN_MS of
// its deadline or after it — and recycle the connection at half that budget, decaying a bit
// slower than nghttp2 refills.
const RESET_BUDGET = 500;
const RESET_DECAY_PER_S = 30;
const DEADLINE_MARGIN_MS = 50;
const MAX_STREAM_ID = 2 ** 31 - 1;
const RECYCLE_REASON = Buffer.from('too_many_resets');

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

export class StreamWatch {
  // Oldest first (a Set keeps insertion order). An entry leaves it the moment its request is
  // in: kept until the next sweep, every finished call of the last second would stay alive
  // with its stream (about 1 KB each), and the old-space GC that cost was +40% CPU per call.
  private readonly awaiting = new Set<AwaitingRequest>();
  private readonly resets = new WeakMap<Http2Session, ResetScore>();
  /** Counts, for logs and tests. */
  readonly counts = { refusedForMetadata: 0, refusedAwaitingRequest: 0, resetAwaitingRequest: 0, recycledForResets: 0 };

  constructor(
    http2Server: Http2Server,
    private readonly options: StreamWatchOptions,
  ) {
    http2Server.on('stream', this.onStream);
  }

  /** Calls waiting for their request now (headers in, message or half-close not yet). */
  get awaitingRequest(): number {
    return this.awaiting.size;
  }

  // Keeps the calls still waiting for their request (oldest first); resets those waiting since
  // before `idleCutoff`, then the oldest beyond the cap of those waiting since `settledCutoff`.
  sweep(idleCutoff: number, settledCutoff: number): void {
    let settled = 0;
    for (const entry of this.awaiting) {
      if (entry.since <= idleCutoff) {
        this.counts.resetAwaitingRequest++;
        this.awaiting.delete(entry);
        entry.stream.close(constants.NGHTTP2_CANCEL);
      } else if (entry.since <= settledCutoff) {
        settled++;
      } else {
        break; // the rest are newer still
      }
    }
    const cap = this.options.maxAwaiting;
    let excess = cap > 0 ? settled - cap : 0;
    for (const entry of this.awaiting) {
      if (excess-- <= 0) break;
      this.counts.refusedAwaitingRequest++;
      this.awaiting.delete(entry);
      entry.stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    }
  }

  private readonly onStream = (stream: Http2Stream, headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const { maxMetadataBytes, idleMs, requestFirstPaths } = this.options;
    const session = stream.session;
    if (maxMetadataBytes > 0 && headerListSize(rawHeaders) > maxMetadataBytes) {
      this.counts.refusedForMetadata++;
      // (A code alone: with an Error, Node would emit 'error' on the session.)
      (session as { destroy(code: number): void } | undefined)?.destroy(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      return;
    }
    if (session) this.watchResets(stream, session, headers['grpc-timeout']);
    if (idleMs <= 0 || !requestFirstPaths.has(headers[':path'] as string)) return;
    const entry: AwaitingRequest = { stream, since: Date.now() };
    const done = () => this.awaiting.delete(entry);
    stream.once('end', done); // the request is in: grpc-js runs the handler now
    stream.once('close', done);
    this.awaiting.add(entry);
  };

  private watchResets(stream: Http2Stream, session: Http2Session, timeout: string | string[] | undefined): void {
    const deadline = typeof timeout === 'string' ? Date.now() + timeoutMs(timeout) - DEADLINE_MARGIN_MS : Infinity;
    stream.once('close', () => {
      if (stream.rstCode === constants.NGHTTP2_NO_ERROR && Date.now() < deadline) return;
      this.charge(session);
    });
  }

  private charge(session: Http2Session): void {
    const now = Date.now();
    let entry = this.resets.get(session);
    if (!entry) this.resets.set(session, (entry = { score: 0, at: now, recycled: false }));
    entry.score = Math.max(0, entry.score - ((now - entry.at) * RESET_DECAY_PER_S) / 1000) + 1;
    entry.at = now;
    if (entry.score < RESET_BUDGET || entry.recycled || session.closed || session.destroyed) return;
    entry.recycled = true;
    this.counts.recycledForResets++;
    // What grpc-js does at max_connection_age: every stream so far may finish, no new ones.
    try {
      session.goaway(constants.NGHTTP2_NO_ERROR, MAX_STREAM_ID, RECYCLE_REASON);
      session.close();
    } catch {
      session.destroy();
    }
  }
}

/** HTTP/2's measure of a header list (RFC 9113 6.5.2): name and value octets plus 32 per field. */
function headerListSize(rawHeaders: string[]): number {
  let size = 0;
  for (let i = 0; i < rawHeaders.length; i++) size += rawHeaders[i]!.length;
  return size + 16 * rawHeaders.length;
}

/** A grpc-timeout header's value ("100m", "5S", ...) in ms; Infinity if malformed. */
function timeoutMs(value: string): number {
  const unit = TIMEOUT_UNITS[value.slice(-1)];
  const amount = Number(value.slice(0, -1));
  return unit === undefined || !Number.isFinite(amount) ? Infinity : amount * unit;
}
