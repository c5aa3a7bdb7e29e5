// How failures leave the CLI: one line on stderr and an exit code, never a stack trace.
import { status, type ServiceError } from '@grpc/grpc-js';

/** Exit codes: 0 ok, 1 the call (or health check) failed, 2 bad arguments (usage printed). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure with a message meant for the user as is. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'details' in error;
}

export function statusName(code: number): string {
  return status[code] ?? `STATUS_${code}`;
}

/** "UNAVAILABLE: No connection established..." on one line, whatever the error was. */
export function describeError(error: unknown): string {
  const text = isServiceError(error)
    ? `${statusName(error.code)}: ${error.details || 'no details'}`
    : error instanceof Error
      ? error.message
      : String(error);
  // grpc-js ends some UNAVAILABLE details with an empty "Resolution note:"; it says nothing.
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\s*Resolution note:\s*$/, '')
    .trim();
}
