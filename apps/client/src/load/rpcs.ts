// The RPCs the load driver can drive. Each request is serialized ONCE, before the run, and
// responses are not decoded (a pass-through deserializer): the driver spends its time on the
// calls themselves, so the figures describe the server and the transport, not client-side
// protobuf work. Callbacks are made once per slot, not per call.
import { status, type CallOptions, type Client, type Metadata, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { health, prod, routeguide } from '@grpc-ts/protos';

export type ServiceKind = 'prod' | 'route';

export interface LoadRpcParams {
  prodId: number;
  point: routeguide.Point;
  rectangle: routeguide.Rectangle;
  /** Messages sent per call by the client-streaming and bidi RPCs. */
  streamSize: number;
}

/** Starts one call on the slot's channel; calls `done(code)` once it has its final status. */
export type StartCall = () => void;

export interface SlotSetup {
  client: Client;
  /** Reused for every call of the slot: the driver updates its deadline before each start. */
  options: CallOptions;
  metadata: Metadata;
  done: (code: number) => void;
}

export interface LoadRpc {
  /** The service whose address is the default target. */
  service: ServiceKind;
  method: string;
  prepare(params: LoadRpcParams): (slot: SlotSetup) => StartCall;
}

const passThrough = (bytes: Buffer): Buffer => bytes;
const ignore = () => undefined;

/** How one kind of RPC starts a call from its prepared payload. */
type Starter<Payload> = (slot: SlotSetup, path: string, payload: Payload) => StartCall;

function loadRpc<Payload>(
  service: ServiceKind,
  path: string,
  payload: (params: LoadRpcParams) => Payload,
  starter: Starter<Payload>,
): LoadRpc {
  return {
    service,
    method: path,
    prepare: (params) => {
      const prepared = payload(params);
      return (slot) => starter(slot, path, prepared);
    },
  };
}

const doneWithError = (done: (code: number) => void) => (error: ServiceError | null) => done(error ? error.code : status.OK);
const doneWithStatus = (done: (code: number) => void) => (final: StatusObject) => done(final.code);

const unary: Starter<Buffer> = ({ client, options, metadata, done }, path, bytes) => {
  const callback = doneWithError(done);
  return () => {
    client.makeUnaryRequest(path, passThrough, passThrough, bytes, metadata, options, callback);
  };
};

const serverStream: Starter<Buffer> = ({ client, options, metadata, done }, path, bytes) => {
  const onStatus = doneWithStatus(done);
  return () => {
    const call = client.makeServerStreamRequest(path, passThrough, passThrough, bytes, metadata, options);
    // 'error' repeats what 'status' reports; without a listener it would throw.
    call.on('data', ignore).on('error', ignore).on('status', onStatus);
  };
};

const clientStream: Starter<Buffer[]> = ({ client, options, metadata, done }, path, messages) => {
  const callback = doneWithError(done);
  return () => {
    const call = client.makeClientStreamRequest(path, passThrough, passThrough, metadata, options, callback);
    for (const message of messages) call.write(message);
    call.end();
  };
};

const bidi: Starter<Buffer[]> = ({ client, options, metadata, done }, path, messages) => {
  const onStatus = doneWithStatus(done);
  return () => {
    const call = client.makeBidiStreamRequest(path, passThrough, passThrough, metadata, options);
    call.on('data', ignore).on('error', ignore).on('status', onStatus);
    for (const message of messages) call.write(message);
    call.end();
  };
};

const prodMethods = prod.ProdServiceService;
const routeMethods = routeguide.RouteGuideService;
const healthMethods = health.HealthService;

/** A walk of `count` points north from `start`, 100 m apart. */
function walk(start: routeguide.Point, count: number): routeguide.Point[] {
  return Array.from({ length: count }, (_, index) => ({
    latitude: Math.min(start.latitude + index * 9000, 90e7),
    longitude: start.longitude,
  }));
}

export const LOAD_RPCS = {
  'prod-get': loadRpc('prod', prodMethods.getProdStock.path, ({ prodId }) => prodMethods.getProdStock.requestSerialize({ prodId }), unary),
  'route-feature': loadRpc('route', routeMethods.getFeature.path, ({ point }) => routeMethods.getFeature.requestSerialize(point), unary),
  'route-list': loadRpc(
    'route',
    routeMethods.listFeatures.path,
    ({ rectangle }) => routeMethods.listFeatures.requestSerialize(rectangle),
    serverStream,
  ),
  'route-record': loadRpc(
    'route',
    routeMethods.recordRoute.path,
    ({ point, streamSize }) => walk(point, streamSize).map((step) => routeMethods.recordRoute.requestSerialize(step)),
    clientStream,
  ),
  'route-chat': loadRpc(
    'route',
    routeMethods.routeChat.path,
    ({ point, streamSize }) =>
      Array.from({ length: streamSize }, (_, index) => routeMethods.routeChat.requestSerialize({ location: point, message: `load ${index}` })),
    bidi,
  ),
  health: loadRpc('prod', healthMethods.check.path, () => healthMethods.check.requestSerialize({ service: '' }), unary),
} satisfies Record<string, LoadRpc>;

export type LoadRpcName = keyof typeof LOAD_RPCS;
export const LOAD_RPC_NAMES = Object.keys(LOAD_RPCS) as LoadRpcName[];
