// The RouteChat notes, shared by every call on a server (as in the official Node server),
// but bounded so a long-running server cannot grow without limit. Oldest goes first:
// - at most maxNotesPerLocation notes per location: the oldest note there is dropped;
// - at most maxLocations locations: the location written to least recently is dropped whole;
// - at most maxMessageBytes of message text (UTF-8) in all: whole least-recently-written
//   locations are dropped, then the oldest notes of the current one. The counts alone would
//   still allow locations x notes x 4 MB messages.
import type { routeguide } from '@grpc-ts/protos';

export interface ChatLimits {
  maxNotesPerLocation: number;
  maxLocations: number;
  maxMessageBytes: number;
}

export const DEFAULT_CHAT_LIMITS: ChatLimits = {
  maxNotesPerLocation: 100,
  maxLocations: 10_000,
  maxMessageBytes: 32 * 1024 * 1024,
};

interface StoredNote {
  note: routeguide.RouteNote;
  bytes: number;
}

export class RouteChatStore {
  // Map iteration order is insertion order; a write re-inserts its location, so the first
  // key is always the least recently written location.
  private readonly notes = new Map<string, StoredNote[]>();
  private noteTotal = 0;
  private byteTotal = 0;
  readonly limits: ChatLimits;

  constructor(limits: Partial<ChatLimits> = {}) {
    const merged = { ...DEFAULT_CHAT_LIMITS, ...limits };
    for (const [name, value] of Object.entries(merged)) {
      if (!Number.isInteger(value) || value < 1) throw new RangeError(`chat limit ${name} must be a positive integer, got ${value}`);
    }
    this.limits = merged;
  }

  /** The notes stored at exactly this point, oldest first (a snapshot: later writes do not change it). */
  notesAt(point: routeguide.Point): Iterable<routeguide.RouteNote> {
    return this.notes.get(keyOf(point))?.map((stored) => stored.note) ?? [];
  }

  add(point: routeguide.Point, message: string): void {
    const key = keyOf(point);
    const here = this.notes.get(key) ?? [];
    this.notes.delete(key);
    this.notes.set(key, here);
    const bytes = Buffer.byteLength(message, 'utf8');
    here.push({ note: { location: { latitude: point.latitude, longitude: point.longitude }, message }, bytes });
    this.noteTotal++;
    this.byteTotal += bytes;

    if (here.length > this.limits.maxNotesPerLocation) this.dropOldestAt(here);
    while (this.notes.size > this.limits.maxLocations) this.dropLeastRecentLocation();
    while (this.byteTotal > this.limits.maxMessageBytes && this.notes.size > 1) this.dropLeastRecentLocation();
    // One location left and still over budget: its oldest notes go, the newest always stays.
    while (this.byteTotal > this.limits.maxMessageBytes && here.length > 1) this.dropOldestAt(here);
  }

  get locationCount(): number {
    return this.notes.size;
  }

  get noteCount(): number {
    return this.noteTotal;
  }

  /** UTF-8 bytes of all stored messages. */
  get messageBytes(): number {
    return this.byteTotal;
  }

  private dropOldestAt(here: StoredNote[]): void {
    const dropped = here.shift()!;
    this.noteTotal--;
    this.byteTotal -= dropped.bytes;
  }

  private dropLeastRecentLocation(): void {
    const [key, dropped] = this.notes.entries().next().value!;
    this.notes.delete(key);
    this.noteTotal -= dropped.length;
    for (const stored of dropped) this.byteTotal -= stored.bytes;
  }
}

const keyOf = (point: routeguide.Point) => `${point.latitude},${point.longitude}`;
