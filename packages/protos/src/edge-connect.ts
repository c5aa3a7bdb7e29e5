// The edge's contract as protoc-gen-es writes it, for Connect (connect-node, connect-web).
// Its own entry point so a browser bundle pulls in this file and @bufbuild/protobuf only.
export * from './gen/es/edge/v1/edge_pb';
