// The only place that reaches into grpc-js's private call state. A server call keeps its
// HTTP/2 stream in `call.call.stream` (the BaseServerInterceptingCall behind it, under any
// grpc-js interceptors). We need it for what the public API cannot do: reset a stream whose
// status can no longer be flushed (a client that stops reading leaves trailers queued behind
// DATA that flow control never lets out); take a stream's deadline over from grpc-js, whose
// own timer ends the HTTP/2 stream under the call's queued writes (they then fail, and the
// DEADLINE_EXCEEDED trailers never go out; the client sees a reset instead); and end a
// response stream with a status without emitting 'error' on it (see endWithStatus). And of
// the Server itself: the Node HTTP/2 server options grpc-js has no option for (the header
// list limit, the stream watch's HTTP/2 guards), and the HTTP/2 server behind a connection injector, whose streams we watch.
// A test checks these readings on real calls, so a grpc-js upgrade that moves them fails CI.
import { constants, type Http2Server, type ServerHttp2Stream, type Settings } from 'node:http2';

interface BaseCall {
  cancelled?: unknown;
  stream?: unknown;
  deadlineTimer?: NodeJS.Timeout | null;
  nextCall?: BaseCall;
}

// Through any grpc-js interceptors (each keeps the next call in `nextCall`) to the base call.
function baseOf(raw: object): BaseCall | undefined {
  let call = (raw as { call?: BaseCall }).call;
  while (call && !('stream' in call) && call.nextCall) call = call.nextCall;
  return call;
}

/** The call's HTTP/2 stream, or undefined if grpc-js keeps it elsewhere. */
export function http2StreamOf(raw: object): ServerHttp2Stream | undefined {
  const stream = baseOf(raw)?.stream as ServerHttp2Stream | undefined;
  return stream && typeof stream.close === 'function' && 'rstCode' in stream ? stream : undefined;
}

/** grpc-js already ended this call (sent a status or saw the stream close) before our handler ran. */
export function endedByTransport(raw: object): boolean {
  return baseOf(raw)?.cancelled === true;
}

/** Sends RST_STREAM(CANCEL) unless the stream has closed already. */
export function resetStream(raw: object): boolean {
  const stream = http2StreamOf(raw);
  if (!stream || stream.closed || stream.destroyed) return false;
  stream.close(constants.NGHTTP2_CANCEL);
  return true;
}

/** Stops grpc-js's deadline timer for this call; false if there was none to find. */
export function takeOverDeadline(raw: object): boolean {
  const base = baseOf(raw);
  if (!base || !('deadlineTimer' in base)) return false;
  if (base.deadlineTimer) clearTimeout(base.deadlineTimer);
  base.deadlineTimer = null;
  return true;
}

interface StatusWritable {
  pendingStatus?: unknown;
  end(): void;
}

/**
 * Ends a server-streaming or bidi call with `status` once what was written has flushed:
 * what grpc-js's own 'error' listener does (pendingStatus, then end()), without the 'error'
 * event. Emitting 'error' also reaches the request stream's async iterator, which then
 * destroys the call under its queued writes: the status is never sent (a RouteChat past its
 * deadline kept its stream open until the flush guard reset it). False if grpc-js keeps the
 * status elsewhere (the caller then falls back to emitting 'error').
 */
export function endWithStatus(raw: object, status: object): boolean {
  const call = raw as StatusWritable;
  if (!('pendingStatus' in call) || typeof call.end !== 'function') return false;
  call.pendingStatus = status;
  call.end();
  return true;
}

interface ServerInternals {
  commonServerOptions?: { settings?: Settings } & Record<string, unknown>;
  http2Servers?: Map<unknown, unknown>;
}

/**
 * Adds Node HTTP/2 server options for the HTTP/2 servers grpc-js creates from now on (a
 * connection injector's included); false if grpc-js keeps them elsewhere.
 */
export function setHttp2ServerOptions(server: object, options: Http2ServerExtras): boolean {
  const common = (server as ServerInternals).commonServerOptions;
  if (!common || typeof common !== 'object') return false;
  const { maxHeaderListSize, ...rest } = options;
  if (maxHeaderListSize !== undefined) common.settings = { ...common.settings, maxHeaderListSize };
  Object.assign(common, rest);
  return true;
}

/** Node HTTP/2 server options grpc-js has no channel option for. */
export interface Http2ServerExtras {
  /** The SETTINGS_MAX_HEADER_LIST_SIZE we announce. */
  maxHeaderListSize?: number;
  /** New streams refused in a row (Node's own refusal) before Node ends the connection. */
  maxSessionRejectedStreams?: number;
  /** nghttp2's RST_STREAM bucket (Node >= 22; older Node ignores both). */
  streamResetBurst?: number;
  streamResetRate?: number;
}

/** The Node HTTP/2 server grpc-js created last (the connection injector's), if it can be found. */
export function http2ServerOf(server: object): Http2Server | undefined {
  const servers = (server as ServerInternals).http2Servers;
  if (!(servers instanceof Map)) return undefined;
  const last = [...servers.keys()].at(-1) as Http2Server | undefined;
  return last && typeof last.on === 'function' ? last : undefined;
}
