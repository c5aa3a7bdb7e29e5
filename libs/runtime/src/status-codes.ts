// The gRPC status codes by number (the protocol's own table, shared by grpc-js and Connect),
// so metrics can name codes without importing a transport.
const NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export type StatusName = (typeof NAMES)[number];

/** "DEADLINE_EXCEEDED" for 4; the number itself for a code outside the table. */
export function statusName(code: number): string {
  return NAMES[code] ?? String(code);
}
