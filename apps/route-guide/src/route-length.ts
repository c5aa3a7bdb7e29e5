// RecordRoute's distance, computed while the points arrive: they are packed into chunks and
// each full chunk's legs are added on the executor (a worker thread by default) while the
// event loop goes on decoding points and serving other calls. Chunks are chained, each
// starting from the previous total, so the float sum is the one a single loop gives.
// Memory per call stays at one chunk, however long the route.
import type { Executor } from '@grpc-ts/executors';
import type { routeguide } from '@grpc-ts/protos';
import { addLegMetres } from './route-legs';
import type * as RouteTasks from './tasks/route-tasks';

export type RouteExecutor = Executor<typeof RouteTasks>;

/** Points per chunk sent to the executor. */
export const CHUNK_POINTS = 4096;
/** A last, partial chunk smaller than this is summed inline: the hop would cost more. */
export const INLINE_BELOW_POINTS = 1024;

export class RouteLength {
  // Each chunk starts with the last point of the previous one, so no leg is lost at a seam.
  private chunk = new Int32Array(CHUNK_POINTS * 2);
  private filled = 0;
  private total: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly executor: RouteExecutor,
    private readonly signal?: AbortSignal,
  ) {}

  add(point: routeguide.Point): void {
    this.chunk[this.filled * 2] = point.latitude;
    this.chunk[this.filled * 2 + 1] = point.longitude;
    this.filled++;
    if (this.filled === CHUNK_POINTS) this.flush(false);
  }

  /** The route's length in metres, as a float (the caller truncates once). */
  async metres(): Promise<number> {
    if (this.filled > 1) this.flush(true);
    return this.total;
  }

  private flush(last: boolean): void {
    const coords = this.chunk.subarray(0, this.filled * 2);
    const next = new Int32Array(CHUNK_POINTS * 2);
    next[0] = coords[coords.length - 2]!;
    next[1] = coords[coords.length - 1]!;
    this.chunk = next;
    this.filled = 1;
    const inline = last && coords.length / 2 < INLINE_BELOW_POINTS;
    const previous = this.total;
    this.total = previous.then((sum) =>
      inline ? addLegMetres(sum, coords) : this.executor.run('addLegMetres', [sum, coords], { signal: this.signal }),
    );
    // Awaited only by metres(): if the call fails first, a late rejection must not go unhandled.
    this.total.catch(() => undefined);
  }
}
