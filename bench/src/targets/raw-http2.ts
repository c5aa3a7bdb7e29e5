// The ceiling for Node: a plain node:http2 server that answers each known path with the
// gRPC framing of a fixed serialized response and grpc-status 0 trailers. No protobuf, no
// grpc-js: what any gRPC server in Node costs at least.
// usage: PORT=0 RAW_ANSWERS='{"/pkg.Service/Method":"<base64 gRPC frame>"}' node raw-http2.js
import { constants, createServer, type ServerHttp2Stream } from 'node:http2';
import { announceListening, listenPort } from './listening';

const answers = new Map<string, Buffer>(
  Object.entries(JSON.parse(process.env.RAW_ANSWERS ?? '{}') as Record<string, string>).map(([path, frame]) => [
    path,
    Buffer.from(frame, 'base64'),
  ]),
);
if (answers.size === 0) {
  process.stderr.write('RAW_ANSWERS must map at least one path to a base64 gRPC frame\n');
  process.exit(2);
}

const UNIMPLEMENTED = '12';

function answer(stream: ServerHttp2Stream, path: string | undefined): void {
  const frame = path === undefined ? undefined : answers.get(path);
  if (!frame) {
    // Trailers-only response, as a gRPC server sends for an unknown method.
    stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc', 'grpc-status': UNIMPLEMENTED }, { endStream: true });
    return;
  }
  stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(frame);
}

const server = createServer();
server.on('stream', (stream, headers) => {
  // Like a real unary server, answer once the whole request has arrived.
  stream.on('data', () => undefined);
  stream.once('end', () => answer(stream, headers[constants.HTTP2_HEADER_PATH] as string | undefined));
  stream.on('error', () => undefined);
});
server.listen(listenPort(), '127.0.0.1', () => {
  const address = server.address();
  announceListening('raw-http2', typeof address === 'object' && address ? address.port : 0);
});
process.once('SIGTERM', () => process.exit(0));
