// RouteChat notes as typed by people: "lat,lng message", one per argument or stdin line.
import { createInterface } from 'node:readline';
import type { routeguide } from '@grpc-ts/protos';
import { CliError, EXIT_USAGE } from './cli-error';
import { parsePoint } from './points';

/** "409146138,-746188906 first note" -> a RouteNote; the message may be empty. */
export function parseNote(text: string, what = 'note'): routeguide.RouteNote {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  const pointText = space < 0 ? trimmed : trimmed.slice(0, space);
  const message = space < 0 ? '' : trimmed.slice(space + 1).trim();
  return { location: parsePoint(pointText, `${what} location`), message };
}

/** Notes from stdin lines (blank lines skipped); a malformed line stops the chat as a usage error. */
export async function* notesFromLines(input: NodeJS.ReadableStream): AsyncGenerator<routeguide.RouteNote> {
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    lineNumber++;
    if (!line.trim()) continue;
    try {
      yield parseNote(line, `stdin line ${lineNumber}`);
    } catch (error) {
      throw new CliError((error as Error).message, EXIT_USAGE);
    }
  }
}
