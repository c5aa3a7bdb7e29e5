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
//   Streams that never reach us (refused below us) are charged too, by the gap they leave
//   in the stream ids, and Node's and nghttp2's own guards are set above ours
//   (STREAM_WATCH_HTTP2_OPTIONS), so ours acts first.
// Cost per call: a walk over its header list, a Set lookup, one 'close' listener shared by
// every stream of its connection, and a place in an array until the next turn of the event
// loop; a Map entry only for a call still without its request then. (Holding every call in a
// Map from open to close cost a unary call ~15% of bare grpc-js's CPU, three closures per
// stream before that ~25%: measured side by side on one core, bench/README.md.)
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

/** One connection: its probable client resets (decaying at RESET_DECAY_PER_S) and its streams' deadlines. */
interface SessionWatch {
  readonly session: Http2Session;
  score: number;
  at: number;
  recycled: boolean;
  /** The id of the last stream we saw open (client streams are odd and increasing). */
  lastStreamId: number;
  /** Streams that carried a grpc-timeout, until they close: when each counts as at its deadline. */
  readonly deadlines: Map<Http2Stream, number>;
  /** The one 'close' listener of every stream of this connection (a closed stream has no session left). */
  readonly onClose: (this: Http2Stream) => void;
}

// nghttp2 (>= 1.57, in every Node this repo supports) ends a connection with GOAWAY
// (INTERNAL_ERROR) once its client's RST_STREAMs drain a bucket of 1,000 refilled at 33/s.
// We cannot see every RST_STREAM (one for a stream already closed raises no event), so we
// count what predicts one — a stream reset, or one that ended within DEADLINE_MARGIN_MS of
// its deadline or after it — and recycle the connection well before that budget, decaying a bit
// slower than nghttp2 refills. A quarter, not half: on Node 24 under a loaded CI run the
// server saw fewer resets than the client sent (Node refused streams below us, see below),
// and nghttp2 struck first at 500.
const RESET_BUDGET = 250;
const RESET_DECAY_PER_S = 30;

// Node's and nghttp2's own guards, set above ours. A client ahead of a stalled server sends
// many calls in one read, each HEADERS, DATA and (at its deadline) RST_STREAM. Node 22/24 keep
// a stream counted until the end of that turn of the event loop, so past MAX_CONCURRENT_STREAMS
// in one read they refuse the rest (ENHANCE_YOUR_CALM: RESOURCE_EXHAUSTED, a limit answering)
// and, after 100 refusals in a row (Node's default), end the connection with INTERNAL_ERROR
// under every call on it: 240 such calls in one write did that, and so did the 1 ms storm in
// a loaded CI run. Refused streams never reach us, but their resets drain nghttp2's bucket.
// So: 2,000 refusals in a row (more calls than a 64 KB read holds), and on Node >= 22 (older
// Node has no such option) nghttp2's burst above our budget plus those refusals; its refill
// rate stays nghttp2's default. A connection refused that much is then recycled by the gap.
export const STREAM_WATCH_HTTP2_OPTIONS = { maxSessionRejectedStreams: 2_000, streamResetBurst: 2_500, streamResetRate: 33 } as const;
const DEADLINE_MARGIN_MS = 50;
const MAX_STREAM_ID = 2 ** 31 - 1;
const RECYCLE_REASON = Buffer.from('too_many_resets');

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };

export class StreamWatch {
  // Unary and server-streaming calls still without their request at their first look, with
  // when they opened, oldest first (a Map keeps insertion order), until they close; the sweep
  // drops those whose request has come in since.
  // Dropped at close, not at the next sweep: kept until then, every finished call of the last
  // second would stay alive with its stream (about 1 KB each), and the old-space GC that cost
  // was +40% CPU per call. (An 'end' listener per stream to drop them sooner cost more.)
  private readonly awaiting = new Map<Http2Stream, number>();
  // Streams opened since the last first look, with when: looked at once, after the frames that
  // came with their headers have been read (setImmediate). A normal call has its request by
  // then and is forgotten; only one still waiting goes into `awaiting`. Holding every call
  // there from open to close is what kept the watch's cost at ~15% of a bare unary call.
  private fresh: Http2Stream[] = [];
  private freshSince = 0;
  private readonly sessions = new WeakMap<Http2Session, SessionWatch>();
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
    let count = 0;
    for (const stream of this.fresh) if (!stream.readableEnded && !stream.closed) count++;
    for (const stream of this.awaiting.keys()) if (!stream.readableEnded) count++;
    return count;
  }

  // Keeps the calls still waiting for their request (oldest first); resets those waiting since
  // before `idleCutoff`, then the oldest beyond the cap of those waiting since `settledCutoff`.
  sweep(idleCutoff: number, settledCutoff: number): void {
    let settled = 0;
    for (const [stream, since] of this.awaiting) {
      if (stream.readableEnded) {
        this.awaiting.delete(stream); // its request is in: the handler runs
      } else if (since <= idleCutoff) {
        this.counts.resetAwaitingRequest++;
        this.awaiting.delete(stream);
        stream.close(constants.NGHTTP2_CANCEL);
      } else if (since <= settledCutoff) {
        settled++;
      } else {
        break; // the rest are newer still
      }
    }
    const cap = this.options.maxAwaiting;
    let excess = cap > 0 ? settled - cap : 0;
    for (const stream of this.awaiting.keys()) {
      if (excess-- <= 0) break;
      this.counts.refusedAwaitingRequest++;
      this.awaiting.delete(stream);
      stream.close(constants.NGHTTP2_ENHANCE_YOUR_CALM);
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
    if (session) {
      const watch = this.sessions.get(session) ?? this.watchSession(session);
      // Streams between the last one we saw and this one were refused below us: each may
      // have drawn a client reset that nghttp2 counts.
      const id = stream.id ?? watch.lastStreamId + 2;
      const unseen = (id - watch.lastStreamId - 2) / 2;
      watch.lastStreamId = id;
      if (unseen > 0) this.charge(watch, unseen);
      const timeout = headers['grpc-timeout'];
      if (typeof timeout === 'string') watch.deadlines.set(stream, Date.now() + timeoutMs(timeout) - DEADLINE_MARGIN_MS);
      stream.on('close', watch.onClose);
    } else {
      stream.on('close', this.onSessionlessClose);
    }
    if (idleMs <= 0 || !requestFirstPaths.has(headers[':path'] as string)) return;
    if (this.fresh.length === 0) {
      // The first of a batch: one look for all of them.
      this.freshSince = Date.now();
      setImmediate(this.firstLook);
    }
    this.fresh.push(stream);
  };

  private readonly firstLook = () => {
    const streams = this.fresh;
    this.fresh = [];
    for (const stream of streams) {
      if (!stream.readableEnded && !stream.closed && !stream.destroyed) this.awaiting.set(stream, this.freshSince);
    }
  };

  // (A stream has its session when it opens; this only keeps the bookkeeping whole if not.)
  private readonly onSessionlessClose = (() => {
    const awaiting = this.awaiting;
    return function (this: Http2Stream) {
      awaiting.delete(this);
    };
  })();

  private watchSession(session: Http2Session): SessionWatch {
    const closed = (stream: Http2Stream) => this.closed(stream, watch);
    const watch: SessionWatch = {
      session,
      score: 0,
      at: Date.now(),
      recycled: false,
      lastStreamId: -1,
      deadlines: new Map(),
      onClose() {
        closed(this);
      },
    };
    this.sessions.set(session, watch);
    return watch;
  }

  // A reset stream, or one that ended within DEADLINE_MARGIN_MS of its deadline or after it
  // (its client resets it then), is charged to its connection.
  private closed(stream: Http2Stream, watch: SessionWatch): void {
    this.awaiting.delete(stream);
    let deadline = Infinity;
    if (watch.deadlines.size > 0) {
      const own = watch.deadlines.get(stream);
      if (own !== undefined) {
        deadline = own;
        watch.deadlines.delete(stream);
      }
    }
    if (stream.rstCode === constants.NGHTTP2_NO_ERROR && Date.now() < deadline) return;
    this.charge(watch);
  }

  private charge(watch: SessionWatch, resets = 1): void {
    const now = Date.now();
    watch.score = Math.max(0, watch.score - ((now - watch.at) * RESET_DECAY_PER_S) / 1000) + resets;
    watch.at = now;
    const { session } = watch;
    if (watch.score < RESET_BUDGET || watch.recycled || session.closed || session.destroyed) return;
    watch.recycled = true;
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
