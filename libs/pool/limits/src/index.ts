// @grpc-ts/limits: the notes' limits, transport-agnostic: active calls (slots and a bounded
// wait queue) and client connections.
export { ConcurrencyLimiter, type ConcurrencyLimiterOptions, type Rejection, type Waiter } from './limiter';
export {
  listenWithConnectionLimit,
  type ConnectionListener,
  type ConnectionListenerOptions,
  type ConnectionSource,
  type HandshakeCheck,
  type ListenerTls,
} from './connection-listener';
export { LimitOptionsError } from './options-error';
