// Whether the edge can do its job: each backend answers grpc.health.v1 Check (SERVING) over
// the same channels the calls use, re-checked every interval. /readyz and the edge's own
// grpc.health.v1 status for edge.v1.EdgeService read it; liveness (/healthz, health "") does not.
import type { Backends } from './backends';

export interface BackendReadiness {
  name: string;
  status: string;
  /** When the last probe ended (epoch ms). */
  checkedAt: number;
}

export class Readiness {
  private readonly states = new Map<string, BackendReadiness>();
  private timer?: NodeJS.Timeout;
  private readonly listeners = new Set<() => void>();
  private probing?: Promise<void>;

  constructor(
    private readonly backends: Backends,
    private readonly intervalMs: number,
  ) {
    for (const probe of backends.health) this.states.set(probe.name, { name: probe.name, status: 'UNKNOWN', checkedAt: 0 });
  }

  get ready(): boolean {
    return [...this.states.values()].every((state) => state.status === 'SERVING');
  }

  get backendsState(): BackendReadiness[] {
    return [...this.states.values()];
  }

  /** Called whenever `ready` may have changed. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): Promise<void> {
    const tick = () => {
      this.probing = this.probe().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.intervalMs).unref();
      });
    };
    this.timer = setTimeout(() => undefined, 0);
    tick();
    return this.probing!;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async probe(): Promise<void> {
    const before = this.ready;
    const timeoutMs = Math.max(50, Math.min(2_000, this.intervalMs));
    await Promise.all(
      this.backends.health.map(async ({ name, service, client }) => {
        let status: string;
        try {
          const answer = await client.check({ service }, { timeoutMs, metadata: this.backends.metadata() });
          status = answer.status === 1 ? 'SERVING' : 'NOT_SERVING';
        } catch (error) {
          status = `UNREACHABLE: ${(error as { details?: string }).details ?? (error as Error).message}`;
        }
        this.states.set(name, { name, status, checkedAt: Date.now() });
      }),
    );
    if (this.ready !== before) for (const listener of this.listeners) listener();
  }
}
