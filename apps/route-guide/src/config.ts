import { baseServiceEnv, envInt, envOptionalFile, executorEnv } from '@grpc-ts/server-kit';
import { DEFAULT_CHAT_LIMITS } from './chat-store';
import { DEFAULT_MAX_NOTE_BYTES, DEFAULT_MAX_ROUTE_POINTS } from './route-guide';

export const routeGuideEnv = {
  ...baseServiceEnv({ port: 50052 }),
  /** RecordRoute's distance sums: threads by default (see README, "Which executor each service uses"). */
  ...executorEnv('threads'),
  /** Optional path to a feature file (route_guide_db.json format); the bundled copy when unset. */
  DATA: envOptionalFile(),
  /** RouteChat keeps at most this many notes per location (the oldest is dropped). */
  CHAT_MAX_NOTES_PER_LOCATION: envInt({ default: DEFAULT_CHAT_LIMITS.maxNotesPerLocation, min: 1, max: 1_000_000 }),
  /** RouteChat keeps at most this many locations (the least recently written is dropped). */
  CHAT_MAX_LOCATIONS: envInt({ default: DEFAULT_CHAT_LIMITS.maxLocations, min: 1, max: 10_000_000 }),
  /**
   * RouteChat refuses (RESOURCE_EXHAUSTED) a note whose message has more UTF-8 bytes; the
   * largest request route-guide accepts is this plus a note's 64 bytes of framing.
   */
  CHAT_MAX_NOTE_BYTES: envInt({ default: DEFAULT_MAX_NOTE_BYTES, min: 1, max: 4 * 1024 * 1024 }),
  /** RouteChat keeps at most this many bytes of message text in all (oldest dropped first). */
  CHAT_MAX_MESSAGE_BYTES: envInt({ default: DEFAULT_CHAT_LIMITS.maxMessageBytes, min: 1, max: 2 ** 40 }),
  /** RecordRoute refuses a route longer than this with RESOURCE_EXHAUSTED (a bound on one call's work). */
  ROUTE_MAX_POINTS: envInt({ default: DEFAULT_MAX_ROUTE_POINTS, min: 1, max: 100_000_000 }),
};
