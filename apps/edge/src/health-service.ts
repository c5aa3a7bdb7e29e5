// grpc.health.v1.Health on the edge's Connect server, from the descriptor embedded in
// @grpc-ts/protos (no generated code needed): "" is the process (SERVING until shutdown),
// "edge.v1.EdgeService" is SERVING only while every backend answers (readiness.ts).
import { Code, ConnectError, type ConnectRouter } from '@connectrpc/connect';
import { serviceDescriptor } from '@grpc-ts/protos';
import { once } from 'node:events';
import { EventEmitter } from 'node:events';

export const HEALTH_SERVICE = 'grpc.health.v1.Health';
const SERVING = 1;
const NOT_SERVING = 2;

export class EdgeHealth {
  private readonly changes = new EventEmitter();
  private stopping = false;

  constructor(
    private readonly serviceName: string,
    private readonly ready: () => boolean,
  ) {
    this.changes.setMaxListeners(0);
  }

  /** Tell watchers something changed (readiness, shutdown). */
  changed(): void {
    this.changes.emit('change');
  }

  shutdown(): void {
    this.stopping = true;
    this.changed();
  }

  statusOf(service: string): number | undefined {
    if (service === '') return this.stopping ? NOT_SERVING : SERVING;
    if (service === this.serviceName) return !this.stopping && this.ready() ? SERVING : NOT_SERVING;
    return undefined;
  }

  register(router: ConnectRouter): void {
    router.service(serviceDescriptor(HEALTH_SERVICE), {
      check: (request: { service: string }) => {
        const status = this.statusOf(request.service);
        if (status === undefined) throw new ConnectError(`unknown service ${JSON.stringify(request.service)}`, Code.NotFound);
        return { status };
      },
      list: () => ({
        statuses: Object.fromEntries(['', this.serviceName].map((name) => [name, { status: this.statusOf(name) }])),
      }),
      watch: async function* (this: EdgeHealth, request: { service: string }, ctx: { signal: AbortSignal }) {
        let last: number | undefined;
        while (!ctx.signal.aborted) {
          const status = this.statusOf(request.service) ?? 3; // SERVICE_UNKNOWN
          if (status !== last) {
            last = status;
            yield { status };
          }
          if (this.stopping) return;
          await once(this.changes, 'change', { signal: ctx.signal }).catch(() => undefined);
        }
      }.bind(this),
    } as never);
  }
}
